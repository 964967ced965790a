"""Input transforms over time: rotation and translation of StyleGAN3's input grid.

StyleGAN3 draws its image from Fourier features sampled on a grid; a 3x3 matrix
(homogeneous 2-D coordinates) maps that grid before sampling. Turning or shifting the
grid turns or pans the picture without changing what is drawn, since the network is
equivariant to both. The convention matches NVIDIA's tools: the stored matrix is the
inverse of ``[[cos a, sin a, x], [-sin a, cos a, y], [0, 0, 1]]`` for a rotation of
``a`` degrees and a shift ``(x, y)``, so the same numbers give the same picture here.

Everything is a pure function of time; the planner supplies the times of frames.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import torch

Signal = Callable[[np.ndarray], np.ndarray]  # seconds (n,) -> values (n,)


def constant(value: float) -> Signal:
    """A signal that is ``value`` at every time."""
    return lambda t: np.full(np.shape(t), float(value))


def input_transforms(degrees: np.ndarray, x: np.ndarray, y: np.ndarray) -> torch.Tensor:
    """Angles (n,) in degrees and shifts (n,), (n,) -> the matrices StyleGAN3 stores, (n, 3, 3) float32."""
    a = np.radians(np.asarray(degrees, dtype=np.float64))
    c, s = np.cos(a), np.sin(a)
    forward = np.zeros((a.shape[0], 3, 3))  # (n, 3, 3): rotate by a, then shift by (x, y)
    forward[:, 0, 0], forward[:, 0, 1], forward[:, 0, 2] = c, s, x
    forward[:, 1, 0], forward[:, 1, 1], forward[:, 1, 2] = -s, c, y
    forward[:, 2, 2] = 1.0
    return torch.from_numpy(np.linalg.inv(forward)).to(torch.float32)


@dataclass(frozen=True)
class TransformMotion:
    """Rotation (degrees) and shift over time, plus ``turns`` whole turns over ``total`` seconds.

    On a loop the turns end where they began (``turns`` whole), so the seam stays invisible.
    """

    rotate: Signal
    translate_x: Signal
    translate_y: Signal
    turns: float = 0.0
    total_seconds: float = 1.0

    def __call__(self, seconds: np.ndarray) -> torch.Tensor:
        """Times (n,) in seconds -> (n, 3, 3) float32 input transforms."""
        t = np.asarray(seconds, dtype=np.float64)
        degrees = self.rotate(t) + 360.0 * self.turns * t / max(self.total_seconds, 1e-12)
        return input_transforms(degrees, self.translate_x(t), self.translate_y(t))
