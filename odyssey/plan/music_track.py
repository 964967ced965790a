"""What a soundtrack does to a trajectory, frame by frame: plain arrays, no audio library.

``MusicTrack`` is made by ``odyssey.plan.music`` from the path file's ``audio``/``react``
and the analysed features, and applied by ``Trajectory`` to every frame range it is
asked for (a pure function of the global frame index, like the rest of a trajectory):

* ``warp`` (N,) float64: the path position each film frame shows (a monotone time warp,
  ``odyssey.paths.warp``); None = frame k shows position k;
* ``psi_offset`` (N,): added to truncation psi (then clipped to [0, 2]);
* ``noise_gain`` (N,): StyleGAN noise strength multiplier, the ``noise_gain`` control;
* ``radius_gain`` (N,): plane and direction legs' offset from their start, scaled;
* ``chroma`` (N, 12), ``class_matrix`` (12, C), ``class_amount``: soft labels blended
  toward the classes the sounding pitch classes bring in;
* ``envelopes``: each named envelope (N,) in [0, 1], for ``odyssey check --plot``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from odyssey.paths import CompositePath

RADIUS_LEGS = ("circle", "lissajous", "polyline", "direction")


@dataclass(frozen=True)
class MusicTrack:
    """Per-frame music arrays of a trajectory of ``num_frames`` frames (see the module docstring)."""

    file: Path
    start: float
    seconds: float
    num_frames: int
    warp: np.ndarray | None = None
    psi_offset: np.ndarray | None = None
    noise_gain: np.ndarray | None = None
    radius_gain: np.ndarray | None = None
    chroma: np.ndarray | None = None
    class_matrix: np.ndarray | None = None
    class_amount: float = 0.0
    envelopes: dict[str, np.ndarray] = field(default_factory=dict)
    event_frames: tuple[int, ...] = ()  # frames keyframes were placed on (path.at)
    tempo: float = 0.0

    def positions(self, index: torch.Tensor) -> np.ndarray:
        """Path positions (n,) float64 of film frames ``index`` (n,)."""
        frames = index.numpy()
        return frames.astype(np.float64) if self.warp is None else self.warp[frames]

    def psi(self, index: torch.Tensor, psi: torch.Tensor) -> torch.Tensor:
        if self.psi_offset is None:
            return psi
        offset = torch.from_numpy(self.psi_offset[index.numpy()]).to(psi.dtype)
        return (psi + offset).clamp(0.0, 2.0)

    def labels(self, index: torch.Tensor, labels: torch.Tensor | None) -> torch.Tensor | None:
        """Soft labels (n, C) blended toward the music's classes where something sounds."""
        if labels is None or self.chroma is None or self.class_matrix is None:
            return labels
        chroma = self.chroma[index.numpy()]  # (n, 12)
        total = chroma.sum(axis=1, keepdims=True)
        mix = np.where(total > 0, chroma / np.where(total > 0, total, 1.0), 0.0) @ self.class_matrix  # (n, C)
        weight = self.class_amount * (total > 0)  # silent frames keep the path's label
        blended = (1.0 - weight) * labels.double().numpy() + weight * mix
        return torch.from_numpy(blended).to(labels.dtype)

    def latents(self, path: CompositePath, index: torch.Tensor) -> torch.Tensor:
        """Latents (n, *latent_shape) float32 of film frames ``index``: the path at their warped
        positions, with plane and direction legs' offsets from their start scaled by ``radius_gain``."""
        positions = self.positions(index)
        if self.radius_gain is None:
            return path.latents_at(positions)
        leg, _, _ = path.positions(positions)
        flat = path.flat_latents(positions)  # (n, D) float64
        gain = self.radius_gain[index.numpy()]
        for j, timed in enumerate(path.legs):
            sel = leg == j
            if timed.leg.kind in RADIUS_LEGS and sel.any():
                start = timed.leg.start.position  # (D,)
                flat[sel] = start + gain[sel, None] * (flat[sel] - start)
        return torch.from_numpy(flat).to(torch.float32).reshape(flat.shape[0], *path.latent_shape)

    def controls(self, index: torch.Tensor) -> dict[str, torch.Tensor]:
        if self.noise_gain is None:
            return {}
        return {"noise_gain": torch.from_numpy(self.noise_gain[index.numpy()]).to(torch.float32)}
