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

Music (``music``, a ``MusicTrack``): a time warp (frame k shows the path at a warped
position), psi offsets, a ``noise_gain`` control (n,), scaled plane/direction radii and
class blends, all per-frame arrays indexed by the global frame: still pure functions of it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import numpy as np
import torch

from odyssey.errors import PathError
from odyssey.paths import CompositePath, TransformMotion, ValueCurve
from odyssey.plan.music_track import MusicTrack


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
    keyframe_names: list[str] = field(default_factory=list)  # one per keyframe_frames() entry, e.g. "seed 11"; may be empty
    psi_curve: ValueCurve | None = None
    truncation_centre: torch.Tensor | None = None  # (*latent_shape), the latent psi pulls toward
    centre_in_latents: bool = False  # apply the centre here (models without a w space)
    truncation_cutoff: int | None = None  # layers from this index on are not truncated (w-space models)
    gaussian: bool = True  # the path's space is N(0, I): norms are judged against sqrt(D)
    frame_indices: bool = False  # pass ``frame`` (n,) to the generator (per-frame random noise)
    transform: TransformMotion | None = None  # pass ``transform`` (n, 3, 3) (StyleGAN3)
    music: MusicTrack | None = None  # a soundtrack's warp and reactions (odyssey.plan.music_track)

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
        if self._warp is None:
            return self.path.keyframe_frames()
        return [self._film_frame(p) for p in self.path.mark_positions()]

    def leg_ranges(self) -> list[tuple[int, int]]:
        """Frame range ``[start, end)`` of each leg, in order."""
        if self._warp is None:
            return self.path.leg_ranges()
        return [(self._film_frame(a), self._film_frame(b) if b < self.num_frames else b) for a, b in self.path.leg_ranges()]

    @property
    def _warp(self) -> np.ndarray | None:
        return None if self.music is None else self.music.warp

    def _film_frame(self, position: float) -> int:
        """The first film frame showing path position ``position`` or later."""
        warp = self._warp
        return min(int(np.searchsorted(warp, position - 1e-6, side="left")), self.num_frames - 1)

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
            psi = torch.full((index.numel(),), float(self.psi), dtype=torch.float32)
        else:
            psi = torch.from_numpy(self.psi_curve(self.frame_seconds(index))).to(torch.float32)
        return psi if self.music is None else self.music.psi(index, psi)

    def _path_latents(self, index: torch.Tensor) -> torch.Tensor:
        return self.path.latents(index) if self.music is None else self.music.latents(self.path, index)

    def _labels(self, index: torch.Tensor) -> torch.Tensor | None:
        if self.music is None:
            return self.path.labels(index)
        return self.music.labels(index, self.path.labels_at(self.music.positions(index)))

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
        if self.music is not None:
            controls.update(self.music.controls(index))
        return controls

    def at(self, indices: Sequence[int]) -> tuple[torch.Tensor, torch.Tensor | None, torch.Tensor, dict[str, torch.Tensor]]:
        """Latents, labels, psi and controls of arbitrary frames (e.g. a preview's picks)."""
        index = torch.as_tensor(list(indices), dtype=torch.long)
        if index.numel() and (int(index.min()) < 0 or int(index.max()) >= self.num_frames):
            raise PathError(f"frame indices must lie in [0, {self.num_frames})")
        psi = self._psi(index)
        return self._truncated(self._path_latents(index), psi), self._labels(index), self._generator_psi(psi), self._controls(index)

    def path_latents(self, start: int = 0, end: int | None = None) -> torch.Tensor:
        """Latents of frames [start, end) before any truncation: (n, *latent_shape) float32."""
        return self._path_latents(self._index(start, end))

    def latents(self, start: int = 0, end: int | None = None) -> torch.Tensor:
        index = self._index(start, end)
        return self._truncated(self._path_latents(index), self._psi(index))

    def labels(self, start: int = 0, end: int | None = None) -> torch.Tensor | None:
        return self._labels(self._index(start, end))

    def psi_values(self, start: int = 0, end: int | None = None) -> torch.Tensor:
        """The truncation psi of frames [start, end), (n,), wherever it is applied."""
        return self._psi(self._index(start, end))

    def truncation(self, start: int = 0, end: int | None = None) -> torch.Tensor:
        """The psi (n,) the generator applies (1 where the centre was applied in ``latents``)."""
        return self._generator_psi(self._psi(self._index(start, end)))

    def controls(self, start: int = 0, end: int | None = None) -> dict[str, torch.Tensor]:
        """Per-frame generator inputs of frames [start, end) (see the module docstring); often empty."""
        return self._controls(self._index(start, end))
