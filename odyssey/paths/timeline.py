"""Frame timing for a keyframe path: which keys a frame lies between, and how far along.

A path is a time line of pieces, in order ``hold 0, transition 0, hold 1, ...``. Holds
stay on one key; transition k moves from key k to key k + 1 (a loop's last transition
returns from key K-1 to key 0; a non-loop ends on the last key's hold). Durations are
in seconds; frame counts are exact: a piece of n/fps seconds covers n frames, and the
total is round-half-up of seconds x fps.

Frame i sits at time ``i * total / T`` in a loop (frame T would be frame 0 again, so a
loop never repeats its first frame) and at ``i * total / (T - 1)`` otherwise (the first
and last frames are the first and last keys). Everything is computed in frame units
with piece boundaries snapped to whole frames when they are within rounding error of
one, so float noise in n/fps never moves a frame across a boundary.
"""

from __future__ import annotations

import decimal
import math
import operator
from dataclasses import dataclass, field
from typing import Mapping, Sequence

import numpy as np
import torch
from torch import Tensor

from odyssey.errors import PathError

# Relative distance from a whole frame under which a boundary counts as on that frame.
_SNAP = 1e-9


def _number(value: float, name: str, positive: bool) -> float:
    """``value`` as a finite float that is > 0 (positive) or >= 0; PathError otherwise."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise PathError(f"{name} must be a number; got {value!r}") from None
    if not math.isfinite(number) or number < 0 or (positive and number == 0):
        bound = "> 0" if positive else ">= 0"
        raise PathError(f"{name} must be a finite number {bound}; got {value!r}")
    return number


def _durations(values: Sequence[float], name: str) -> tuple[float, ...]:
    """Validate a list (or array, or 1-D tensor) of durations in seconds."""
    try:
        if isinstance(values, (str, bytes, Mapping)):
            raise TypeError
        items = list(values)
    except TypeError:
        raise PathError(f"{name} must be a list of durations in seconds; got {values!r}") from None
    return tuple(_number(value, f"{name}[{i}] (seconds)", False) for i, value in enumerate(items))


def frame_count(seconds: float, fps: float) -> int:
    """Frames in ``seconds`` at ``fps``: round(seconds x fps), halves rounded up.

    The product is taken in decimal on the numbers as written (``repr`` of each float),
    so 0.3 s at 5 fps is 1.5 -> 2 frames even though 0.3 x 5 is 1.4999... in binary.
    """
    return _round_frames([_number(seconds, "seconds", False)], _number(fps, "fps", True))


def _round_frames(durations: Sequence[float], fps: float) -> int:
    """Round-half-up of sum(durations) x fps, in exact decimal on the numbers as written.

    Summing in decimal matters too: 0.72 + 0.58 is 1.2999999999999998 in binary, which
    would turn 6.5 frames at 5 fps into 6.
    """
    with decimal.localcontext() as context:
        context.prec = 120  # ample for exact sums and products of 17-digit decimals
        total = sum((decimal.Decimal(repr(float(d))) for d in durations), decimal.Decimal(0))
        product = total * decimal.Decimal(repr(float(fps)))
        return int(product.to_integral_value(rounding=decimal.ROUND_HALF_UP))


def piece_bounds(durations: Sequence[float], num_frames: int, loop: bool) -> tuple[float, ...]:
    """Boundaries of consecutive pieces in frame units: (P,) seconds -> (P + 1,) floats.

    The whole time line spans ``num_frames`` frame units in a loop (frame T would be
    frame 0 again) and ``num_frames - 1`` otherwise (the last frame is the end). A
    boundary within rounding error of a whole frame is snapped onto it, so float noise
    never moves a frame across it; boundaries never decrease.
    """
    span = num_frames if loop else num_frames - 1  # frame units of the total
    total = math.fsum(durations)
    if num_frames <= 1 or total <= 0:
        return tuple(0.0 for _ in range(len(durations) + 1))
    bounds = []
    for j in range(len(durations) + 1):
        b = math.fsum(durations[:j]) * span / total
        nearest = round(b)
        bounds.append(float(nearest) if abs(b - nearest) <= _SNAP * max(1.0, b) else b)
    bounds[-1] = float(span)
    return tuple(np.maximum.accumulate(np.asarray(bounds)).tolist())


@dataclass(frozen=True)
class Timeline:
    """Maps frame indices [0, num_frames) to (from key, to key, progress s).

    Build with ``Timeline.build``; the constructor takes the same, already normalised,
    values and validates them too.
    """

    num_keys: int
    fps: float
    loop: bool
    holds: tuple[float, ...]
    transitions: tuple[float, ...]
    num_frames: int
    # Piece boundaries in frame units, (P + 1,); frame i lies in piece j when
    # bounds[j] <= i < bounds[j + 1].
    _bounds: tuple[float, ...] = field(init=False, repr=False, compare=False)

    @classmethod
    def build(
        cls,
        num_keys: int,
        fps: float,
        loop: bool,
        holds: Sequence[float],
        transitions: Sequence[float],
        total_frames: int | None = None,
    ) -> Timeline:
        """Lay out K keys: ``holds`` (K seconds) and ``transitions`` (K-1, or K for a loop).

        The frame count is ``total_frames`` if given, else round-half-up of total
        seconds x fps (summed exactly, as ``frame_count`` does for one duration).
        """
        fps = _number(fps, "fps", True)
        holds_s = _durations(holds, "holds")
        transitions_s = _durations(transitions, "transitions")
        if total_frames is None:
            total_frames = _round_frames(holds_s + transitions_s, fps)
        return cls(
            num_keys=num_keys,
            fps=fps,
            loop=bool(loop),
            holds=holds_s,
            transitions=transitions_s,
            num_frames=total_frames,
        )

    def __post_init__(self) -> None:
        if isinstance(self.num_keys, bool) or not isinstance(self.num_keys, int) or self.num_keys < 1:
            raise PathError(f"a path needs at least one keyframe; got num_keys={self.num_keys!r}")
        _number(self.fps, "fps", True)
        holds = _durations(self.holds, "holds")
        transitions = _durations(self.transitions, "transitions")
        k = self.num_keys
        if len(holds) != k:
            raise PathError(f"holds needs one duration per keyframe ({k}); got {len(holds)}")
        wanted = k if self.loop else k - 1
        if len(transitions) != wanted:
            kind = "a looping" if self.loop else "a non-looping"
            raise PathError(
                f"transitions needs {wanted} durations for {kind} path of {k} keyframes; "
                f"got {len(transitions)}"
            )
        try:
            frames = operator.index(self.num_frames)
        except TypeError:
            raise PathError(f"total_frames must be an integer; got {self.num_frames!r}") from None
        if isinstance(self.num_frames, bool) or frames < 1:
            raise PathError(
                f"the path is shorter than one frame ({self.num_frames!r} frames); "
                "lengthen the holds or transitions, or raise fps"
            )
        total = math.fsum(holds + transitions)
        if frames > 1 and total <= 0:
            raise PathError(f"{frames} frames need a total duration > 0 seconds; got 0")
        normalised = {
            "fps": float(self.fps),
            "loop": bool(self.loop),
            "holds": holds,
            "transitions": transitions,
            "num_frames": frames,
        }
        for name, value in normalised.items():
            object.__setattr__(self, name, value)
        object.__setattr__(self, "_bounds", self._frame_bounds())

    def _pieces(self) -> list[tuple[float, int, int, bool]]:
        """(seconds, from key, to key, is hold) for every piece, in time order."""
        k = self.num_keys
        pieces = []
        for key in range(k):
            pieces.append((self.holds[key], key, key, True))
            if self.loop or key < k - 1:
                pieces.append((self.transitions[key], key, (key + 1) % k, False))
        return pieces

    def _frame_bounds(self) -> tuple[float, ...]:
        return piece_bounds([piece[0] for piece in self._pieces()], self.num_frames, self.loop)

    @property
    def total_seconds(self) -> float:
        """Length of the time line: all holds plus all transitions."""
        return math.fsum(self.holds + self.transitions)

    def locate(self, indices: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        """Frame indices (N,) -> (from_key (N,) int64, to_key (N,) int64, s (N,) float64).

        In a hold at key k: from = to = k, s = 0. In transition k: to = k + 1 (mod K in a
        loop) and s in [0, 1] is the elapsed fraction of that transition, not eased.
        A one-frame path shows the first key. Results are CPU tensors.
        """
        if (
            not isinstance(indices, Tensor)
            or indices.ndim != 1
            or indices.is_floating_point()
            or indices.is_complex()
            or indices.dtype == torch.bool
        ):
            raise PathError("frame indices must be a 1-D integer tensor")
        frames = indices.detach().cpu().to(torch.int64).numpy()  # (N,)
        if frames.size and (frames.min() < 0 or frames.max() >= self.num_frames):
            raise PathError(
                f"frame indices must lie in [0, {self.num_frames}); "
                f"got [{frames.min()}, {frames.max()}]"
            )
        n = frames.shape[0]
        if self.num_frames == 1 or self.total_seconds <= 0:
            zeros = torch.zeros(n, dtype=torch.int64)
            return zeros, zeros.clone(), torch.zeros(n, dtype=torch.float64)

        pieces = self._pieces()
        piece_from = np.array([p[1] for p in pieces], dtype=np.int64)  # (P,)
        piece_to = np.array([p[2] for p in pieces], dtype=np.int64)  # (P,)
        is_hold = np.array([p[3] for p in pieces], dtype=bool)  # (P,)
        bounds = np.asarray(self._bounds)  # (P + 1,)

        x = frames.astype(np.float64)  # (N,)
        # Last piece starting at or before x; zero-length pieces are skipped this way.
        piece = np.searchsorted(bounds[:-1], x, side="right") - 1  # (N,)
        start, length = bounds[piece], bounds[piece + 1] - bounds[piece]
        s = np.where(length > 0, (x - start) / np.where(length > 0, length, 1.0), 0.0)
        s = np.where(is_hold[piece], 0.0, np.clip(s, 0.0, 1.0))  # (N,)
        return (
            torch.from_numpy(piece_from[piece]),
            torch.from_numpy(piece_to[piece]),
            torch.from_numpy(s),
        )

    def keyframe_frames(self) -> list[int]:
        """For each key, the first frame at or after the moment the path reaches it.

        Clamped to the last frame (a key reached only at the very end of a loop, or
        a one-frame path).
        """
        last = self.num_frames - 1
        return [min(math.ceil(self._bounds[2 * key]), last) for key in range(self.num_keys)]
