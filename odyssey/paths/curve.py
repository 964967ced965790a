"""A smooth scalar curve over time, for animated settings such as truncation psi.

Points (t_k seconds, v_k) are joined by a monotone cubic (PCHIP slopes, via scipy), so
the curve never overshoots between points: a psi that goes from 1.0 to 0.6 stays in
[0.6, 1.0]. Before the first point and after the last it holds their values. With a
``period`` (a looping path) time wraps modulo the period and the curve is continuous
across the seam, joining the last point back to the first.
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np
from scipy.interpolate import PchipInterpolator

from odyssey.errors import PathError


class ValueCurve:
    """v(t) through ``points`` [(t, v), ...] in seconds; see the module docstring."""

    def __init__(self, points: Sequence[tuple[float, float]], period: float | None = None) -> None:
        pts = np.asarray(points, dtype=np.float64)
        if pts.ndim != 2 or pts.shape[1] != 2 or pts.shape[0] < 1 or not np.isfinite(pts).all():
            raise PathError("a curve needs one or more [seconds, value] points")
        order = np.argsort(pts[:, 0], kind="stable")
        t, v = pts[order, 0], pts[order, 1]
        if (np.diff(t) <= 0).any():
            raise PathError(f"a curve's points need different times; {t[np.argmin(np.diff(t))]:g} s is given twice")
        if period is not None:
            if not (math.isfinite(period) and period > 0):
                raise PathError(f"a curve's period must be > 0 seconds; got {period!r}")
            if t[0] < 0 or t[-1] > period:
                raise PathError(f"a looping curve's times must lie within the loop, 0 to {period:g} s")
            if t[-1] == period and len(t) > 1:  # the end of a loop is its start
                if t[0] == 0 and not math.isclose(v[-1], v[0], rel_tol=1e-9, abs_tol=1e-12):
                    raise PathError("a looping curve must have the same value at 0 s and at the end of the loop")
                if t[0] != 0:
                    t, v = np.concatenate([[0.0], t]), np.concatenate([[v[-1]], v])
                t, v = t[:-1], v[:-1]
        self.period = period
        self.t, self.v = t, v
        self._fit = None
        if len(t) > 1:
            if period is not None:  # wrap two points on each side: slopes at the seam see both neighbours
                t = np.concatenate([t[-2:] - period, t, t[:2] + period])
                v = np.concatenate([v[-2:], v, v[:2]])
            self._fit = PchipInterpolator(t, v, extrapolate=False)

    def __call__(self, times: np.ndarray) -> np.ndarray:
        """Values at ``times`` (n,) seconds -> (n,) float64."""
        t = np.asarray(times, dtype=np.float64)
        if self._fit is None:
            return np.full(t.shape, self.v[0])
        if self.period is not None:
            return self._fit(np.mod(t, self.period))
        return self._fit(np.clip(t, self.t[0], self.t[-1]))
