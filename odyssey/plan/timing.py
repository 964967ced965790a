"""Keyframes and their timing: how long each hold and each move between keyframes lasts.

``Keyframe`` is one planned keyframe (a latent, a class, optional hold and move length);
``resolve_timing`` fills in what the path file left open, so that a keyframes leg knows
the seconds of every hold and move before it is laid on frames. Pure bookkeeping: no
model, no files.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import torch

from odyssey.errors import PathError

DEFAULT_TRANSITION_SECONDS = 2.0


@dataclass(frozen=True)
class Keyframe:
    """One keyframe: a latent ``(*latent_shape)`` and, for conditional models, a class.

    ``hold`` and ``duration`` are seconds (None = take the path's default / a share).
    """

    latent: torch.Tensor
    label: int | None = None
    hold: float | None = None
    duration: float | None = None


@dataclass(frozen=True)
class Timing:
    """Durations of a path, resolved to seconds; ``total_frames`` pins the frame count."""

    holds: list[float]
    transitions: list[float]
    total_frames: int | None = None


def resolve_timing(
    keyframes: Sequence[Keyframe],
    *,
    loop: bool,
    default_hold: float = 0.0,
    default_transition: float | None = None,
    total_seconds: float | None = None,
    total_frames: int | None = None,
    fps: float = 30.0,
) -> Timing:
    """Fill in holds and move lengths. Moves without a duration share what is left of
    the whole-path duration (``total_seconds``, or ``total_frames / fps``) after holds
    and explicit moves; without a whole-path duration they take ``default_transition``.
    """
    count = len(keyframes)
    moves = count if loop else count - 1
    holds = [k.hold if k.hold is not None else default_hold for k in keyframes]
    if not loop and keyframes[-1].duration is not None and count > 0:
        raise PathError("the last keyframe of a path that does not loop has no move after it: remove its 'duration' or set loop: true")
    given = [keyframes[i].duration for i in range(moves)]
    if total_frames is not None:
        total_seconds = total_frames / fps
    if total_seconds is None:
        fill = default_transition if default_transition is not None else DEFAULT_TRANSITION_SECONDS
        transitions = [g if g is not None else fill for g in given]
        if moves == 0 and not holds[0]:  # a single keyframe with no length: a still of one move's length
            holds = [fill]
        return Timing(holds, transitions, None)
    open_moves = sum(g is None for g in given)
    left = total_seconds - sum(holds) - sum(g for g in given if g is not None)
    tolerance = 1e-9 * max(1.0, total_seconds)
    if left < -tolerance:
        raise PathError(
            f"the path lasts {total_seconds:g} s but its holds and move durations already take "
            f"{total_seconds - left:g} s: lengthen the path's duration or shorten holds"
        )
    if open_moves == 0:
        if abs(left) > tolerance:
            if moves == 0:  # a single keyframe: its hold is the whole path
                return Timing([total_seconds], [], total_frames)
            raise PathError(
                f"the path's duration ({total_seconds:g} s) differs from its holds and moves ({total_seconds - left:g} s): "
                "remove one of them or make them agree"
            )
        return Timing(holds, [g or 0.0 for g in given], total_frames)
    share = max(left, 0.0) / open_moves
    return Timing(holds, [g if g is not None else share for g in given], total_frames)
