"""Legs: the pieces a path is composed of, as curves p(move, s) in a flat latent space.

A path is a sequence of legs; each starts where the one before it ended (its ``Start``:
position, velocity per second when known, and soft label). A leg is one or more
*moves*, each a curve over s in [0, 1] with p(m, 1) == p(m + 1, 0); the path's timing
(holds, durations, easing, re-timing) decides which (move, s) each frame shows.

Shapes: latents are flattened to D = prod(latent_shape); ``points`` takes move (n,)
int64 and s (n,) float64 and returns (n, D) float64. Labels are (n, C) or None.

In a Gaussian (z) space, latents of a typical sample lie near the shell |x| ~ sqrt(D).
``on_shell`` rescales rows to given norms, which is how the random and plane legs keep
every frame in distribution.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from dataclasses import dataclass

import numpy as np

from odyssey.errors import PathError

_TINY = 1e-12


@dataclass(frozen=True)
class Start:
    """Where a leg begins: position (D,), velocity (D,) per second or None, label (C,) or None."""

    position: np.ndarray
    velocity: np.ndarray | None = None
    label: np.ndarray | None = None

    @property
    def dim(self) -> int:
        return int(self.position.shape[0])


def unit(v: np.ndarray, what: str) -> np.ndarray:
    """``v`` (D,) scaled to length 1; PathError naming ``what`` if it is (nearly) zero."""
    norm = float(np.linalg.norm(v))
    if not math.isfinite(norm) or norm <= _TINY:
        raise PathError(f"{what} is a zero vector, so it has no direction; use another vector or seed")
    return np.asarray(v, dtype=np.float64) / norm


def shell_radius(mean: np.ndarray, spread: np.ndarray, dim: int) -> np.ndarray:
    """Expected norm of a Gaussian point with ``mean`` (n, D) and per-dimension variance ``spread`` (n,).

    sqrt(|mean|^2 + D spread): the norm a leg keeps at each frame. A leg that has moved an
    angle rho away from its start x0 is like cos(rho) x0 + sin(rho) n with n an independent
    typical sample, so its norm goes from |x0| to sqrt(D) as it moves away (mean = cos(rho) x0,
    spread = sin(rho)^2); a random leg uses its process's conditional mean and variance.
    """
    squared = np.einsum("nd,nd->n", mean, mean) + dim * np.clip(spread, 0.0, None)
    return np.sqrt(np.maximum(squared, _TINY))


def on_shell(points: np.ndarray, radius: np.ndarray | float) -> np.ndarray:
    """Rows of ``points`` (n, D) rescaled to norms ``radius`` (n,) or a scalar -> (n, D)."""
    norms = np.linalg.norm(points, axis=1, keepdims=True)  # (n, 1)
    radius = np.broadcast_to(np.asarray(radius, dtype=np.float64), (points.shape[0],))[:, None]
    return points * (radius / np.maximum(norms, _TINY))


class Leg(ABC):
    """One leg of a path (see the module docstring)."""

    kind: str = "leg"

    def __init__(self, start: Start, moves: int = 1) -> None:
        if start.position.ndim != 1 or not np.isfinite(start.position).all():
            raise PathError(f"{self.kind}: the start must be a finite (D,) latent")
        self.start = start
        self.moves = moves
        self.dim = start.dim

    @property
    def closed(self) -> bool:
        """True if the leg ends exactly where it starts (a loop of its own)."""
        return False

    @abstractmethod
    def points(self, move: np.ndarray, s: np.ndarray) -> np.ndarray:
        """Latents at (move (n,), s (n,)) -> (n, D) float64."""

    def labels(self, move: np.ndarray, s: np.ndarray) -> np.ndarray | None:
        """Soft labels (n, C): by default the label the leg started with, or None."""
        if self.start.label is None:
            return None
        return np.repeat(self.start.label[None, :], np.asarray(move).shape[0], axis=0)

    def curve(self, move: int):
        """Move ``move`` as a function s (n,) -> (n, D)."""
        return lambda s: self.points(np.full(np.shape(s), move, dtype=np.int64), np.asarray(s, dtype=np.float64))

    def end(self) -> np.ndarray:
        """The last point of the leg, (D,)."""
        return self.points(np.array([self.moves - 1]), np.array([1.0]))[0]

    def end_label(self) -> np.ndarray | None:
        labels = self.labels(np.array([self.moves - 1]), np.array([1.0]))
        return None if labels is None else labels[0]


class HoldLeg(Leg):
    """Stand still at the start for the leg's duration."""

    kind = "hold"

    @property
    def closed(self) -> bool:
        return True

    def points(self, move: np.ndarray, s: np.ndarray) -> np.ndarray:
        return np.repeat(self.start.position[None, :], np.asarray(s).shape[0], axis=0)


class DirectionLeg(Leg):
    """Move along a direction: x0 + amount f(s) v, f(s) = s (once) or sin(2 pi s) (ping-pong).

    ``once`` ends ``amount`` latent units along v; ``ping-pong`` swings out to +amount,
    back through the start to -amount and home again, a closed smooth loop. In a
    Gaussian space each frame keeps the direction of x0 + amount f(s) v but its norm
    follows ``shell_radius`` for the angle it has turned from x0: the move turns toward v
    on the typical shell instead of leaving it (for |amount| << |x0| this barely differs).
    """

    kind = "direction"
    MODES = ("once", "ping-pong")

    def __init__(self, start: Start, direction: np.ndarray, amount: float, mode: str = "once", gaussian: bool = True) -> None:
        super().__init__(start)
        if mode not in self.MODES:
            raise PathError(f"direction: unknown mode {mode!r}; use once or ping-pong")
        if not math.isfinite(amount):
            raise PathError(f"direction: amount must be a finite number; got {amount!r}")
        self.direction = unit(np.asarray(direction, dtype=np.float64).reshape(-1), "the direction")
        if self.direction.shape[0] != self.dim:
            raise PathError(f"direction: the vector has {self.direction.shape[0]} values but latents have {self.dim}")
        self.amount, self.mode, self.gaussian = float(amount), mode, gaussian
        self.radius = float(np.linalg.norm(start.position))

    @property
    def closed(self) -> bool:
        return self.mode == "ping-pong"

    def points(self, move: np.ndarray, s: np.ndarray) -> np.ndarray:
        s = np.asarray(s, dtype=np.float64)
        f = s if self.mode == "once" else np.sin(2.0 * math.pi * s)  # (n,)
        if self.mode == "ping-pong":
            f = np.where((s <= 0.0) | (s >= 1.0), 0.0, f)  # exactly home at both ends
        x0 = self.start.position[None, :]
        out = x0 + (self.amount * f)[:, None] * self.direction[None, :]  # (n, D)
        if self.gaussian and self.radius > _TINY:
            cos = np.clip((out @ self.start.position) / (np.linalg.norm(out, axis=1) * self.radius + _TINY), -1.0, 1.0)  # (n,)
            out = on_shell(out, shell_radius(cos[:, None] * x0, 1.0 - cos**2, self.dim))
            out[f == 0.0] = self.start.position
        return out
