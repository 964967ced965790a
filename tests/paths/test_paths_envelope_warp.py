"""Envelopes on film frames and monotone time warps: pure math with known answers."""

from __future__ import annotations

import numpy as np
import pytest

from odyssey.errors import PathError
from odyssey.paths import event_frames, follow, frame_envelope, keyframe_anchors, normalised, time_warp


def test_frame_k_covers_audio_time_k_over_fps():
    rate = 43.0
    impulse = np.zeros(200)
    impulse[86] = 1.0  # at exactly 2 s
    env = frame_envelope(impulse, rate, 30, 90, "max")
    assert int(np.argmax(env)) == 60 and env[60] == 1.0  # frame 60 covers [2, 2 + 1/30)
    assert env[:59].max() == 0 and env[62:].max() == 0
    ramp = np.arange(200) / rate  # value = time: each frame's mean is its centre time, exactly
    means = frame_envelope(ramp, rate, 30, 90, "mean")
    assert np.allclose(means, (np.arange(90) + 0.5) / 30)
    fast = frame_envelope(ramp, rate, 240, 10, "mean")  # frames shorter than a sample: still exact
    assert np.allclose(fast, (np.arange(10) + 0.5) / 240)
    assert frame_envelope(np.ones(10), rate, 30, 100, "max")[-1] == 1.0  # past the end: the last value held
    with pytest.raises(PathError, match="reduce is 'max' or 'mean'"):
        frame_envelope(ramp, rate, 30, 9, "median")
    with pytest.raises(PathError, match="NaN"):
        frame_envelope(np.array([0.0, np.nan]), rate, 30, 9)


def test_follower_attack_and_decay():
    hit = np.zeros(100)
    hit[10] = 1.0
    instant = follow(hit, 50, 0.0, 0.0)
    assert np.array_equal(instant, hit)
    decayed = follow(hit, 50, 0.0, 0.2)  # decay time constant 0.2 s = 10 frames
    assert decayed[10] == 1.0 and decayed[20] == pytest.approx(np.exp(-1.0))  # ten frames of exp(-1/10)
    assert np.all(np.diff(decayed[10:]) <= 0)
    step = np.concatenate([np.zeros(10), np.ones(90)])
    slow = follow(step, 50, 0.2, 0.0)
    assert slow[10] == pytest.approx(1 - np.exp(-0.1)) and slow[20] == pytest.approx(1 - np.exp(-1.1), rel=1e-6)
    with pytest.raises(PathError, match="attack and decay"):
        follow(hit, 50, -1.0, 0.0)


def test_normalised_ignores_a_lone_spike_and_keeps_silence_still():
    env = np.concatenate([np.full(999, 0.5), [100.0]])
    out = normalised(env)
    assert out.max() == 1.0 and out[0] == pytest.approx(1.0, abs=0.01)
    assert not normalised(np.zeros(50)).any()


def test_warp_is_monotone_and_keeps_its_anchors():
    rng = np.random.default_rng(1)
    env = rng.random(120) ** 4
    anchors = keyframe_anchors([30, 60, 90], 120, loop=True)
    assert anchors == [(0, 0.0), (30, 30.0), (60, 60.0), (90, 90.0), (120, 120.0)]
    warp = time_warp(anchors, 120, True, env, 0.9)
    assert warp.shape == (120,) and warp[0] == 0.0
    assert np.all(np.diff(warp) >= 0)
    assert [warp[k] for k in (30, 60, 90)] == [30.0, 60.0, 90.0]  # keyframes stay on their frames
    loud = int(np.argmax(env[:29]))
    assert np.diff(warp)[loud] == np.diff(warp)[:29].max()  # the loudest frame takes the longest step
    # the loop's seam: the step from the last frame to frame N (= 0) is part of the last segment
    assert 90 < warp[-1] < 120


def test_no_amount_or_silence_gives_the_identity():
    anchors = keyframe_anchors([20, 45], 60, loop=False)
    assert np.array_equal(time_warp(anchors, 60, False), np.arange(60.0))
    assert np.array_equal(time_warp(anchors, 60, False, np.zeros(60), 1.0), np.arange(60.0))
    assert np.allclose(time_warp(anchors, 60, False, np.ones(60), 1.0), np.arange(60.0))  # a constant envelope: even pace


def test_event_anchors_move_keyframes_onto_events():
    warp = time_warp([(0, 0.0), (10, 30.0), (50, 60.0), (59, 59.0 + 30)], 60, False)
    assert warp[10] == 30.0 and warp[50] == 60.0 and warp[59] == 89.0
    with pytest.raises(PathError, match="must increase"):
        time_warp([(0, 0.0), (10, 30.0), (10, 40.0), (59, 59.0)], 60, False)
    with pytest.raises(PathError, match="from frame 0"):
        time_warp([(1, 0.0), (59, 59.0)], 60, False)
    with pytest.raises(PathError, match="between 0 and 1"):
        time_warp([(0, 0.0), (59, 59.0)], 60, False, np.ones(60), 1.5)


def test_event_frames_take_every_nth_distinct_inner_frame():
    times = [0.0, 0.5, 1.0, 1.01, 1.5, 2.0, 3.9]
    assert event_frames(times, 10, 40, loop=False) == [5, 10, 15, 20]  # 0 and the end dropped, 1.01 shares frame 10
    assert event_frames(times, 10, 40, loop=True, every=2) == [10]  # every other event: 0.0, 1.0, 1.5, 3.9; 15 and 39 come too soon
    assert event_frames(times, 10, 40, loop=False, every=2) == [10, 15]  # frame 39 is the film's last
    with pytest.raises(PathError):
        event_frames(times, 10, 40, loop=True, every=0)
    beats = [0.02 + 0.5 * i for i in range(8)]  # a beat in the very first frame, and one 0.1 s before the end
    assert event_frames(beats, 30, 108, loop=False) == [16, 31, 46, 61, 76, 91]  # neither frame 1 nor 106: no jumps
