"""A planned trajectory: latents, soft labels and truncation as pure functions of frame index.

This is the hand-off between planning and rendering. It holds no model and reads no
files: keyframe latents come in as tensors. Because every frame is a pure function of
its global index, a render is a sequence of independent frame ranges ``[start, end)``:
any split of ``[0, num_frames)`` gives exactly the same frames (the basis for resumed
and multi-machine renders).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import torch

from odyssey.errors import PathError
from odyssey.paths import KeyframePath, Timeline

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

    path: KeyframePath
    fps: float
    psi: float = 1.0
    keyframe_labels: list[int | None] = field(default_factory=list)

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

    def keyframe_frames(self) -> list[int]:
        """The frame index at which each keyframe is first shown."""
        return self.path.timeline.keyframe_frames()

    def _check(self, start: int, end: int) -> None:
        if not 0 <= start <= end <= self.num_frames:
            raise PathError(f"frame range [{start}, {end}) is outside the path's {self.num_frames} frames")

    def at(self, indices: Sequence[int]) -> tuple[torch.Tensor, torch.Tensor | None, torch.Tensor]:
        """Latents, labels and psi of arbitrary frames (e.g. a preview's picks)."""
        index = torch.as_tensor(list(indices), dtype=torch.long)
        if index.numel() and (int(index.min()) < 0 or int(index.max()) >= self.num_frames):
            raise PathError(f"frame indices must lie in [0, {self.num_frames})")
        psi = torch.full((index.numel(),), float(self.psi), dtype=torch.float32)
        return self.path.latents(index), self.path.labels(index), psi

    def latents(self, start: int = 0, end: int | None = None) -> torch.Tensor:
        end = self.num_frames if end is None else end
        self._check(start, end)
        return self.path.latents_range(start, end)

    def labels(self, start: int = 0, end: int | None = None) -> torch.Tensor | None:
        end = self.num_frames if end is None else end
        self._check(start, end)
        return self.path.labels_range(start, end)

    def truncation(self, start: int = 0, end: int | None = None) -> torch.Tensor:
        end = self.num_frames if end is None else end
        self._check(start, end)
        return torch.full((end - start,), float(self.psi), dtype=torch.float32)


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
    if loop and len(keyframes) < 2:
        raise PathError("a loop needs at least 2 keyframes: add keyframes or set loop: false")
    shapes = {tuple(k.latent.shape) for k in keyframes}
    if len(shapes) != 1:
        raise PathError(f"keyframe latents differ in shape: {sorted(shapes)}")
    timing = timing or resolve_timing(keyframes, loop=loop, fps=fps)
    timeline = Timeline.build(len(keyframes), fps, loop, timing.holds, timing.transitions, timing.total_frames)
    keys = torch.stack([k.latent.detach().to("cpu", torch.float32) for k in keyframes])  # (K, *latent_shape)
    labels = None
    if num_classes:
        missing = [i for i, k in enumerate(keyframes) if k.label is None]
        if missing:
            raise PathError(f"keyframe {missing[0]} has no class, and the model is conditional: give each keyframe a class (or a default class)")
        labels = torch.nn.functional.one_hot(torch.tensor([k.label for k in keyframes]), num_classes).float()  # (K, C)
    path = KeyframePath(keys, timeline, interpolation=interpolation, easing=easing, labels=labels)
    return Trajectory(path=path, fps=fps, psi=psi, keyframe_labels=[k.label for k in keyframes])
