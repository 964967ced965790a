"""Plane legs: circle, lissajous and drawn polylines on a plane through latent space.

A plane is an origin o (the leg's start) and two axes, orthonormalised against o and
each other (Gram-Schmidt by a QR factorisation): unit a, b with a, b ⟂ o. A 2-D curve
c(s) = (c1, c2) in plane units, with c(0) = (0, 0), becomes a latent by

* Gaussian space: the exponential map of the sphere at o,
  x = r (cos rho o/|o| + sin rho w),  rho = (pi / 2) |c|,  w = (c1 a + c2 b) / |c|,
  with r = sqrt(cos^2 rho |o|^2 + sin^2 rho D), the norm of o mixed with an independent
  typical sample at that angle (``shell_radius``): frames stay on the typical shell.
  One plane unit is a quarter turn: 1.0 reaches a latent as different from o as an
  independent sample is (random Gaussian latents are ~90 degrees apart);
* otherwise: the affine plane x = o + |o| (c1 a + c2 b).

Curves (s in [0, 1], all starting at (0, 0), closed ones ending there too):
circle c = r (cos 2 pi t s - 1, sin 2 pi t s) for t turns, a circle through the start
with its centre r units along -a; lissajous c = (A (sin(2 pi fx s + phi) - sin phi),
B sin 2 pi fy s), closed for whole frequencies; polyline: a cubic smoothing spline
(scipy's splprep/splev) through 2-D points, shifted to start at (0, 0) and scaled so
its farthest point is ``size`` units away.
"""

from __future__ import annotations

import math
from typing import Callable, Sequence

import numpy as np
from scipy.interpolate import splev, splprep

from odyssey.errors import PathError
from odyssey.paths.legs import Leg, Start, shell_radius

Curve2D = Callable[[np.ndarray], np.ndarray]  # s (n,) -> (n, 2)


def orthonormal_axes(origin: np.ndarray, axes: Sequence[np.ndarray]) -> np.ndarray:
    """Two unit axes (2, D) orthogonal to ``origin`` and to each other."""
    if len(axes) != 2:
        raise PathError(f"a plane needs exactly two axes; got {len(axes)}")
    basis = np.stack([origin, *axes], axis=1).astype(np.float64)  # (D, 3)
    q, r = np.linalg.qr(basis)
    scale = np.abs(np.diag(r)) / np.maximum(np.linalg.norm(basis, axis=0), 1e-300)
    if basis.shape[0] < 3 or (scale < 1e-6).any():
        raise PathError("the plane's axes are (nearly) parallel to each other or to its origin; choose other seeds or vectors")
    return (q[:, 1:] * np.sign(np.diag(r))[None, 1:]).T  # (2, D), signs as given


def circle(radius: float, turns: int = 1) -> Curve2D:
    if not (math.isfinite(radius) and radius > 0):
        raise PathError(f"circle radius must be > 0 plane units; got {radius!r}")
    angle = 2.0 * math.pi * turns

    def c(s: np.ndarray) -> np.ndarray:
        return radius * np.stack([np.cos(angle * s) - 1.0, np.sin(angle * s)], axis=1)

    return c


def lissajous(amplitude: tuple[float, float], frequency: tuple[int, int], phase_degrees: float = 0.0) -> Curve2D:
    (ax, ay), (fx, fy) = amplitude, frequency
    phi = math.radians(phase_degrees)

    def c(s: np.ndarray) -> np.ndarray:
        x = ax * (np.sin(2.0 * math.pi * fx * s + phi) - math.sin(phi))
        return np.stack([x, ay * np.sin(2.0 * math.pi * fy * s)], axis=1)

    return c


def polyline(points: np.ndarray, size: float, closed: bool, smoothing: float = 0.0) -> Curve2D:
    """A smooth curve through drawn points (m, 2): see the module docstring."""
    pts = np.asarray(points, dtype=np.float64)
    if pts.ndim != 2 or pts.shape[1] != 2 or not np.isfinite(pts).all():
        raise PathError(f"polyline points must be finite (x, y) pairs; got an array of shape {pts.shape}")
    keep = np.concatenate([[True], np.linalg.norm(np.diff(pts, axis=0), axis=1) > 0])
    pts = pts[keep] - pts[0]  # no repeated points; start at (0, 0)
    if closed and len(pts) > 1 and np.allclose(pts[-1], 0.0):
        pts = pts[:-1]
    reach = float(np.linalg.norm(pts, axis=1).max()) if len(pts) else 0.0
    if len(pts) < 2 or reach <= 0:
        raise PathError("a polyline needs at least two different points")
    pts = pts * (size / reach)
    if closed:
        pts = np.concatenate([pts, pts[:1]])  # splprep(per=1) wants the first point repeated
    degree = min(3, len(pts) - 1 - int(closed))
    if degree < 1 or (closed and len(pts) < 4):
        raise PathError("a closed polyline needs at least three different points")
    tck, _ = splprep(pts.T, s=smoothing * len(pts) * size**2, k=degree, per=int(closed))

    def c(s: np.ndarray) -> np.ndarray:
        out = np.stack(splev(np.clip(s, 0.0, 1.0), tck), axis=1)  # (n, 2)
        return out - np.stack(splev([0.0], tck), axis=1)  # exactly (0, 0) at the start

    return c


class PlaneLeg(Leg):
    """A 2-D ``curve`` drawn on the plane of ``axes`` at the leg's start."""

    def __init__(self, start: Start, axes: Sequence[np.ndarray], curve: Curve2D, kind: str, closed: bool, gaussian: bool = True) -> None:
        self.kind = kind
        super().__init__(start)
        self.axes = orthonormal_axes(start.position, [np.asarray(a, dtype=np.float64).reshape(-1) for a in axes])
        self.curve2d, self._closed, self.gaussian = curve, closed, gaussian
        self.radius = float(np.linalg.norm(start.position))
        if self.radius <= 1e-12:
            raise PathError(f"{kind}: the plane's origin is the zero vector; start from another latent")

    @property
    def closed(self) -> bool:
        return self._closed

    def points(self, move: np.ndarray, s: np.ndarray) -> np.ndarray:
        s = np.asarray(s, dtype=np.float64)
        if self._closed:
            s = np.where(s >= 1.0, 0.0, s)  # the end is the start, exactly
        c = self.curve2d(s)  # (n, 2)
        o = self.start.position[None, :]  # (1, D)
        if not self.gaussian:
            return o + self.radius * (c @ self.axes)
        length = np.linalg.norm(c, axis=1)  # (n,)
        rho = (math.pi / 2.0) * length
        w = (c @ self.axes) / np.maximum(length, 1e-300)[:, None]  # (n, D) unit
        radius = shell_radius(np.cos(rho)[:, None] * o, np.sin(rho) ** 2, self.dim)  # (n,)
        out = radius[:, None] * (np.cos(rho)[:, None] * (o / self.radius) + np.sin(rho)[:, None] * w)
        out[length == 0.0] = self.start.position
        return out
