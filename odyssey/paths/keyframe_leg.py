"""The keyframes leg: lerp, slerp, a Euclidean C2 spline or the spherical spline through keys.

Move m goes from key m to key m + 1 (in a periodic leg the last move returns from key
K-1 to key 0). Holds are not moves: the path's timing shows p(m, 0) or p(m, 1) for
them. Labels (K, C), when given, blend linearly with the same progress s.

keys: (K, D) float64. ``periodic`` makes the spline curves periodic (C2 across the
seam); it is only meaningful for a leg that starts where the path loops back to.
``start_velocity`` (D,), per unit of s on the first move, continues the motion of the
leg before (spline and spherical only; lerp and slerp are piecewise and cannot).
"""

from __future__ import annotations

import numpy as np
import torch

from odyssey.errors import PathError
from odyssey.paths.interpolate import _Spline, lerp, slerp
from odyssey.paths.legs import Leg, Start
from odyssey.paths.spherical import SphericalSpline

KEYFRAME_INTERPOLATIONS = ("lerp", "slerp", "spline", "spherical")


class KeyframesLeg(Leg):
    """A leg through keys (K, D); see the module docstring."""

    kind = "keyframes"

    def __init__(
        self,
        keys: np.ndarray,
        interpolation: str = "slerp",
        periodic: bool = False,
        labels: np.ndarray | None = None,
        start_velocity: np.ndarray | None = None,
    ) -> None:
        keys = np.asarray(keys, dtype=np.float64)
        if keys.ndim != 2 or keys.shape[0] < 1 or not np.isfinite(keys).all():
            raise PathError(f"keyframes: keys must be a finite (K, D) array; got shape {keys.shape}")
        if interpolation not in KEYFRAME_INTERPOLATIONS:
            raise PathError(f"unknown interpolation {interpolation!r}; valid: {', '.join(KEYFRAME_INTERPOLATIONS)}")
        if periodic and keys.shape[0] < 2:
            raise PathError("a loop needs at least 2 keyframes: add keyframes or set loop: false")
        count = keys.shape[0]
        label0 = None if labels is None else np.asarray(labels, dtype=np.float64)[0]
        super().__init__(Start(keys[0], start_velocity, label0), moves=max(1, count if periodic else count - 1))
        self.keys, self.interpolation, self.periodic, self.count = keys, interpolation, periodic, count
        self.key_labels = None if labels is None else np.asarray(labels, dtype=np.float64)
        if self.key_labels is not None and self.key_labels.shape[0] != count:
            raise PathError(f"keyframes: {self.key_labels.shape[0]} labels for {count} keys")
        velocity = None if start_velocity is None or periodic else np.asarray(start_velocity, dtype=np.float64)
        self._curve = None
        if interpolation == "spline" and count > 1:
            self._curve = _Spline(torch.from_numpy(keys), periodic, velocity)
        elif interpolation == "spherical" and count > 1:
            self._curve = SphericalSpline(keys, periodic, velocity)

    @property
    def closed(self) -> bool:
        return self.periodic or self.count == 1

    def _ends(self, move: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        move = np.asarray(move, dtype=np.int64)
        if move.size and (move.min() < 0 or move.max() >= self.moves):
            raise PathError(f"keyframes: moves must lie in [0, {self.moves}); got [{move.min()}, {move.max()}]")
        if self.count == 1:
            return move * 0, move * 0
        return move, (move + 1) % self.count

    def points(self, move: np.ndarray, s: np.ndarray) -> np.ndarray:
        s = np.asarray(s, dtype=np.float64)
        a, b = self._ends(move)
        if self.count == 1:
            return self.keys[a]
        if self._curve is None:
            blend = slerp if self.interpolation == "slerp" else lerp
            return blend(torch.from_numpy(self.keys[a]), torch.from_numpy(self.keys[b]), torch.from_numpy(s)).numpy()
        u = np.asarray(move, dtype=np.float64) + s  # keyframe units; u == K wraps to key 0 in a loop
        if isinstance(self._curve, _Spline):
            out = self._curve(torch.from_numpy(u)).numpy()
        else:
            out = self._curve(u)
        # Ends of a move are its keys bit for bit (m + s can round).
        out[s == 0.0] = self.keys[a[s == 0.0]]
        out[s == 1.0] = self.keys[b[s == 1.0]]
        return out

    def labels(self, move: np.ndarray, s: np.ndarray) -> np.ndarray | None:
        if self.key_labels is None:
            return None
        a, b = self._ends(move)
        t = np.clip(np.asarray(s, dtype=np.float64), 0.0, 1.0)[:, None]
        return (1.0 - t) * self.key_labels[a] + t * self.key_labels[b]
