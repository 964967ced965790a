"""The random-walk leg: an Ornstein–Uhlenbeck (Matérn) process that stays N(0, I) forever.

Each dimension is simulated exactly on a grid of ``step`` seconds (see ``matern``): no
Euler error, no drift of the marginal however long the walk runs. The walk starts at
the leg's start position and, when the leg before it was moving, at its velocity; the
other state components are drawn from the stationary law given those.

Random access with flat memory: noise for grid chunk c (``CHUNK`` steps) comes from
its own seeded stream (seed, c), and the state at the start of a chunk is kept for at
most ``MAX_CHECKPOINTS`` evenly spaced chunks, (<= 1024, D, p) however long the walk. A
frame regenerates its chunk from the nearest checkpoint before it (and frames asked for
in order reuse the chunk before), so any frame is the same whichever frames are asked
for with it. Between grid points the position is
a cubic Hermite of the neighbouring positions and velocities (linear for the rough OU).

In a Gaussian space each frame is put on the shell at sqrt(k^2 |x0|^2 + (1 - k^2) D)
(``shell_radius``; k is the walk's correlation with its start), plus the start's radial
velocity carried by m(t): |x0| at the start, leaving it at the incoming radial speed,
relaxing to sqrt(D). No frame wanders inside or outside the typical set, and per
dimension the marginal stays mean 0, variance 1.
"""

from __future__ import annotations

import math

import numpy as np

from odyssey.errors import PathError
from odyssey.paths import matern
from odyssey.paths.legs import Leg, Start, on_shell, shell_radius

CHUNK = 256
MAX_CHECKPOINTS = 1024


def _rng(seed: int, stream: int) -> np.random.Generator:
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence([int(seed), int(stream)])))


class WalkLeg(Leg):
    """An open (non-repeating) random walk of ``seconds`` from ``start``."""

    kind = "walk"

    def __init__(self, start: Start, seconds: float, correlation: float, smoothness: int, seed: int, step: float, gaussian: bool = True) -> None:
        super().__init__(start)
        if not (math.isfinite(seconds) and seconds > 0 and math.isfinite(step) and step > 0):
            raise PathError(f"walk: needs a duration and a grid step > 0 seconds; got {seconds!r}, {step!r}")
        self.seconds, self.smoothness, self.seed, self.gaussian = float(seconds), smoothness, int(seed), gaussian
        self.lam = matern.rate(correlation, smoothness)
        self.steps = max(1, math.ceil(self.seconds / step - 1e-9))
        self.dt = self.seconds / self.steps
        self.A, self.C = matern.transition(self.lam, smoothness, self.dt)
        self.p = smoothness + 1
        x0 = start.position
        v0 = start.velocity if (start.velocity is not None and self.p >= 2) else None
        self.v0 = v0
        self.radial_v0 = float(v0 @ x0) / max(float(np.linalg.norm(x0)), 1e-12) if v0 is not None else 0.0
        self.floor = 0.5 * min(float(np.linalg.norm(x0)), math.sqrt(self.dim))  # a fast inward start never folds the norm
        chunks = math.ceil(self.steps / CHUNK)
        self._every = max(1, math.ceil((chunks + 1) / MAX_CHECKPOINTS))  # a checkpoint every this many chunks
        self._checkpoints = self._run(self._initial_state(x0, v0))  # (<= MAX_CHECKPOINTS, D, p)
        self._cache: tuple[int, np.ndarray] | None = None

    def _initial_state(self, x0: np.ndarray, v0: np.ndarray | None) -> np.ndarray:
        """State (D, p) at t = 0: the known components, the rest from N(0, P) given them."""
        _, P = matern.state_space(self.lam, self.smoothness)
        known = 1 if v0 is None else 2
        state = np.zeros((self.dim, self.p))
        state[:, 0] = x0
        if known == 2:
            state[:, 1] = v0
        if self.p > known:
            o, r = slice(0, known), slice(known, self.p)
            gain = P[r, o] @ np.linalg.inv(P[o, o])  # (p - known, known)
            cov = P[r, r] - gain @ P[o, r]
            w, V = np.linalg.eigh((cov + cov.T) / 2.0)
            root = V * np.sqrt(np.clip(w, 0.0, None))[None, :]
            noise = _rng(self.seed, 0).standard_normal((self.dim, self.p - known))
            state[:, r] = state[:, o] @ gain.T + noise @ root.T
        return state

    def _chunk(self, c: int, state: np.ndarray) -> np.ndarray:
        """States at grid steps c*CHUNK .. c*CHUNK + n from the chunk's start: (n + 1, D, p)."""
        n = min(CHUNK, self.steps - c * CHUNK)
        noise = _rng(self.seed, c + 1).standard_normal((n, self.dim, self.p))
        shocks = noise @ self.C.T  # (n, D, p): every step's noise term at once
        step = self.A.T
        out = np.empty((n + 1, self.dim, self.p))
        out[0] = state
        for k in range(n):
            np.matmul(out[k], step, out=out[k + 1])
            out[k + 1] += shocks[k]
        return out

    def _run(self, state: np.ndarray) -> np.ndarray:
        """Walk every chunk once, keeping the start state of every ``_every``-th chunk."""
        chunks = math.ceil(self.steps / CHUNK)
        checkpoints = [state]
        for c in range(chunks):
            state = self._chunk(c, state)[-1].copy()  # a copy: a view would keep the whole chunk alive
            if (c + 1) % self._every == 0:
                checkpoints.append(state)
        return np.stack(checkpoints)

    def _start_of(self, c: int) -> np.ndarray:
        """The state at the start of chunk c: from the chunk before it if cached, else from its checkpoint."""
        cache = self._cache
        if cache is not None and cache[0] == c - 1:
            return cache[1][-1]
        base = c // self._every
        state = self._checkpoints[base]
        for k in range(base * self._every, c):
            state = self._chunk(k, state)[-1]
        return state

    def _states(self, c: int) -> np.ndarray:
        cache = self._cache  # read once: safe if several threads draw frames
        if cache is None or cache[0] != c:
            cache = (c, self._chunk(c, self._start_of(c)))
            self._cache = cache
        return cache[1]

    def grid_states(self, k: np.ndarray) -> np.ndarray:
        """Raw Gaussian states at grid steps k (n,) in [0, steps] -> (n, D, p)."""
        k = np.asarray(k, dtype=np.int64)
        out = np.empty((k.shape[0], self.dim, self.p))
        chunk = np.minimum(k // CHUNK, max(0, math.ceil(self.steps / CHUNK) - 1))
        for c in np.unique(chunk):
            sel = chunk == c
            out[sel] = self._states(int(c))[k[sel] - c * CHUNK]
        return out

    def points(self, move: np.ndarray, s: np.ndarray) -> np.ndarray:
        s = np.clip(np.asarray(s, dtype=np.float64), 0.0, 1.0)
        pos = s * self.steps  # grid units
        i = np.minimum(np.floor(pos).astype(np.int64), self.steps - 1)
        f = (pos - i)[:, None]  # (n, 1)
        a, b = self.grid_states(i), self.grid_states(i + 1)  # (n, D, p)
        if self.p == 1:
            g = (1.0 - f) * a[:, :, 0] + f * b[:, :, 0]
        else:  # cubic Hermite with velocities (per second, so scaled by dt)
            h00, h10 = 2 * f**3 - 3 * f**2 + 1, f**3 - 2 * f**2 + f
            h01, h11 = -2 * f**3 + 3 * f**2, f**3 - f**2
            g = h00 * a[:, :, 0] + h10 * self.dt * a[:, :, 1] + h01 * b[:, :, 0] + h11 * self.dt * b[:, :, 1]
        g[s == 0.0] = self.start.position
        if not self.gaussian:
            return g
        t = s * self.seconds
        k = matern.correlation(self.lam * t, self.smoothness)  # (n,)
        radius = shell_radius(k[:, None] * self.start.position[None, :], 1.0 - k**2, self.dim)
        if self.v0 is not None:  # leave the start with its radial velocity too
            radius = radius + matern.velocity_gain(t, self.lam, self.smoothness) * self.radial_v0
        out = on_shell(g, np.maximum(radius, self.floor))
        out[s == 0.0] = self.start.position
        return out
