"""Re-timing a move so it travels at constant speed in some metric.

A move is a curve p(s) for s in [0, 1] in its natural parameter. Sampled densely at
s_0 = 0 < s_1 < ... < s_m = 1, the lengths of the steps between samples (latent-space
distances for ``speed: constant``, image-space distances for ``speed: uniform-image``)
give the cumulative length L(s). ``ArcTable.warp`` maps a fraction of the length,
e in [0, 1], back to the natural parameter s = L^-1(e L(1)), so equal steps in e are
equal steps in that metric. Easing is applied to e before the warp, "on top of
constant-speed motion". Tables are small ((m + 1,) floats, m ~ hundreds to thousands),
built once at plan time; warping is a pure function of e.

``share_by_length`` splits a time budget between moves in proportion to their
lengths, so a whole keyframes leg moves at one speed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from odyssey.errors import PathError

# A move shorter than this (in its metric) is treated as standing still: no warp.
_STILL = 1e-12


@dataclass(frozen=True)
class ArcTable:
    """Cumulative length of one move at sample positions: s (m + 1,), length (m + 1,)."""

    s: np.ndarray
    length: np.ndarray

    @classmethod
    def from_steps(cls, s: np.ndarray, steps: np.ndarray) -> ArcTable:
        """Samples s (m + 1,) increasing from 0 to 1 and step lengths (m,) >= 0."""
        s = np.asarray(s, dtype=np.float64)
        steps = np.asarray(steps, dtype=np.float64)
        if s.ndim != 1 or s.shape[0] < 2 or steps.shape != (s.shape[0] - 1,):
            raise PathError(f"an arc table needs m + 1 samples and m steps; got {s.shape} and {steps.shape}")
        if not (np.isfinite(steps).all() and (steps >= 0).all()):
            raise PathError("step lengths for re-timing must be finite and >= 0")
        if s[0] != 0.0 or s[-1] != 1.0 or not (np.diff(s) > 0).all():
            raise PathError("arc table samples must increase from 0 to 1")
        return cls(s=s, length=np.concatenate([[0.0], np.cumsum(steps)]))

    @classmethod
    def from_points(cls, s: np.ndarray, points: np.ndarray) -> ArcTable:
        """Samples s (m + 1,) and the curve there, points (m + 1, D): Euclidean chords."""
        points = np.asarray(points, dtype=np.float64)
        return cls.from_steps(s, np.linalg.norm(np.diff(points, axis=0), axis=1))

    @property
    def total(self) -> float:
        """Length of the whole move in the table's metric."""
        return float(self.length[-1])

    def warp(self, e: np.ndarray) -> np.ndarray:
        """Fractions of length e (n,) in [0, 1] -> natural parameters s (n,) in [0, 1].

        Linear between samples of the inverse; e == 0 and e == 1 map to exactly 0 and 1.
        A move of zero length is left as it is.
        """
        e = np.clip(np.asarray(e, dtype=np.float64), 0.0, 1.0)
        if self.total <= _STILL:
            return e
        out = np.interp(e * self.total, self.length, self.s)
        return np.where(e >= 1.0, 1.0, np.where(e <= 0.0, 0.0, out))


def sample_positions(count: int) -> np.ndarray:
    """``count`` + 1 evenly spaced natural parameters from 0 to 1, (count + 1,)."""
    if count < 1:
        raise PathError(f"re-timing needs at least one step per move; got {count}")
    return np.linspace(0.0, 1.0, count + 1)


def arc_table(curve: Callable[[np.ndarray], np.ndarray], count: int, measure: Callable[[np.ndarray], np.ndarray] | None = None) -> ArcTable:
    """Sample ``curve`` (s (n,) -> (n, D)) at ``count`` + 1 points and tabulate its length.

    ``measure`` turns the sampled points (m + 1, D) into step lengths (m,); by default the
    Euclidean distance between consecutive points (latent arc length).
    """
    s = sample_positions(count)
    points = curve(s)  # (count + 1, D)
    if measure is None:
        return ArcTable.from_points(s, points)
    return ArcTable.from_steps(s, np.asarray(measure(points), dtype=np.float64))


def share_by_length(budget: float, lengths: Sequence[float]) -> list[float]:
    """Split ``budget`` seconds over moves in proportion to their lengths (equal if all are 0)."""
    lengths = [max(0.0, float(x)) for x in lengths]
    if not lengths:
        return []
    total = math.fsum(lengths)
    if total <= _STILL:
        return [budget / len(lengths)] * len(lengths)
    return [budget * x / total for x in lengths]
