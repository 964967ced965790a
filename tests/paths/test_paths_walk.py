"""Random legs: Matérn kernels, in-distribution marginals over 10,000 steps, seeds, seams, joins."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.linalg import expm

from odyssey.errors import PathError
from odyssey.paths import FourierLoopLeg, Start, WalkLeg, noise_variances, walk_variances
from odyssey.paths import matern

D = 100
FPS = 30.0
STEPS = 10_000


def start(seed: int = 1, velocity: np.ndarray | None = None) -> Start:
    return Start(np.random.default_rng(seed).standard_normal(D), velocity)


def open_walk(seconds: float = 4.0, correlation: float = 0.5, smoothness: int = 2, seed: int = 7, begin: Start | None = None) -> WalkLeg:
    return WalkLeg(begin or start(), seconds, correlation, smoothness, seed, 0.5 / FPS)


def sample(leg, frames: int) -> np.ndarray:
    return leg.points(np.zeros(frames, dtype=np.int64), np.arange(frames) / frames)


@pytest.mark.parametrize("smoothness", [0, 1, 2])
def test_kernels_match_the_state_space_model(smoothness: int) -> None:
    lam = matern.rate(0.8, smoothness)
    F, P = matern.state_space(lam, smoothness)
    t = np.array([0.0, 0.1, 0.5, 0.8, 2.0])
    cov = np.stack([expm(F * ti) @ P for ti in t])  # Cov(state(t), state(0))
    assert np.allclose(matern.correlation(lam * t, smoothness), cov[:, 0, 0], atol=1e-9)
    assert math.isclose(float(matern.correlation(np.array([lam * 0.8]), smoothness)[0]), math.exp(-1), rel_tol=1e-9)
    if smoothness:
        assert np.allclose(matern.velocity_gain(t, lam, smoothness), cov[:, 0, 1] / P[1, 1], atol=1e-9)


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda: open_walk(STEPS / FPS), id="walk"),
        pytest.param(lambda: open_walk(STEPS / FPS, smoothness=0), id="walk-rough"),
        pytest.param(lambda: FourierLoopLeg(start(), walk_variances(STEPS / FPS, 0.5, 2), STEPS / FPS, 7, "walk"), id="walk-loop"),
        pytest.param(lambda: FourierLoopLeg(start(), noise_variances(400), STEPS / FPS, 7, "noise-loop"), id="noise-loop"),
    ],
)
def test_marginals_stay_standard_normal_over_10000_steps(make) -> None:
    x = sample(make(), STEPS)  # (10000, D): correlation 0.5 s = 15 frames
    mean, std = x.mean(axis=0), x.std(axis=0)
    assert abs(mean.mean()) < 0.05 and np.abs(mean).mean() < 0.06  # per dimension, on average
    assert abs(std.mean() - 1) < 0.05
    norms = np.linalg.norm(x, axis=1)
    assert abs(norms.mean() / math.sqrt(D) - 1) < 0.02
    assert norms.min() >= min(0.9 * math.sqrt(D), norms[0]) - 1e-9


def test_same_seed_same_walk_and_other_seed_another() -> None:
    a, b, c = sample(open_walk(seed=3), 120), sample(open_walk(seed=3), 120), sample(open_walk(seed=4), 120)
    assert np.array_equal(a, b) and not np.allclose(a, c)


def test_frames_do_not_depend_on_which_frames_are_asked_for() -> None:
    leg = open_walk(seconds=40.0)  # 2400 grid steps: ten chunks
    s = np.arange(1200) / 1200
    whole = leg.points(np.zeros(1200, dtype=np.int64), s)
    rng = np.random.default_rng(0)
    pick = rng.permutation(1200)[:300]
    fresh = open_walk(seconds=40.0)
    assert np.array_equal(fresh.points(np.zeros(300, dtype=np.int64), s[pick]), whole[pick])


def test_smoothness_controls_jitter() -> None:
    rough, smooth = sample(open_walk(smoothness=0), 120), sample(open_walk(smoothness=2), 120)

    def jitter(x: np.ndarray) -> float:  # second differences relative to steps
        return float(np.linalg.norm(np.diff(x, 2, axis=0), axis=1).mean() / np.linalg.norm(np.diff(x, axis=0), axis=1).mean())

    assert jitter(smooth) < 0.3 * jitter(rough)


def test_walk_starts_at_its_start_and_continues_its_velocity() -> None:
    v = np.random.default_rng(5).standard_normal(D) * 3.0  # per second
    leg = open_walk(begin=start(2, v))
    assert np.array_equal(leg.points(np.array([0]), np.array([0.0]))[0], leg.start.position)
    h = 1e-4
    measured = (leg.points(np.array([0]), np.array([h / leg.seconds])) - leg.start.position)[0] / h
    assert np.linalg.norm(measured - v) < 0.02 * np.linalg.norm(v)


@pytest.mark.parametrize("kind", ["walk", "noise-loop"])
def test_loops_close_without_a_seam(kind: str) -> None:
    variances = walk_variances(8.0, 1.0, 2) if kind == "walk" else noise_variances(3)
    v = np.random.default_rng(6).standard_normal(D)
    for begin in (start(3), start(3, v)):  # alone, and continuing another leg's motion
        leg = FourierLoopLeg(begin, variances, 8.0, 11, kind)
        x = sample(leg, 960)
        assert np.array_equal(x[0], begin.position) and leg.closed
        assert np.array_equal(leg.end(), begin.position)
        steps = np.linalg.norm(np.diff(x, axis=0), axis=1)
        seam = np.linalg.norm(x[0] - x[-1])
        assert abs(seam / np.mean([steps[0], steps[-1]]) - 1) < 0.02
        h = 1e-6  # velocity arriving at the seam == velocity leaving it
        arrive = (leg.end() - leg.points(np.array([0]), np.array([1 - h]))[0]) / h
        leave = (leg.points(np.array([0]), np.array([h]))[0] - begin.position) / h
        assert np.linalg.norm(arrive - leave) < 1e-3 * np.linalg.norm(leave)
        if begin.velocity is not None:
            assert np.linalg.norm(leave / leg.seconds - begin.velocity) < 1e-3 * np.linalg.norm(begin.velocity)


def test_bad_settings_are_errors() -> None:
    with pytest.raises(PathError, match="smoothness"):
        open_walk(smoothness=3)
    with pytest.raises(PathError, match="correlation"):
        open_walk(correlation=0.0)
    with pytest.raises(PathError, match="harmonics"):
        noise_variances(0)


def test_a_long_walk_keeps_few_checkpoints_and_any_frame_is_the_same():
    """Memory does not grow with a walk's length; random and in-order access give the same frames."""
    from odyssey.paths.walk import MAX_CHECKPOINTS

    start = Start(np.random.default_rng(0).standard_normal(8), None, None)
    leg = WalkLeg(start, 3000.0, 2.0, 2, 5, 1 / 120)  # 360,000 grid steps, 1,407 chunks
    assert leg._every == 2 and leg._checkpoints.shape[0] <= MAX_CHECKPOINTS
    s = np.linspace(0.0, 1.0, 601)
    in_order = leg.points(np.zeros_like(s, dtype=np.int64), s)
    fresh = WalkLeg(start, 3000.0, 2.0, 2, 5, 1 / 120)
    shuffled = np.random.default_rng(1).permutation(len(s))
    random_access = np.empty_like(in_order)
    random_access[shuffled] = fresh.points(np.zeros(len(s), dtype=np.int64), s[shuffled])
    np.testing.assert_array_equal(in_order, random_access)
