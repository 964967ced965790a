"""A composed path: legs laid end to end on one frame-exact time line.

The time line is a sequence of pieces, each a move of one leg (s from 0 to 1, eased,
then re-timed by the move's arc table) or a hold (one point of a leg shown for a
while). Piece boundaries are placed in frame units exactly as a keyframe ``Timeline``
places them (``piece_bounds``): frame i of T sits at i * total / T in a loop (frame T
would be frame 0 again) and at i * total / (T - 1) otherwise. A leg's first frame is
therefore never the previous leg's last: no duplicated frames at leg boundaries, and a
loop never repeats its first frame.

Every frame is a pure function of its global index: ``latents(indices)`` for any set of
indices gives the same rows, in any split. Outputs are float32 CPU tensors,
latents (n, *latent_shape), labels (n, C) or None.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np
import torch
from torch import Tensor

from odyssey.errors import PathError
from odyssey.paths.easing import Easing
from odyssey.paths.legs import Leg
from odyssey.paths.retime import ArcTable
from odyssey.paths.timeline import piece_bounds


@dataclass(frozen=True)
class Piece:
    """``seconds`` of leg ``leg``: move ``move``, or, with ``hold_at`` (0 or 1), a hold on p(move, hold_at)."""

    seconds: float
    leg: int
    move: int
    hold_at: float | None = None


@dataclass(frozen=True)
class TimedLeg:
    """A leg with its pacing: easing on every move and an optional arc table per move."""

    leg: Leg
    easing: Easing
    warps: tuple[ArcTable | None, ...]
    speed: str = "natural"

    def progress(self, move: np.ndarray, s: np.ndarray) -> np.ndarray:
        """Elapsed fractions s (n,) of moves (n,) -> the leg's natural parameters (n,)."""
        eased = self.easing(torch.from_numpy(np.asarray(s, dtype=np.float64))).numpy()
        out = eased.copy()
        for m in np.unique(move):
            table = self.warps[int(m)] if int(m) < len(self.warps) else None
            if table is not None:
                sel = move == m
                out[sel] = table.warp(eased[sel])
        return out


class CompositePath:
    """Frames [0, num_frames) of legs on pieces; see the module docstring."""

    def __init__(
        self,
        legs: Sequence[TimedLeg],
        pieces: Sequence[Piece],
        num_frames: int,
        loop: bool,
        latent_shape: tuple[int, ...],
        marks: Sequence[int] = (),
    ) -> None:
        if not legs or not pieces:
            raise PathError("a path needs at least one leg")
        if isinstance(num_frames, bool) or not isinstance(num_frames, int) or num_frames < 1:
            raise PathError(f"the path is shorter than one frame ({num_frames!r} frames); lengthen it or raise fps")
        self.legs, self.pieces = list(legs), list(pieces)
        self.num_frames, self.loop, self.latent_shape = num_frames, bool(loop), tuple(latent_shape)
        self.marks = list(marks)  # piece indices where a keyframe (or a leg's start) is shown
        self.total_seconds = math.fsum(p.seconds for p in self.pieces)
        if num_frames > 1 and self.total_seconds <= 0:
            raise PathError(f"{num_frames} frames need a total duration > 0 seconds; got 0")
        self.bounds = np.asarray(piece_bounds([p.seconds for p in self.pieces], num_frames, self.loop))  # (P + 1,)
        self._piece_leg = np.array([p.leg for p in self.pieces], dtype=np.int64)
        self._piece_move = np.array([p.move for p in self.pieces], dtype=np.int64)
        self._piece_hold = np.array([np.nan if p.hold_at is None else p.hold_at for p in self.pieces])

    # -- locating frames -------------------------------------------------------------
    def _frames(self, indices: Tensor) -> np.ndarray:
        if not isinstance(indices, Tensor) or indices.ndim != 1 or indices.is_floating_point() or indices.dtype == torch.bool:
            raise PathError("frame indices must be a 1-D integer tensor")
        frames = indices.detach().cpu().to(torch.int64).numpy()
        if frames.size and (frames.min() < 0 or frames.max() >= self.num_frames):
            raise PathError(f"frame indices must lie in [0, {self.num_frames}); got [{frames.min()}, {frames.max()}]")
        return frames

    def locate(self, frames: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Frame indices (n,) -> (piece (n,) int64, elapsed fraction s (n,) float64 of it)."""
        x = np.asarray(frames, dtype=np.float64)
        if self.num_frames == 1 or self.total_seconds <= 0:
            return np.zeros(x.shape[0], dtype=np.int64), np.zeros(x.shape[0])
        piece = np.searchsorted(self.bounds[:-1], x, side="right") - 1  # last piece starting at or before x
        start, length = self.bounds[piece], self.bounds[piece + 1] - self.bounds[piece]
        s = np.where(length > 0, (x - start) / np.where(length > 0, length, 1.0), 0.0)
        return piece, np.clip(s, 0.0, 1.0)

    def positions(self, frames: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Frame indices (n,) -> (leg (n,), move (n,), natural parameter (n,)) after easing and re-timing."""
        piece, s = self.locate(frames)
        leg, move = self._piece_leg[piece], self._piece_move[piece]
        hold = self._piece_hold[piece]
        u = np.where(np.isnan(hold), 0.0, hold)
        for j in np.unique(leg):
            sel = (leg == j) & np.isnan(hold)
            if sel.any():
                u[sel] = self.legs[int(j)].progress(move[sel], s[sel])
        return leg, move, u

    # -- frames ------------------------------------------------------------------------
    def flat_latents(self, frames: np.ndarray) -> np.ndarray:
        """Frame indices (n,) -> (n, D) float64 latents."""
        leg, move, u = self.positions(frames)
        out = np.empty((leg.shape[0], self.legs[0].leg.dim))
        for j in np.unique(leg):
            sel = leg == j
            out[sel] = self.legs[int(j)].leg.points(move[sel], u[sel])
        return out

    def latents(self, indices: Tensor) -> Tensor:
        """Latents of frames ``indices`` (n,) -> (n, *latent_shape) float32."""
        return self.latents_at(self._frames(indices))

    def latents_at(self, positions: np.ndarray) -> Tensor:
        """Latents at frame positions (n,) float (a time warp's fractional frames) -> (n, *latent_shape) float32."""
        flat = self.flat_latents(self._positions(positions))
        return torch.from_numpy(flat).to(torch.float32).reshape(flat.shape[0], *self.latent_shape)

    def _positions(self, positions: np.ndarray) -> np.ndarray:
        x = np.asarray(positions, dtype=np.float64)
        top = self.num_frames if self.loop else self.num_frames - 1
        if x.ndim != 1 or not np.isfinite(x).all() or (x.size and (x.min() < 0 or x.max() > top)):
            raise PathError(f"frame positions must be finite and lie in [0, {top}]")
        return x

    def labels(self, indices: Tensor) -> Tensor | None:
        """Soft labels of frames ``indices`` (n,) -> (n, C) float32, or None without labels."""
        return self.labels_at(self._frames(indices))

    def labels_at(self, positions: np.ndarray) -> Tensor | None:
        """Soft labels at frame positions (n,) float -> (n, C) float32, or None without labels."""
        frames = self._positions(positions)
        if self.legs[0].leg.start.label is None:
            return None
        leg, move, u = self.positions(frames)
        out = np.empty((frames.shape[0], self.legs[0].leg.start.label.shape[0]))
        for j in np.unique(leg):
            sel = leg == j
            out[sel] = self.legs[int(j)].leg.labels(move[sel], u[sel])
        return torch.from_numpy(out).to(torch.float32)

    # -- structure ---------------------------------------------------------------------
    def _first_frame(self, bound: float) -> int:
        return min(math.ceil(bound), self.num_frames - 1)

    def mark_positions(self) -> list[float]:
        """Exact frame positions (floats) of the marks: where each keyframe is reached."""
        return [float(self.bounds[p]) for p in self.marks]

    def keyframe_frames(self) -> list[int]:
        """The first frame at or after each mark (keyframes, and the start of other legs)."""
        return [self._first_frame(float(self.bounds[p])) for p in self.marks]

    def leg_ranges(self) -> list[tuple[int, int]]:
        """Frame range [start, end) of each leg; a leg too short for a frame has start == end."""
        starts = []
        for j in range(len(self.legs)):
            first = int(np.flatnonzero(self._piece_leg == j)[0])
            starts.append(min(math.ceil(self.bounds[first]), self.num_frames) if j else 0)
        starts = list(np.maximum.accumulate(starts))
        ends = starts[1:] + [self.num_frames]
        return [(int(a), int(b)) for a, b in zip(starts, ends)]
