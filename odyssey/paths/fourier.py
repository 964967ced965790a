"""Periodic Gaussian processes: the looping walk and the noise loop, seam-free by construction.

Per dimension, g(s) = sum_n sigma_n (a_n cos 2 pi n s + b_n sin 2 pi n s) over one
period s in [0, 1], with a_n, b_n ~ N(0, 1) from the seed and sum sigma_n^2 = 1, so
g(s) ~ N(0, 1) at every s and g(1) = g(0) with every derivative: no seam at all.

* ``walk`` with loop: sigma_n^2 follows the Matérn spectrum of the open walk at the
  loop's harmonics (the periodic version of the same process: same marginal, same
  correlation time, same smoothness), truncated where the rest holds < 1e-6 of it.
* ``noise-loop``: equal weights on harmonics 0..H, a band-limited loop whose detail
  is H cycles per loop.

The leg starts at its start point: by Matheron's rule the sample is conditioned on
g(0) = x0 (and g'(0) = v0 when the leg before it was moving), which keeps the law of
a stationary path through that point and the periodicity. In a Gaussian space frames
are put on the shell at their expected norm, as in the open walk (|x0| at the start,
sqrt(D) once the loop has decorrelated from it, |x0| again at the end).

Coefficients: (H + 1, D) twice, so evaluating n frames is one (n, 2H + 2) x (2H + 2, D)
product; nothing grows with the number of frames.
"""

from __future__ import annotations

import math

import numpy as np

from odyssey.errors import PathError
from odyssey.paths import matern
from odyssey.paths.legs import Leg, Start, on_shell, shell_radius

MAX_HARMONICS = 4096
_ROWS = 2048
_TAIL = 1e-6


def walk_variances(seconds: float, correlation: float, smoothness: int) -> np.ndarray:
    """sigma_n^2 (H + 1,) of a periodic Matérn walk with period ``seconds``."""
    lam = matern.rate(correlation, smoothness)
    n = np.arange(MAX_HARMONICS + 1)
    weights = matern.spectrum(2.0 * math.pi * n / seconds, lam, smoothness) * np.where(n == 0, 1.0, 2.0)
    share = np.cumsum(weights) / weights.sum()
    keep = int(np.searchsorted(share, 1.0 - _TAIL)) + 1
    weights = weights[: max(2, keep)]
    return weights / weights.sum()


def noise_variances(harmonics: int) -> np.ndarray:
    """sigma_n^2 (H + 1,): equal weights on harmonics 0..H."""
    if not (isinstance(harmonics, int) and 1 <= harmonics <= MAX_HARMONICS):
        raise PathError(f"noise-loop harmonics must be a whole number from 1 to {MAX_HARMONICS}; got {harmonics!r}")
    return np.full(harmonics + 1, 1.0 / (harmonics + 1))


class FourierLoopLeg(Leg):
    """A closed leg from ``start`` back to it: one period of a periodic Gaussian process."""

    def __init__(self, start: Start, variances: np.ndarray, seconds: float, seed: int, kind: str, gaussian: bool = True) -> None:
        self.kind = kind
        super().__init__(start)
        variances = np.asarray(variances, dtype=np.float64)
        if variances.ndim != 1 or variances.shape[0] < 2 or not np.isclose(variances.sum(), 1.0):
            raise PathError(f"{kind}: harmonic variances must be (H + 1,) summing to 1")
        self.gaussian, self.seconds = gaussian, float(seconds)
        self.var = variances
        self.omega = 2.0 * math.pi * np.arange(variances.shape[0])  # (H + 1,) radians per period
        rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence([int(seed), 0x100F])))
        sigma = np.sqrt(variances)[:, None]
        self.a = sigma * rng.standard_normal((variances.shape[0], self.dim))  # (H + 1, D)
        self.b = sigma * rng.standard_normal((variances.shape[0], self.dim))  # (H + 1, D)
        self.speed_var = float((variances * self.omega**2).sum())  # Var g'(s), per period^2
        x0 = start.position
        v0 = None if start.velocity is None else start.velocity * self.seconds  # per unit s
        g0, dg0 = self.a.sum(axis=0), (self.omega[:, None] * self.b).sum(axis=0)  # g(0), g'(0)
        self.jump = x0 - g0  # (D,)
        self.slope_jump = None if v0 is None else v0 - dg0  # (D,)
        self.v0 = v0
        self.radial_v0 = float(v0 @ x0) / max(float(np.linalg.norm(x0)), 1e-12) if v0 is not None else 0.0
        self.floor = 0.5 * min(float(np.linalg.norm(x0)), math.sqrt(self.dim))  # a fast inward start never folds the norm

    @property
    def closed(self) -> bool:
        return True

    def points(self, move: np.ndarray, s: np.ndarray) -> np.ndarray:
        s = np.mod(np.asarray(s, dtype=np.float64), 1.0)  # s == 1 is s == 0: closed exactly
        out = np.empty((s.shape[0], self.dim))
        for i in range(0, s.shape[0], _ROWS):  # bounded (rows, H + 1) work arrays
            out[i : i + _ROWS] = self._rows(s[i : i + _ROWS])
        out[s == 0.0] = self.start.position
        return out

    def _rows(self, s: np.ndarray) -> np.ndarray:
        phase = s[:, None] * self.omega[None, :]  # (n, H + 1)
        cos, sin = np.cos(phase), np.sin(phase)
        g = cos @ self.a + sin @ self.b  # (n, D)
        k = cos @ self.var  # correlation with g(0), (n,)
        m = (sin @ (self.var * self.omega)) / self.speed_var  # Cov(g(s), g'(0)) / Var g'(0), (n,)
        g += k[:, None] * self.jump[None, :]
        if self.slope_jump is not None:
            g += m[:, None] * self.slope_jump[None, :]
        if self.gaussian:  # the norm relaxes from |x0| to sqrt(D) and back, as in the open walk
            radius = shell_radius(k[:, None] * self.start.position[None, :], 1.0 - k**2, self.dim)
            if self.v0 is not None:
                radius = radius + m * self.radial_v0
            g = on_shell(g, np.maximum(radius, self.floor))
        return g
