"""Timeline: exact frame counts, time -> (from key, to key, progress) mapping, errors."""

from __future__ import annotations

import math
import random
from fractions import Fraction

import pytest
import torch

from odyssey.errors import PathError
from odyssey.paths import Timeline, frame_count


def _round_half_up(seconds: str, fps: str) -> int:
    """Reference: exact rational product of the numbers as written, halves up."""
    return math.floor(Fraction(seconds) * Fraction(fps) + Fraction(1, 2))


HALF_BOUNDARIES = [
    ("0.5", "1"),  # 0.5 -> 1 (banker's rounding gives 0)
    ("2.5", "1"),  # 2.5 -> 3 (banker's gives 2)
    ("0.1", "25"),  # 2.5
    ("0.3", "5"),  # 1.5, but 0.3 * 5 == 1.4999999999999998 in binary
    ("0.02", "25"),  # 0.5
    ("0.7", "7.5"),  # 5.25
    ("1.1", "5"),  # 5.5
    ("4.5", "3"),  # 13.5
    ("0.0625", "8"),  # 0.5 exactly in binary too
    ("3.3", "15"),  # 49.5
    ("0.35", "10"),  # 3.5, 0.35 * 10 == 3.4999999999999996 in binary
]


@pytest.mark.parametrize("seconds,fps", HALF_BOUNDARIES)
def test_frame_count_rounds_halves_up(seconds: str, fps: str) -> None:
    assert frame_count(float(seconds), float(fps)) == _round_half_up(seconds, fps)


def test_frame_count_matches_exact_rounding_on_a_sweep() -> None:
    rng = random.Random(0)
    fps_values = ["24", "25", "30", "29.97", "59.94", "12.5", "7.5", "60", "1", "23.976"]
    for _ in range(2000):
        seconds = repr(rng.randrange(0, 100_000) / 1000)  # e.g. '12.345'
        fps = rng.choice(fps_values)
        assert frame_count(float(seconds), float(fps)) == _round_half_up(seconds, fps), (seconds, fps)


def test_build_counts_frames_of_the_exact_total() -> None:
    # 0.72 + 0.58 = 1.3 s at 5 fps is 6.5 -> 7 frames, though the float sum is 1.2999999999999998.
    assert Timeline.build(2, 5.0, False, [0.72, 0.58], [0.0]).num_frames == 7
    assert Timeline.build(2, 50.0, True, [0.0, 0.0], [0.38, 0.71]).num_frames == 55


def test_frame_count_rejects_bad_input() -> None:
    for seconds, fps in [(-1.0, 10.0), (1.0, 0.0), (1.0, -5.0), (float("nan"), 10.0), (1.0, float("inf"))]:
        with pytest.raises(PathError):
            frame_count(seconds, fps)


@pytest.mark.parametrize("fps", [24.0, 25.0, 29.97, 30000 / 1001, 12.5, 60.0, 7.0])
@pytest.mark.parametrize("loop", [True, False])
def test_durations_given_as_frames_round_trip_exactly(fps: float, loop: bool) -> None:
    rng = random.Random(int(fps * 1000) + loop)
    k = 5
    hold_frames = [rng.randrange(0, 7) for _ in range(k)]
    trans_frames = [rng.randrange(1, 40) for _ in range(k if loop else k - 1)]
    timeline = Timeline.build(
        k, fps, loop, [n / fps for n in hold_frames], [n / fps for n in trans_frames]
    )
    assert timeline.num_frames == sum(hold_frames) + sum(trans_frames)
    if loop:  # frame i sits at i / fps, so every piece covers exactly its own frames
        src, dst, s = timeline.locate(torch.arange(timeline.num_frames))
        holding = (src == dst) & (s == 0)
        for key in range(k):
            assert int((holding & (src == key)).sum()) == hold_frames[key]
            assert int(((src == key) & (dst == (key + 1) % k)).sum()) == trans_frames[key]


def _reference_locate(timeline: Timeline, i: int) -> tuple[int, int, float]:
    """Slow, direct reading of the spec: walk the pieces in seconds."""
    k, total, frames = timeline.num_keys, timeline.total_seconds, timeline.num_frames
    tau = i * total / (frames if timeline.loop else frames - 1)
    t0 = 0.0
    pieces = []
    for key in range(k):
        pieces.append((timeline.holds[key], key, key, True))
        if timeline.loop or key < k - 1:
            pieces.append((timeline.transitions[key], key, (key + 1) % k, False))
    for n, (length, src, dst, hold) in enumerate(pieces):
        last = n == len(pieces) - 1
        if t0 <= tau < t0 + length or (last and tau >= t0):
            return src, dst, 0.0 if hold else (tau - t0) / length
        t0 += length
    raise AssertionError("unreachable")


@pytest.mark.parametrize("loop", [True, False])
def test_locate_matches_a_direct_reading_of_the_spec(loop: bool) -> None:
    holds = [0.37, 0.0, 1.13, 0.21]
    transitions = [1.71, 0.93, 2.07] + ([0.59] if loop else [])
    timeline = Timeline.build(4, 23.0, loop, holds, transitions)
    src, dst, s = timeline.locate(torch.arange(timeline.num_frames))
    for i in range(timeline.num_frames):
        ref_src, ref_dst, ref_s = _reference_locate(timeline, i)
        assert (int(src[i]), int(dst[i])) == (ref_src, ref_dst), i
        assert float(s[i]) == pytest.approx(ref_s, abs=1e-9), i
    assert src.dtype == dst.dtype == torch.int64
    assert bool(((s >= 0) & (s <= 1)).all())


def test_non_loop_spans_first_key_to_last_key_exactly() -> None:
    timeline = Timeline.build(2, 10.0, False, [0.0, 0.0], [1.0])
    assert timeline.num_frames == 10
    src, dst, s = timeline.locate(torch.arange(10))
    assert src.tolist() == [0] * 9 + [1]
    assert dst.tolist() == [1] * 10
    expected = [i / 9 for i in range(9)] + [0.0]  # the last frame is the last key's hold
    assert s.tolist() == pytest.approx(expected, abs=1e-12)


def test_loop_never_reaches_its_start_again() -> None:
    timeline = Timeline.build(3, 10.0, True, [0.0, 0.0, 0.0], [1.0, 1.0, 1.0])
    assert timeline.num_frames == 30
    src, dst, s = timeline.locate(torch.tensor([0, 29]))
    assert (int(src[0]), int(dst[0]), float(s[0])) == (0, 1, 0.0)
    assert (int(src[1]), int(dst[1])) == (2, 0)
    assert float(s[1]) == pytest.approx(0.9)


def test_keyframe_frames() -> None:
    loop = Timeline.build(4, 10.0, True, [0.2, 0.0, 0.5, 0.0], [1.0, 1.0, 1.0, 1.0])
    assert loop.keyframe_frames() == [0, 12, 22, 37]
    straight = Timeline.build(3, 10.0, False, [0.0, 0.0, 0.0], [1.0, 1.0], total_frames=21)
    assert straight.keyframe_frames() == [0, 10, 20]
    uneven = Timeline.build(3, 10.0, False, [0.0, 0.0, 0.0], [1.0, 1.0])  # 20 frames over 19 steps
    assert uneven.keyframe_frames() == [0, 10, 19]


def test_total_frames_override_and_properties() -> None:
    timeline = Timeline.build(2, 24.0, True, [0.5, 0.5], [1.0, 2.0], total_frames=7)
    assert timeline.num_frames == 7
    assert timeline.total_seconds == 4.0
    assert timeline.locate(torch.arange(7))[0].shape == (7,)


def test_one_frame_and_zero_length_paths() -> None:
    still = Timeline.build(3, 10.0, False, [0.0, 0.0, 0.0], [0.0, 0.0], total_frames=1)
    assert [t.tolist() for t in still.locate(torch.tensor([0]))] == [[0], [0], [0.0]]
    # Zero-length transitions are legal: the path jumps.
    jump = Timeline.build(2, 10.0, False, [0.5, 0.5], [0.0])
    src, dst, s = jump.locate(torch.arange(jump.num_frames))
    assert src.tolist() == [0] * 5 + [1] * 5 and bool((src == dst).all())


def test_bad_timelines_raise_path_error() -> None:
    bad = [
        dict(num_keys=0, fps=10.0, loop=False, holds=[], transitions=[]),
        dict(num_keys=2, fps=0.0, loop=False, holds=[0, 0], transitions=[1]),
        dict(num_keys=2, fps=10.0, loop=False, holds=[0, -1], transitions=[1]),
        dict(num_keys=2, fps=10.0, loop=False, holds=[0, 0], transitions=[float("nan")]),
        dict(num_keys=2, fps=10.0, loop=False, holds=[0], transitions=[1]),
        dict(num_keys=2, fps=10.0, loop=False, holds=[0, 0], transitions=[1, 1]),
        dict(num_keys=2, fps=10.0, loop=True, holds=[0, 0], transitions=[1]),
        dict(num_keys=2, fps=10.0, loop=False, holds=[0, 0], transitions=[0.01]),  # 0 frames
        dict(num_keys=2, fps=10.0, loop=False, holds=[0, 0], transitions=[1], total_frames=0),
        dict(num_keys=2, fps=10.0, loop=False, holds=[0, 0], transitions=[0], total_frames=5),
        dict(num_keys=2, fps=10.0, loop=False, holds=[0, 0], transitions=[1], total_frames=2.5),
    ]
    for kwargs in bad:
        with pytest.raises(PathError):
            Timeline.build(**kwargs)


def test_locate_rejects_bad_indices() -> None:
    timeline = Timeline.build(2, 10.0, False, [0.0, 0.0], [1.0])
    for indices in [torch.tensor([10]), torch.tensor([-1]), torch.tensor([0.0]), torch.zeros(2, 2, dtype=torch.long)]:
        with pytest.raises(PathError):
            timeline.locate(indices)
