"""Easing curves: how progress through one transition is paced.

An easing maps the fraction of a transition's time that has elapsed, s in [0, 1], to
the fraction of the way travelled, f(s) in [0, 1], with f(0) = 0, f(1) = 1 and f
non-decreasing. ``linear`` moves at constant speed; the others (Penner's families plus
the Hermite smoothstep / Perlin smootherstep) slow down near the keyframes so a film
lingers on them. Inputs are clamped to [0, 1]; curves are evaluated in float64 and
returned in the input's dtype.
"""

from __future__ import annotations

import difflib
import math
from typing import Callable

import torch
from torch import Tensor

from odyssey.errors import PathError

Easing = Callable[[Tensor], Tensor]


def _unit(t: Tensor) -> Tensor:
    return t.clamp(0.0, 1.0)


def _in_float64(ease: Easing) -> Easing:
    """Evaluate in float64 and round back once: rounding is monotonic, so a float32
    result stays non-decreasing where float32 polynomial arithmetic might wobble."""

    def wrapped(t: Tensor) -> Tensor:
        return ease(t.to(torch.float64)).to(t.dtype)

    wrapped.__name__ = wrapped.__qualname__ = ease.__name__
    wrapped.__doc__ = ease.__doc__
    return wrapped


def linear(t: Tensor) -> Tensor:
    return _unit(t)


@_in_float64
def smoothstep(t: Tensor) -> Tensor:
    """3t^2 - 2t^3: zero velocity at both ends."""
    t = _unit(t)
    return t * t * (3.0 - 2.0 * t)


@_in_float64
def smootherstep(t: Tensor) -> Tensor:
    """6t^5 - 15t^4 + 10t^3: zero velocity and acceleration at both ends."""
    t = _unit(t)
    return t * t * t * (t * (6.0 * t - 15.0) + 10.0)


@_in_float64
def cosine(t: Tensor) -> Tensor:
    """(1 - cos(pi t)) / 2: a half period of a cosine."""
    t = _unit(t)
    return ((1.0 - torch.cos(math.pi * t)) * 0.5).clamp(0.0, 1.0)


def _power_in(n: int) -> Easing:
    def ease_in(t: Tensor) -> Tensor:
        return _unit(t) ** n

    return _in_float64(ease_in)


def _power_out(n: int) -> Easing:
    def ease_out(t: Tensor) -> Tensor:
        return 1.0 - (1.0 - _unit(t)) ** n

    return _in_float64(ease_out)


def _power_in_out(n: int) -> Easing:
    """Ease in over the first half, out over the second; the halves meet at (0.5, 0.5)."""

    def ease_in_out(t: Tensor) -> Tensor:
        t = _unit(t)
        first = 2.0 ** (n - 1) * t**n
        second = 1.0 - (2.0 - 2.0 * t) ** n * 0.5
        return torch.where(t < 0.5, first, second)

    return _in_float64(ease_in_out)


EASINGS: dict[str, Easing] = {
    "linear": linear,
    "smoothstep": smoothstep,
    "smootherstep": smootherstep,
    "cosine": cosine,
}
for _name, _power in (("quad", 2), ("cubic", 3), ("quintic", 5)):
    EASINGS[f"{_name}-in"] = _power_in(_power)
    EASINGS[f"{_name}-out"] = _power_out(_power)
    EASINGS[f"{_name}-in-out"] = _power_in_out(_power)
del _name, _power


def get_easing(name: str) -> Easing:
    """The easing called ``name``; PathError listing the valid names otherwise."""
    if isinstance(name, str) and name in EASINGS:
        return EASINGS[name]
    message = f"unknown easing {name!r}; valid easings: {', '.join(EASINGS)}"
    close = difflib.get_close_matches(str(name), list(EASINGS), n=1)
    if close:
        message += f" (did you mean {close[0]!r}?)"
    raise PathError(message)
