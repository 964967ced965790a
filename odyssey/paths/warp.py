"""Time warps: which point of a planned path each film frame shows, as a monotone map.

A path lays its legs on frames ``0 .. N-1`` (``CompositePath``); a warp gives, for each
film frame ``k``, a position ``p[k]`` on that same frame axis (a float: paths accept
fractional frame positions). The film then shows ``path(p[k])`` instead of ``path(k)``.

Anchors pin the warp: pairs (film frame, path position), increasing in both, that the
warp passes through exactly -- the path's keyframes stay on their frames (or on the
musical events they were placed at), and a loop's seam stays at 0 and N. Between two
anchors ``(s, a)`` and ``(e, b)`` the film moves from ``a`` to ``b`` in steps that follow
an envelope (N,) in [0, 1]::

    v[k] = (1 - amount) + amount * env[k] / mean(env[s:e])     for k in [s, e)
    p[k + 1] = p[k] + (b - a) * v[k] / sum(v[s:e])

so every step is >= 0 (monotone: the film never runs backwards), a loud frame takes a
longer step (travel speeds up on hits), and each segment still ends exactly on its
anchor. ``amount`` 0 or a silent envelope gives the straight map between anchors (the
identity when the anchors are the path's own frames).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from odyssey.errors import PathError


def check_anchors(anchors: Sequence[tuple[float, float]], num_frames: int, loop: bool) -> list[tuple[int, float]]:
    """Anchors as (int frame, position), strictly increasing frames, non-decreasing positions,
    from (0, 0) to the end: frame N (a loop's seam, frame 0 again) or N - 1."""
    end = num_frames if loop else num_frames - 1
    out = [(int(round(f)), float(p)) for f, p in anchors]
    if not out or out[0] != (0, 0.0) or out[-1][0] != end:
        raise PathError(f"a warp's anchors run from frame 0 (position 0) to frame {end}; got {out[:1]} .. {out[-1:]}")
    for (f0, p0), (f1, p1) in zip(out, out[1:]):
        if f1 <= f0 or p1 < p0:
            raise PathError(f"a warp's anchors must increase; got ({f0}, {p0:g}) then ({f1}, {p1:g})")
    return out


def time_warp(anchors: Sequence[tuple[float, float]], num_frames: int, loop: bool, envelope: np.ndarray | None = None, amount: float = 0.0) -> np.ndarray:
    """Path positions (num_frames,) float64 of film frames 0..N-1 (see the module docstring)."""
    if not 0.0 <= amount <= 1.0:
        raise PathError(f"a warp's amount lies between 0 and 1 (0: no warp, 1: speed follows the music alone); got {amount:g}")
    points = check_anchors(anchors, num_frames, loop)
    span = num_frames + 1 if loop else num_frames  # frames covered including the end anchor
    env = np.zeros(span) if envelope is None else np.asarray(envelope, dtype=np.float64)
    if env.shape[0] < num_frames or not np.isfinite(env).all() or (env < 0).any():
        raise PathError(f"a warp's envelope holds {num_frames} finite values >= 0, one per frame")
    env = np.concatenate([env[:num_frames], np.zeros(max(0, span - num_frames))])
    positions = np.empty(span)
    for (s, a), (e, b) in zip(points, points[1:]):
        part = env[s:e]
        mean = part.mean()
        steps = np.ones(e - s) if mean <= 0 or amount == 0 else (1.0 - amount) + amount * part / mean
        cumulative = np.concatenate([[0.0], np.cumsum(steps)])  # (e - s + 1,)
        positions[s : e + 1] = a + (b - a) * cumulative / cumulative[-1]
    return positions[:num_frames]


def keyframe_anchors(marks: Sequence[int], num_frames: int, loop: bool) -> list[tuple[float, float]]:
    """Anchors that keep a path's own marks (keyframe frames) where they are: the identity at each."""
    end = num_frames if loop else num_frames - 1
    frames = sorted({0, end, *[int(m) for m in marks if 0 < int(m) < end]})
    return [(f, float(f)) for f in frames]


def event_frames(times: Sequence[float], fps: float, num_frames: int, loop: bool, every: int = 1) -> list[int]:
    """Musical event times (s) -> distinct film frames strictly inside the film, every ``every``-th one.

    An event lands on its nearest frame; events on the first or last frame (or a loop's
    seam), or on a frame an earlier event took, are dropped, and so are events closer than
    half the usual spacing to the start, the previous event or the end: a beat detected in
    the first frames would otherwise make the film jump from keyframe 0 to keyframe 1.
    """
    if every < 1:
        raise PathError(f"every is a whole number >= 1; got {every}")
    end = num_frames if loop else num_frames - 1
    chosen = list(times)[::every]
    frames: list[int] = []
    for t in chosen:
        frame = int(round(float(t) * fps))
        if 0 < frame < end and (not frames or frame > frames[-1]):
            frames.append(frame)
    if len(frames) < 2:
        return frames
    half = float(np.median(np.diff(frames))) / 2  # closer than half the usual spacing: a jump, not a move
    kept: list[int] = []
    for frame in frames:
        if frame - (kept[-1] if kept else 0) >= half:
            kept.append(frame)
    while kept and end - kept[-1] < half:
        kept.pop()
    return kept
