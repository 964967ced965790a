"""Segment boundaries: a render of ``num_frames`` frames cut into ranges ``[start, end)``.

Every frame is a pure function of its global index (``Trajectory``), so the segments can
be rendered in any order, by any process, and joined into exactly the frames of a render
in one go. This module only does the arithmetic: how long a segment is, which segments
a ``--shard K/N`` owns, and how segments are named on disk.

Segment length is ``segment_seconds`` rounded to a whole number of frames that also lasts
a whole number of milliseconds (``frame_quantum``). WebM stores times in milliseconds and
ffmpeg's concat demuxer places each file after the previous ones by duration, so a segment
whose length falls between milliseconds would shift every later frame by a rounding error;
with whole milliseconds the offsets are exact in every container.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from odyssey.config.run_options import parse_shard  # noqa: F401 - where segments were cut by shard before
from odyssey.errors import ConfigError

DEFAULT_SEGMENT_SECONDS = 30.0


@dataclass(frozen=True, order=True)
class Segment:
    """Frames ``[start, end)`` of a render, the ``index``-th segment of its plan."""

    index: int
    start: int
    end: int

    @property
    def frames(self) -> int:
        return self.end - self.start

    @property
    def name(self) -> str:
        """The stem of its files, ``seg_000003``: six digits so names sort in plan order too
        (the join never relies on that; its list is built from the plan)."""
        return f"seg_{self.index:06d}"

    def describe(self) -> str:
        return f"segment {self.index} (frames {self.start}-{self.end - 1})"


def frame_quantum(fps: Fraction) -> int:
    """The fewest frames that last a whole number of milliseconds at ``fps`` (30 fps: 3)."""
    return (Fraction(fps) / 1000).numerator  # frames per ms, in lowest terms: n frames last d ms


def segment_length(fps: Fraction, seconds: float) -> int:
    """Frames per segment: ``seconds`` of video, rounded to a multiple of ``frame_quantum``."""
    if not seconds > 0:
        raise ConfigError(f"segment_seconds must be positive, got {seconds!r}; use e.g. 30")
    quantum = frame_quantum(fps)
    wanted = float(seconds) * float(fps)
    return max(quantum, round(wanted / quantum) * quantum)


def plan_segments(num_frames: int, fps: Fraction, seconds: float = DEFAULT_SEGMENT_SECONDS) -> list[Segment]:
    """Cut ``[0, num_frames)`` into segments of ``segment_length`` frames (the last may be shorter)."""
    if num_frames < 1:
        raise ConfigError("the path has no frames to render; give it a duration")
    length = segment_length(fps, seconds)
    starts = range(0, num_frames, length)
    return [Segment(i, start, min(start + length, num_frames)) for i, start in enumerate(starts)]


def shard_segments(segments: list[Segment], shard: tuple[int, int] | None) -> list[Segment]:
    """The segments shard ``(K, N)`` renders: round-robin, segment i goes to shard i mod N.

    Round-robin rather than contiguous blocks: every shard gets an even share (the short
    last segment aside), and the start of the video is finished first by all of them.
    """
    if shard is None:
        return list(segments)
    k, n = shard
    return [segment for segment in segments if segment.index % n == k]


def describe_indices(indices: list[int]) -> str:
    """``[0, 1, 2, 5, 7, 8]`` -> ``"0-2, 5, 7-8"``: short lists of segments for messages."""
    parts: list[str] = []
    ordered = sorted(indices)
    i = 0
    while i < len(ordered):
        j = i
        while j + 1 < len(ordered) and ordered[j + 1] == ordered[j] + 1:
            j += 1
        parts.append(str(ordered[i]) if i == j else f"{ordered[i]}-{ordered[j]}")
        i = j + 1
    return ", ".join(parts)
