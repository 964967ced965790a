"""Assembling a composed path leg by leg: timing, re-timing and the join state.

Legs are added in order. Each leg is built from ``current()`` (where the path is: the
end position of the last leg, its velocity per second under its final timing, and its
label), so legs join in position, and in velocity where the leg type can take one.

Timing of a leg: its moves' seconds (M,) and, for a keyframes leg, its holds (one per
key). With ``speed`` other than ``natural`` each move gets an arc table in a metric
(``constant``: latent distance; or any ``measure`` such as image-space change), and the
moves flagged ``open`` (no duration of their own) share their seconds in proportion to
their lengths, so the leg moves at one speed throughout.
"""

from __future__ import annotations

import math
from typing import Callable, Sequence

import numpy as np

from odyssey.errors import PathError
from odyssey.paths.composite import CompositePath, Piece, TimedLeg
from odyssey.paths.easing import get_easing
from odyssey.paths.legs import Leg, Start
from odyssey.paths.retime import ArcTable, sample_positions, share_by_length
from odyssey.paths.timeline import _round_frames

SPEEDS = ("natural", "constant", "uniform-image")
Measure = Callable[[np.ndarray, np.ndarray | None], np.ndarray]  # points (m + 1, D), labels -> steps (m,)
_MIN_SAMPLES, _MAX_SAMPLES = 32, 1 << 16
_EPS = 1e-4  # fraction of the last move used to measure the end velocity
MAX_FRAMES = 2**27  # as odyssey.config.fields.MAX_FRAMES: 25 days at 60 fps


class PathBuilder:
    """Collects timed legs; ``build`` lays them on frames. See the module docstring."""

    def __init__(
        self, latent_shape: tuple[int, ...], fps: float, loop: bool, samples_per_frame: float = 4.0, image_samples_per_frame: float = 2.0
    ) -> None:
        if not (math.isfinite(fps) and fps > 0):
            raise PathError(f"fps must be > 0; got {fps!r}")
        self.latent_shape, self.fps, self.loop = tuple(latent_shape), float(fps), bool(loop)
        self.samples_per_frame, self.image_samples_per_frame = samples_per_frame, image_samples_per_frame
        self.legs: list[TimedLeg] = []
        self.pieces: list[Piece] = []
        self.marks: list[int] = []

    def current(self) -> Start | None:
        """Where the next leg starts (None before the first leg)."""
        if not self.legs:
            return None
        timed = self.legs[-1]
        timed_pieces = [p for p in self.pieces if p.leg == len(self.legs) - 1 and p.seconds > 0]
        position = timed.leg.end()
        velocity = np.zeros_like(position)
        last = timed_pieces[-1] if timed_pieces else None
        if last is not None and last.hold_at is None:
            move = np.array([last.move, last.move])
            u = timed.progress(move, np.array([1.0 - _EPS, 1.0]))
            before, after = timed.leg.points(move, u)
            velocity = (after - before) / (_EPS * last.seconds)
        return Start(position, velocity, timed.leg.end_label())

    def _table(self, leg: Leg, move: int, seconds: float, measure: Measure | None) -> ArcTable:
        """Arc table of one move: latent chords, or ``measure``(points, labels) step lengths."""
        per_frame = self.samples_per_frame if measure is None else self.image_samples_per_frame
        count = int(min(_MAX_SAMPLES, max(_MIN_SAMPLES, math.ceil(seconds * self.fps * per_frame))))
        s = sample_positions(count)
        moves = np.full(s.shape, move, dtype=np.int64)
        points = leg.points(moves, s)  # (count + 1, D)
        if measure is None:
            return ArcTable.from_points(s, points)
        return ArcTable.from_steps(s, measure(points, leg.labels(moves, s)))

    def add(
        self,
        leg: Leg,
        seconds: Sequence[float],
        holds: Sequence[float] | None = None,
        open_moves: Sequence[bool] | None = None,
        easing: str = "linear",
        speed: str = "natural",
        measure: Measure | None = None,
        marks: Sequence[int] = (0,),
    ) -> None:
        """Append ``leg`` with move ``seconds`` (M,), key ``holds`` (keyframes legs) and pacing.

        ``marks`` are the keys (hold indices; 0 for other legs) that preview as keyframes.
        """
        if speed not in SPEEDS:
            raise PathError(f"unknown speed {speed!r}; valid: {', '.join(SPEEDS)}")
        if speed == "uniform-image" and measure is None:
            raise PathError("speed uniform-image needs an image measure (it is planned with the model)")
        seconds = [float(x) for x in seconds]
        if any(not math.isfinite(x) or x < 0 for x in seconds) or (holds and any(h < 0 for h in holds)):
            raise PathError(f"{leg.kind}: durations must be >= 0 seconds")
        moves = len(seconds)
        if moves > leg.moves:
            raise PathError(f"{leg.kind}: {moves} move durations for a leg of {leg.moves} moves")
        warps: list = [None] * moves
        if speed != "natural":
            tables = [self._table(leg, m, seconds[m], measure if speed == "uniform-image" else None) for m in range(moves)]
            warps = tables
            flags = list(open_moves) if open_moves is not None else [True] * moves
            budget = math.fsum(x for x, f in zip(seconds, flags) if f)
            shares = iter(share_by_length(budget, [t.total for t, f in zip(tables, flags) if f]))
            seconds = [next(shares) if f else x for x, f in zip(seconds, flags)]
        index = len(self.legs)
        self.legs.append(TimedLeg(leg, get_easing(easing), tuple(warps), speed))
        if holds is None:  # a leg without keys: its moves (a hold leg: one still piece)
            if 0 in marks:
                self.marks.append(len(self.pieces))
            if leg.kind == "hold":
                self.pieces.append(Piece(math.fsum(seconds), index, 0, 0.0))
            self.pieces.extend(Piece(x, index, m) for m, x in enumerate(seconds) if leg.kind != "hold")
            return
        if len(holds) not in (moves, moves + 1):
            raise PathError(f"{leg.kind}: {len(holds)} holds for {moves} moves")
        for k, hold in enumerate(holds):
            if k in marks:
                self.marks.append(len(self.pieces))
            move = min(k, max(moves - 1, 0))
            self.pieces.append(Piece(float(hold), index, move, 0.0 if k < moves or moves == 0 else 1.0))
            if k < moves:
                self.pieces.append(Piece(seconds[k], index, k))

    def frame_count(self, total_frames: int | None = None) -> int:
        """Frames of the path: ``total_frames`` if pinned, else round(seconds x fps); PathError
        outside 1 .. ``MAX_FRAMES`` (a path longer than that is a mistake, not a film)."""
        if total_frames is None:
            total_frames = _round_frames([p.seconds for p in self.pieces], self.fps) if self.pieces else 0
        if total_frames < 1:
            raise PathError(f"the path is shorter than one frame ({total_frames} frames); lengthen it or raise fps")
        if total_frames > MAX_FRAMES:
            raise PathError(f"the path has {total_frames} frames; odyssey renders at most {MAX_FRAMES} ({MAX_FRAMES / 60 / 86400:.0f} days at 60 fps): shorten it")
        return total_frames

    def build(self, total_frames: int | None = None) -> CompositePath:
        """The composed path; ``total_frames`` pins the count (default round(seconds x fps))."""
        if not self.legs:
            raise PathError("a path needs at least one leg")
        total_frames = self.frame_count(total_frames)
        if self.loop:
            start = self.legs[0].leg.start.position
            end = self.legs[-1].leg.end()
            if np.linalg.norm(end - start) > 1e-6 * max(1.0, float(np.linalg.norm(start))):
                raise PathError(
                    "a looping path must end where it starts: make it one closed leg, or end it with a keyframes leg "
                    "(which returns to the start), or set loop: false"
                )
        return CompositePath(self.legs, self.pieces, total_frames, self.loop, self.latent_shape, self.marks)
