"""Interpolation between latent vectors: lerp, norm-keeping slerp, and cubic splines.

Gaussian latents live near a sphere of radius ~sqrt(D); a straight line between two of
them cuts through the low-density interior and renders washed-out frames mid-way. Slerp
follows the great circle instead and moves the norm linearly, so every frame has a
plausible norm. The spline passes through many keyframes with C2 continuity, which
avoids the visible "kink" at each key that piecewise interpolation has.

Everything here is pure math on batches: rows of ``a`` and ``b`` are independent, so the
result for a row never depends on which other rows were computed with it.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from scipy.interpolate import CubicSpline
from torch import Tensor

from odyssey.errors import PathError

# Norms at or below this are treated as the zero vector (no direction to follow).
_ZERO_NORM = 1e-12


def _check_batch(a: Tensor, b: Tensor, t: Tensor, name: str) -> None:
    """Raise PathError unless a, b are (N, D) floating tensors of one shape and t is (N,)."""
    if not (isinstance(a, Tensor) and isinstance(b, Tensor) and isinstance(t, Tensor)):
        raise PathError(f"{name}: a, b and t must be torch tensors")
    if a.ndim != 2 or a.shape != b.shape:
        raise PathError(
            f"{name}: a and b must both be (N, D); got {tuple(a.shape)} and {tuple(b.shape)}"
        )
    if t.ndim != 1 or t.shape[0] != a.shape[0]:
        raise PathError(f"{name}: t must be (N,) with N={a.shape[0]}; got {tuple(t.shape)}")
    if not (a.is_floating_point() and b.is_floating_point()):
        raise PathError(f"{name}: a and b must be floating point; got {a.dtype} and {b.dtype}")


def lerp(a: Tensor, b: Tensor, t: Tensor) -> Tensor:
    """Linear interpolation ``(1 - t) a + t b`` row by row.

    a, b: (N, D); t: (N,) -> (N, D) in a's dtype. Written as a weighted sum (not
    ``a + t (b - a)``) so that t == 0 and t == 1 return a and b bit for bit.
    """
    _check_batch(a, b, t, "lerp")
    tc = t.to(torch.float64)[:, None]  # (N, 1)
    out = (1.0 - tc) * a.to(torch.float64) + tc * b.to(torch.float64)  # (N, D)
    return out.to(a.dtype)


def _angle(u: Tensor, v: Tensor) -> Tensor:
    """Angle between unit rows, (N, D) x2 -> (N, 1), accurate near 0 and near pi.

    ``2 atan2(|u - v|, |u + v|)`` keeps full precision where ``acos(u . v)`` loses it.
    """
    return 2.0 * torch.atan2((u - v).norm(dim=1, keepdim=True), (u + v).norm(dim=1, keepdim=True))


def _great_circle(u: Tensor, v: Tensor, theta: Tensor, t: Tensor) -> Tensor:
    """Shoemake's slerp of unit rows u -> v that are ``theta`` apart: (N, D) -> (N, D).

    theta, t: (N, 1). Rows with sin(theta) ~ 0 give garbage-but-finite values; callers
    mask them out.
    """
    sin_theta = torch.sin(theta)
    sin_theta = torch.where(sin_theta.abs() < _ZERO_NORM, torch.ones_like(sin_theta), sin_theta)
    w_u = torch.sin((1.0 - t) * theta) / sin_theta  # (N, 1)
    w_v = torch.sin(t * theta) / sin_theta  # (N, 1)
    return w_u * u + w_v * v


def _perpendicular(u: Tensor) -> Tensor:
    """A deterministic unit row perpendicular to each unit row of u: (N, D) -> (N, D).

    Gram-Schmidt of the basis axis e_j where |u_j| is smallest, so |e_j - u_j u| is at
    least sqrt(1 - 1/D). For D == 1 no perpendicular exists and the row is all zeros.
    """
    axis = u.abs().argmin(dim=1)  # (N,)
    e = torch.zeros_like(u)
    e[torch.arange(u.shape[0]), axis] = 1.0  # (N, D)
    p = e - (u * e).sum(dim=1, keepdim=True) * u  # (N, D)
    p_norm = p.norm(dim=1, keepdim=True)  # (N, 1)
    return torch.where(p_norm > 0.5, p / p_norm.clamp_min(_ZERO_NORM), torch.zeros_like(p))


def slerp(a: Tensor, b: Tensor, t: Tensor, eps: float = 1e-4) -> Tensor:
    """Spherical interpolation of direction with linear interpolation of norm.

    a, b: (N, D); t: (N,) in [0, 1] -> (N, D) in a's dtype, computed in float64.

    The direction moves along the great circle from a/|a| to b/|b| at constant angular
    speed and the norm is ``(1 - t)|a| + t|b|``. Degenerate rows stay finite:

    * angle < eps (nearly parallel): normalised lerp of the two directions;
    * pi - angle < eps (nearly antiparallel): the great circle is not unique, so the
      path turns from a through a fixed unit vector p perpendicular to a (reached at
      t = 0.5) and on to b, as two quarter-turn slerps;
    * a or b is zero (or D == 1 and antiparallel): plain lerp.

    t == 0 and t == 1 return a and b exactly.
    """
    _check_batch(a, b, t, "slerp")
    if not bool(torch.isfinite(t).all()) or bool(((t < 0) | (t > 1)).any()):
        raise PathError("slerp: t must lie in [0, 1]")
    if not 0.0 < eps < math.pi / 2:
        raise PathError(f"slerp: eps must be in (0, pi/2); got {eps}")

    a64, b64 = a.to(torch.float64), b.to(torch.float64)
    tc = t.to(torch.float64)[:, None]  # (N, 1)
    norm_a = a64.norm(dim=1, keepdim=True)  # (N, 1)
    norm_b = b64.norm(dim=1, keepdim=True)  # (N, 1)
    a_hat = a64 / norm_a.clamp_min(_ZERO_NORM)  # (N, D)
    b_hat = b64 / norm_b.clamp_min(_ZERO_NORM)  # (N, D)
    theta = _angle(a_hat, b_hat)  # (N, 1)

    # Generic rows: the great circle through a_hat and b_hat.
    direction = _great_circle(a_hat, b_hat, theta, tc)  # (N, D)

    # Nearly parallel: the circle is numerically undefined but also barely curved.
    parallel = theta < eps  # (N, 1)
    if bool(parallel.any()):
        nlerp = (1.0 - tc) * a_hat + tc * b_hat
        nlerp = nlerp / nlerp.norm(dim=1, keepdim=True).clamp_min(_ZERO_NORM)
        direction = torch.where(parallel, nlerp, direction)

    # Nearly antiparallel: a_hat -> p over t in [0, .5], then p -> b_hat over [.5, 1].
    antiparallel = (math.pi - theta) < eps  # (N, 1)
    no_direction = (norm_a <= _ZERO_NORM) | (norm_b <= _ZERO_NORM)  # (N, 1)
    if bool(antiparallel.any()):
        p = _perpendicular(a_hat)  # (N, D)
        first_half = _great_circle(a_hat, p, torch.full_like(theta, math.pi / 2), 2.0 * tc)
        second_half = _great_circle(p, b_hat, _angle(p, b_hat), 2.0 * tc - 1.0)
        turn = torch.where(tc < 0.5, first_half, second_half)  # (N, D)
        direction = torch.where(antiparallel, turn, direction)
        no_direction |= antiparallel & (p.norm(dim=1, keepdim=True) == 0)  # D == 1

    out = direction * ((1.0 - tc) * norm_a + tc * norm_b)  # (N, D)
    out = torch.where(no_direction, (1.0 - tc) * a64 + tc * b64, out)
    out = torch.where(tc == 0, a64, out)
    out = torch.where(tc == 1, b64, out)
    return out.to(a.dtype)


class _Spline:
    """A fitted C2 cubic through keys (K, D) at knots 0..K-1 (or 0..K when looping).

    ``start_velocity`` (D,), per unit of u, clamps the slope at key 0 of a non-looping
    curve (the end stays natural): a path continuing another leg's motion.
    """

    def __init__(self, keys: Tensor, loop: bool, start_velocity: np.ndarray | None = None) -> None:
        if not isinstance(keys, Tensor) or keys.ndim != 2 or keys.shape[0] < 1:
            shape = tuple(keys.shape) if isinstance(keys, Tensor) else type(keys).__name__
            raise PathError(f"cubic_spline: keys must be a (K, D) tensor with K >= 1; got {shape}")
        if not keys.is_floating_point() or not bool(torch.isfinite(keys).all()):
            raise PathError("cubic_spline: keys must be finite floating-point values")
        self.loop = loop
        self.dtype = keys.dtype
        self.keys = keys.detach().cpu().to(torch.float64).numpy()  # (K, D)
        k = self.keys.shape[0]
        self.curve: CubicSpline | None = None
        if k == 1:
            return  # a single key is a constant curve
        if loop:
            knots = np.arange(k + 1, dtype=np.float64)
            values = np.concatenate([self.keys, self.keys[:1]], axis=0)  # (K + 1, D)
            self.curve = CubicSpline(knots, values, axis=0, bc_type="periodic")
        else:
            knots = np.arange(k, dtype=np.float64)
            bc: object = "natural"
            if start_velocity is not None:  # continue another leg's motion: clamp the first slope
                v = np.asarray(start_velocity, dtype=np.float64).reshape(-1)
                bc = ((1, v), (2, np.zeros_like(v)))
            self.curve = CubicSpline(knots, self.keys, axis=0, bc_type=bc)

    def __call__(self, u: Tensor) -> Tensor:
        """Evaluate at positions u (N,) in keyframe units -> (N, D) in the keys' dtype."""
        if not isinstance(u, Tensor) or u.ndim != 1:
            raise PathError("cubic_spline: u must be a 1-D tensor of positions")
        k = self.keys.shape[0]
        pos = u.detach().cpu().to(torch.float64).numpy()  # (N,)
        if not np.isfinite(pos).all():
            raise PathError("cubic_spline: u must be finite")
        if self.loop:
            pos = np.mod(pos, k)
            pos = np.where(pos >= k, 0.0, pos)  # mod can round up to exactly K
        elif pos.size and (pos.min() < 0 or pos.max() > k - 1):
            raise PathError(
                f"cubic_spline: u must lie in [0, {k - 1}] for {k} keys without looping; "
                f"got [{pos.min():g}, {pos.max():g}]"
            )
        if self.curve is None:
            out = np.repeat(self.keys, pos.shape[0], axis=0)  # (N, D)
        else:
            out = self.curve(pos)  # (N, D)
            # Hit keyframes bit for bit (the polynomial at an interval's right end may not).
            at_knot = pos == np.round(pos)
            out[at_knot] = self.keys[np.round(pos[at_knot]).astype(np.int64) % k]
        return torch.from_numpy(np.ascontiguousarray(out)).to(self.dtype)


def cubic_spline(keys: Tensor, u: Tensor, loop: bool) -> Tensor:
    """C2 cubic spline through keys (K, D), evaluated at u (N,) -> (N, D).

    Keyframe k sits at u = k. Without looping the knots are 0..K-1 with natural end
    conditions (K == 2 is a straight line) and u must lie in [0, K-1]. When looping the
    knots are 0..K with key K = key 0 and periodic end conditions, so the curve is C2
    across the seam; u is taken modulo K. Fitting uses ``scipy.interpolate.CubicSpline``
    in float64; the result has the keys' dtype and equals key k exactly at u = k.
    """
    return _Spline(keys, loop)(u)
