"""A planned trajectory: latents, soft labels and truncation as pure functions of frame index.

This is the hand-off between planning and rendering. It holds no model and reads no
files: latents come in as tensors and legs. Because every frame is a pure function of
its global index, a render is a sequence of independent frame ranges ``[start, end)``:
any split of ``[0, num_frames)`` gives exactly the same frames (the basis for resumed
and multi-machine renders).

Truncation: ``truncation(start, end)`` is the psi (n,) the generator applies (a
constant or a curve over time). A custom centre for a model without a w space is
applied here instead, as c + psi (z - c) in ``latents``, and psi is then 1 for the
generator; ``path_latents`` gives the latents before truncation (for diagnostics).
``truncation_cutoff`` and ``truncation_centre`` are carried for generators with layers
and a w space, which apply them themselves.

Controls: ``controls(start, end)`` gives the per-frame keyword inputs a generator takes
beyond latents (``Generator.controls``): ``frame``, the global frame indices (n,) int64
(StyleGAN2's random noise, seeded per frame), and ``transform`` (n, 3, 3) (StyleGAN3's
input transform over time). Both are pure functions of the frame index too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import numpy as np
import torch

from odyssey.errors import PathError
from odyssey.paths import CompositePath, KeyframesLeg, PathBuilder, TransformMotion, ValueCurve

DEFAULT_TRANSITION_SECONDS = 2.0


@dataclass(frozen=True)
class Keyframe:
    """One keyframe: a latent ``(*latent_shape)`` and, for conditional models, a class.

    ``hold`` and ``duration`` are seconds (None = take the path's default / a share).
    """

    latent: torch.Tensor
    label: int | None = None
    hold: float | None = None
    duration: float | None = None


@dataclass(frozen=True)
class Timing:
    """Durations of a path, resolved to seconds; ``total_frames`` pins the frame count."""

    holds: list[float]
    transitions: list[float]
    total_frames: int | None = None


def resolve_timing(
    keyframes: Sequence[Keyframe],
    *,
    loop: bool,
    default_hold: float = 0.0,
    default_transition: float | None = None,
    total_seconds: float | None = None,
    total_frames: int | None = None,
    fps: float = 30.0,
) -> Timing:
    """Fill in holds and move lengths. Moves without a duration share what is left of
    the whole-path duration (``total_seconds``, or ``total_frames / fps``) after holds
    and explicit moves; without a whole-path duration they take ``default_transition``.
    """
    count = len(keyframes)
    moves = count if loop else count - 1
    holds = [k.hold if k.hold is not None else default_hold for k in keyframes]
    if not loop and keyframes[-1].duration is not None and count > 0:
        raise PathError("the last keyframe of a path that does not loop has no move after it: remove its 'duration' or set loop: true")
    given = [keyframes[i].duration for i in range(moves)]
    if total_frames is not None:
        total_seconds = total_frames / fps
    if total_seconds is None:
        fill = default_transition if default_transition is not None else DEFAULT_TRANSITION_SECONDS
        transitions = [g if g is not None else fill for g in given]
        if moves == 0 and not holds[0]:  # a single keyframe with no length: a still of one move's length
            holds = [fill]
        return Timing(holds, transitions, None)
    open_moves = sum(g is None for g in given)
    left = total_seconds - sum(holds) - sum(g for g in given if g is not None)
    tolerance = 1e-9 * max(1.0, total_seconds)
    if left < -tolerance:
        raise PathError(
            f"the path lasts {total_seconds:g} s but its holds and move durations already take "
            f"{total_seconds - left:g} s: lengthen the path's duration or shorten holds"
        )
    if open_moves == 0:
        if abs(left) > tolerance:
            if moves == 0:  # a single keyframe: its hold is the whole path
                return Timing([total_seconds], [], total_frames)
            raise PathError(
                f"the path's duration ({total_seconds:g} s) differs from its holds and moves ({total_seconds - left:g} s): "
                "remove one of them or make them agree"
            )
        return Timing(holds, [g or 0.0 for g in given], total_frames)
    share = max(left, 0.0) / open_moves
    return Timing(holds, [g if g is not None else share for g in given], total_frames)


@dataclass(frozen=True)
class Trajectory:
    """What the renderer draws: ``num_frames`` latents with labels and truncation.

    latents(start, end) -> (n, *latent_shape) float32 on the CPU
    labels(start, end)  -> (n, num_classes) soft one-hot, or None
    truncation(start, end) -> (n,) psi per frame
    """

    path: CompositePath
    fps: float
    psi: float = 1.0
    keyframe_labels: list[int | None] = field(default_factory=list)
    psi_curve: ValueCurve | None = None
    truncation_centre: torch.Tensor | None = None  # (*latent_shape), the latent psi pulls toward
    centre_in_latents: bool = False  # apply the centre here (models without a w space)
    truncation_cutoff: int | None = None  # layers from this index on are not truncated (w-space models)
    gaussian: bool = True  # the path's space is N(0, I): norms are judged against sqrt(D)
    frame_indices: bool = False  # pass ``frame`` (n,) to the generator (per-frame random noise)
    transform: TransformMotion | None = None  # pass ``transform`` (n, 3, 3) (StyleGAN3)

    @property
    def num_frames(self) -> int:
        return self.path.num_frames

    @property
    def latent_shape(self) -> tuple[int, ...]:
        return tuple(self.path.latent_shape)

    @property
    def seconds(self) -> float:
        return self.num_frames / self.fps

    @property
    def loop(self) -> bool:
        return self.path.loop

    @property
    def leg_kinds(self) -> list[str]:
        return [timed.leg.kind for timed in self.path.legs]

    def keyframe_frames(self) -> list[int]:
        """The frame index at which each keyframe (and each other leg's start) is first shown."""
        return self.path.keyframe_frames()

    def leg_ranges(self) -> list[tuple[int, int]]:
        """Frame range ``[start, end)`` of each leg, in order."""
        return self.path.leg_ranges()

    def frame_seconds(self, index: torch.Tensor) -> np.ndarray:
        """Time on the path's time line (seconds) of frames ``index`` (n,) -> (n,)."""
        frames = index.numpy().astype(np.float64)
        span = self.num_frames if self.loop else max(self.num_frames - 1, 1)
        return frames * self.path.total_seconds / span

    def _index(self, start: int, end: int | None) -> torch.Tensor:
        end = self.num_frames if end is None else end
        if not 0 <= start <= end <= self.num_frames:
            raise PathError(f"frame range [{start}, {end}) is outside the path's {self.num_frames} frames")
        return torch.arange(start, end, dtype=torch.long)

    def _psi(self, index: torch.Tensor) -> torch.Tensor:
        if self.psi_curve is None:
            return torch.full((index.numel(),), float(self.psi), dtype=torch.float32)
        return torch.from_numpy(self.psi_curve(self.frame_seconds(index))).to(torch.float32)

    def _truncated(self, latents: torch.Tensor, psi: torch.Tensor) -> torch.Tensor:
        if not self.centre_in_latents or self.truncation_centre is None:
            return latents
        centre = self.truncation_centre.to(latents.dtype)[None]  # (1, *latent_shape)
        scale = psi.to(latents.dtype).reshape(-1, *([1] * (latents.ndim - 1)))  # (n, 1, ...)
        return centre + scale * (latents - centre)

    def _generator_psi(self, psi: torch.Tensor) -> torch.Tensor:
        return torch.ones_like(psi) if self.centre_in_latents and self.truncation_centre is not None else psi

    def _controls(self, index: torch.Tensor) -> dict[str, torch.Tensor]:
        controls: dict[str, torch.Tensor] = {}
        if self.frame_indices:
            controls["frame"] = index.clone()
        if self.transform is not None:
            controls["transform"] = self.transform(self.frame_seconds(index))
        return controls

    def at(self, indices: Sequence[int]) -> tuple[torch.Tensor, torch.Tensor | None, torch.Tensor, dict[str, torch.Tensor]]:
        """Latents, labels, psi and controls of arbitrary frames (e.g. a preview's picks)."""
        index = torch.as_tensor(list(indices), dtype=torch.long)
        if index.numel() and (int(index.min()) < 0 or int(index.max()) >= self.num_frames):
            raise PathError(f"frame indices must lie in [0, {self.num_frames})")
        psi = self._psi(index)
        return self._truncated(self.path.latents(index), psi), self.path.labels(index), self._generator_psi(psi), self._controls(index)

    def path_latents(self, start: int = 0, end: int | None = None) -> torch.Tensor:
        """Latents of frames [start, end) before any truncation: (n, *latent_shape) float32."""
        return self.path.latents(self._index(start, end))

    def latents(self, start: int = 0, end: int | None = None) -> torch.Tensor:
        index = self._index(start, end)
        return self._truncated(self.path.latents(index), self._psi(index))

    def labels(self, start: int = 0, end: int | None = None) -> torch.Tensor | None:
        return self.path.labels(self._index(start, end))

    def psi_values(self, start: int = 0, end: int | None = None) -> torch.Tensor:
        """The truncation psi of frames [start, end), (n,), wherever it is applied."""
        return self._psi(self._index(start, end))

    def truncation(self, start: int = 0, end: int | None = None) -> torch.Tensor:
        """The psi (n,) the generator applies (1 where the centre was applied in ``latents``)."""
        return self._generator_psi(self._psi(self._index(start, end)))

    def controls(self, start: int = 0, end: int | None = None) -> dict[str, torch.Tensor]:
        """Per-frame generator inputs of frames [start, end) (see the module docstring); often empty."""
        return self._controls(self._index(start, end))


def keyframes_leg(
    builder: PathBuilder,
    keyframes: Sequence[Keyframe],
    timing: Timing,
    *,
    interpolation: str,
    easing: str,
    num_classes: int,
    speed: str = "natural",
    measure=None,
) -> None:
    """Add a path's only leg, through ``keyframes``, to ``builder`` (loops return to key 0)."""
    if not keyframes:
        raise PathError("a path needs at least one keyframe")
    if builder.loop and len(keyframes) < 2:
        raise PathError("a loop needs at least 2 keyframes: add keyframes or set loop: false")
    shapes = {tuple(k.latent.shape) for k in keyframes}
    if len(shapes) != 1:
        raise PathError(f"keyframe latents differ in shape: {sorted(shapes)}")
    keys = np.stack([k.latent.detach().to("cpu", torch.float32).reshape(-1).double().numpy() for k in keyframes])  # (K, D)
    labels = None
    if num_classes:
        missing = [i for i, k in enumerate(keyframes) if k.label is None]
        if missing:
            raise PathError(f"keyframe {missing[0]} has no class, and the model is conditional: give each keyframe a class (or a default class)")
        labels = np.eye(num_classes)[[k.label for k in keyframes]]  # (K, C)
    leg = KeyframesLeg(keys, interpolation, periodic=builder.loop, labels=labels)
    open_moves = [k.duration is None for k in keyframes[: len(timing.transitions)]]
    builder.add(leg, timing.transitions, timing.holds, open_moves, easing, speed, measure, marks=range(len(keyframes)))


def build_trajectory(
    keyframes: Sequence[Keyframe],
    *,
    fps: float = 30.0,
    loop: bool = False,
    interpolation: str = "slerp",
    easing: str = "linear",
    timing: Timing | None = None,
    num_classes: int = 0,
    psi: float = 1.0,
) -> Trajectory:
    """Keyframes + timing -> a ``Trajectory``. Labels are one-hot per keyframe, mixed softly."""
    if not keyframes:
        raise PathError("a path needs at least one keyframe")
    timing = timing or resolve_timing(keyframes, loop=loop, fps=fps)
    builder = PathBuilder(tuple(keyframes[0].latent.shape), fps, loop)
    keyframes_leg(builder, keyframes, timing, interpolation=interpolation, easing=easing, num_classes=num_classes)
    return Trajectory(path=builder.build(timing.total_frames), fps=fps, psi=psi, keyframe_labels=[k.label for k in keyframes])
