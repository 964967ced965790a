"""Matérn processes: the smooth Ornstein–Uhlenbeck family behind the random walk.

A walk of smoothness p - 1 (p = 1, 2, 3) is, in each latent dimension, the stationary
solution of (d/dt + lam)^p x = white noise: a p-dimensional Ornstein–Uhlenbeck process
on the state (x, x', ..., x^(p-1)). Its marginal is N(0, 1) at every time (the noise
level is set so), its correlation is the Matérn-(p - 1/2) function k(t), and its paths
are p - 1 times differentiable: smoothness 0 is the classic OU process (it jitters
frame to frame), 1 glides with continuous velocity, 2 also has continuous
acceleration. ``lam`` comes from the correlation time tau (seconds): k(tau) = 1/e.

Everything here is per dimension and small: F, P (p, p); k(t), m(t) for t (n,).
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
from scipy.linalg import expm, solve_continuous_lyapunov
from scipy.optimize import brentq

from odyssey.errors import PathError

SMOOTHNESS = (0, 1, 2)


def _check(smoothness: int) -> int:
    if smoothness not in SMOOTHNESS:
        raise PathError(f"walk smoothness must be 0 (rough OU), 1 or 2 (smoothest); got {smoothness!r}")
    return smoothness + 1


def correlation(x: np.ndarray, smoothness: int) -> np.ndarray:
    """k at lag x = lam |t| (n,) -> (n,): e^-x, (1 + x) e^-x, (1 + x + x^2/3) e^-x."""
    p = _check(smoothness)
    x = np.abs(np.asarray(x, dtype=np.float64))
    poly = {1: 1.0, 2: 1.0 + x, 3: 1.0 + x + x * x / 3.0}[p]
    return poly * np.exp(-x)


def velocity_gain(t: np.ndarray, lam: float, smoothness: int) -> np.ndarray:
    """m(t) = Cov(x(t), x'(0)) / Var(x'(0)) for t >= 0, (n,) -> (n,) seconds.

    The conditional mean of x(t) given x(0) = 0 and x'(0) = v is m(t) v. Zero for the
    rough OU process, which has no velocity.
    """
    p = _check(smoothness)
    x = lam * np.asarray(t, dtype=np.float64)
    if p == 1:
        return np.zeros_like(x)
    poly = x if p == 2 else x * (1.0 + x)
    return poly * np.exp(-x) / lam


@lru_cache(maxsize=None)
def _lag_at_one_over_e(smoothness: int) -> float:
    return float(brentq(lambda x: float(correlation(np.array([x]), smoothness)[0]) - math.exp(-1.0), 1e-6, 50.0))


def rate(correlation_seconds: float, smoothness: int) -> float:
    """lam (1/s) such that the correlation falls to 1/e after ``correlation_seconds``."""
    if not (math.isfinite(correlation_seconds) and correlation_seconds > 0):
        raise PathError(f"walk correlation must be a time > 0 seconds; got {correlation_seconds!r}")
    return _lag_at_one_over_e(smoothness) / correlation_seconds


def state_space(lam: float, smoothness: int) -> tuple[np.ndarray, np.ndarray]:
    """Drift F (p, p) of (d/dt + lam)^p and the stationary state covariance P (p, p), P[0, 0] = 1."""
    p = _check(smoothness)
    F = np.zeros((p, p))
    F[np.arange(p - 1), np.arange(1, p)] = 1.0
    F[-1, :] = [-math.comb(p, j) * lam ** (p - j) for j in range(p)]  # (s + lam)^p coefficients
    noise = np.zeros((p, p))
    noise[-1, -1] = 1.0
    P = solve_continuous_lyapunov(F, -noise)
    return F, P / P[0, 0]


def transition(lam: float, smoothness: int, dt: float) -> tuple[np.ndarray, np.ndarray]:
    """Exact one-step update over dt seconds: state' = A state + C eps, eps ~ N(0, I_p).

    A = exp(F dt); C C^T = P - A P A^T, so the stationary law N(0, P) is kept exactly.
    """
    F, P = state_space(lam, smoothness)
    A = expm(F * dt)
    Q = P - A @ P @ A.T
    w, V = np.linalg.eigh((Q + Q.T) / 2.0)
    return A, V * np.sqrt(np.clip(w, 0.0, None))[None, :]


def spectrum(omega: np.ndarray, lam: float, smoothness: int) -> np.ndarray:
    """Unnormalised spectral density (lam^2 + omega^2)^-p at angular frequencies omega (n,)."""
    p = _check(smoothness)
    return (lam * lam + np.asarray(omega, dtype=np.float64) ** 2) ** (-p)
