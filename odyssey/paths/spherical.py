"""A spherical spline for Gaussian latents: smooth through every key, never washed out.

A Euclidean cubic through Gaussian keys cuts inside the shell |x| ~ sqrt(D) between
keys (mid-way norms ~0.7 sqrt(D) in high dimensions), which renders washed-out frames.
Here the *direction* and the *norm* of the path are interpolated separately:

* direction: a C2 cubic spline through the unit keys, normalised back onto the unit
  sphere (smooth wherever the cubic stays away from the origin, which it does unless
  two neighbouring keys are nearly opposite; that case is an error);
* norm: a C1 monotone cubic (PCHIP slopes) through the key norms, so between two keys
  the norm never leaves the range of their neighbours: no frame falls inside the shell.

x(u) = r(u) d(u) / |d(u)| passes through key k at u = k exactly and is C1 (C2 in
direction). When looping, both curves are periodic, so the seam is as smooth as any
other point. A start velocity (per unit u) can be given for a path that continues from
another leg: the curve then leaves key 0 with exactly that velocity.

keys: (K, D) float64; u: (n,) float64 in [0, K - 1] (or any value, mod K, in a loop).
"""

from __future__ import annotations

import numpy as np
from scipy.interpolate import CubicHermiteSpline, CubicSpline, PchipInterpolator

from odyssey.errors import PathError

# |d(u)| below this (the direction cubic passes near the origin) is an error.
_NEAR_ORIGIN = 0.05
_CHECKS_PER_KEY = 64


def _norm_curve(knots: np.ndarray, radii: np.ndarray, loop: bool, start_slope: float | None) -> CubicHermiteSpline:
    """C1 Hermite cubic through radii (K',) at knots (K',) with PCHIP slopes (no overshoot)."""
    if loop:
        # Pad two keys on each side, wrapped, so the slopes at both ends of the period agree.
        k = radii.shape[0] - 1  # radii[-1] == radii[0]
        padded_knots = np.arange(-2, k + 3, dtype=np.float64)
        padded = radii[np.arange(-2, k + 3) % k]
        slopes = PchipInterpolator(padded_knots, padded).derivative()(knots)
    elif radii.shape[0] >= 2:
        slopes = PchipInterpolator(knots, radii).derivative()(knots)
    else:
        slopes = np.zeros(1)
    if start_slope is not None:
        slopes = slopes.copy()
        slopes[0] = start_slope
    return CubicHermiteSpline(knots, radii, slopes)


class SphericalSpline:
    """The curve described in the module docstring, fitted once, evaluated at any u."""

    def __init__(self, keys: np.ndarray, loop: bool, start_velocity: np.ndarray | None = None) -> None:
        keys = np.asarray(keys, dtype=np.float64)
        if keys.ndim != 2 or keys.shape[0] < 1 or not np.isfinite(keys).all():
            raise PathError(f"spherical: keys must be a finite (K, D) array; got shape {keys.shape}")
        radii = np.linalg.norm(keys, axis=1)  # (K,)
        if (radii <= 1e-9).any():
            raise PathError(f"spherical: keyframe {int(np.argmin(radii))} is the zero vector, which has no direction; use slerp or lerp")
        self.keys, self.loop = keys, loop
        self.count = keys.shape[0]
        if self.count == 1:
            return
        directions = keys / radii[:, None]  # (K, D)
        if loop:
            knots = np.arange(self.count + 1, dtype=np.float64)
            self.direction = CubicSpline(knots, np.concatenate([directions, directions[:1]]), axis=0, bc_type="periodic")
            self.norm = _norm_curve(knots, np.concatenate([radii, radii[:1]]), True, None)
        else:
            knots = np.arange(self.count, dtype=np.float64)
            bc: object = "natural"
            radial = None
            if start_velocity is not None:
                v = np.asarray(start_velocity, dtype=np.float64).reshape(-1)
                radial = float(v @ directions[0])  # d|x|/du at key 0
                tangential = (v - radial * directions[0]) / radii[0]  # dd/du at key 0 (|d| = 1 there)
                bc = ((1, tangential), (2, np.zeros_like(tangential)))
            self.direction = CubicSpline(knots, directions, axis=0, bc_type=bc)
            self.norm = _norm_curve(knots, radii, False, radial)
        self._check_origin()

    def _check_origin(self) -> None:
        span = self.count if self.loop else self.count - 1
        u = np.linspace(0.0, span, span * _CHECKS_PER_KEY + 1)
        lengths = np.linalg.norm(self.direction(u), axis=1)
        if lengths.min() < _NEAR_ORIGIN:
            key = int(u[np.argmin(lengths)])
            raise PathError(
                f"spherical: keyframes {key} and {(key + 1) % self.count} point in nearly opposite directions, "
                "so the path between them is undefined; add a keyframe between them"
            )

    def __call__(self, u: np.ndarray) -> np.ndarray:
        """Positions u (n,) -> (n, D) float64; exactly key k at u == k."""
        u = np.asarray(u, dtype=np.float64)
        if self.count == 1:
            return np.repeat(self.keys, u.shape[0], axis=0)
        span = self.count if self.loop else self.count - 1
        if self.loop:
            u = np.mod(u, span)
            u = np.where(u >= span, 0.0, u)
        elif u.size and (u.min() < 0 or u.max() > span):
            raise PathError(f"spherical: u must lie in [0, {span}]; got [{u.min():g}, {u.max():g}]")
        d = self.direction(u)  # (n, D)
        out = d * (self.norm(u) / np.linalg.norm(d, axis=1))[:, None]  # (n, D)
        at_key = u == np.round(u)
        out[at_key] = self.keys[np.round(u[at_key]).astype(np.int64) % self.count]
        return out
