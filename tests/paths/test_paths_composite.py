"""Composed paths: exact frame counts, any split gives the same frames, joins, loops, re-timing."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from odyssey.errors import PathError
from odyssey.paths import HoldLeg, KeyframesLeg, Motion, PathBuilder, PlaneLeg, Start, WalkLeg, circle, diagnose

D = 64
FPS = 24.0
KEYS = np.random.default_rng(0).standard_normal((4, D))
A, B = np.random.default_rng(1).standard_normal((2, D))


def tour(loop: bool = False, speed: str = "natural") -> PathBuilder:
    """keyframes -> hold -> walk -> circle (-> keyframes back to the start when looping)."""
    b = PathBuilder((D,), FPS, loop)
    b.add(KeyframesLeg(KEYS[:3], "spherical"), [1.0, 1.2], [0.0, 0.25, 0.0], speed=speed, marks=range(3))
    b.add(HoldLeg(b.current()), [0.5])
    b.add(WalkLeg(b.current(), 2.0, 0.7, 2, 3, 0.5 / FPS), [2.0], speed=speed)
    b.add(PlaneLeg(b.current(), [A, B], circle(0.3), "circle", True), [1.5], speed=speed)
    if loop:
        here = b.current()
        b.add(KeyframesLeg(np.stack([here.position, KEYS[3], KEYS[0]]), "spherical", start_velocity=here.velocity * 1.0), [1.0, 1.0], [0.0, 0.0], speed=speed)
    return b


def latents(path, frames=None) -> np.ndarray:
    frames = torch.arange(path.num_frames) if frames is None else frames
    return path.latents(frames).numpy().astype(np.float64)


@pytest.mark.parametrize("loop", [False, True])
def test_frame_count_is_exact_and_any_split_gives_the_same_frames(loop: bool) -> None:
    path = tour(loop).build()
    seconds = 1.0 + 1.2 + 0.25 + 0.5 + 2.0 + 1.5 + (2.0 if loop else 0.0)
    assert path.num_frames == math.floor(seconds * FPS + 0.5)
    whole = latents(path)
    assert whole.shape == (path.num_frames, D)
    for cuts in ([0, 7, 50, path.num_frames], [0, 1, 2, 3, path.num_frames - 1, path.num_frames]):
        parts = [latents(path, torch.arange(a, b)) for a, b in zip(cuts[:-1], cuts[1:])]
        assert np.array_equal(np.concatenate(parts), whole)
    shuffled = torch.randperm(path.num_frames, generator=torch.Generator().manual_seed(0))
    assert np.array_equal(latents(tour(loop).build(), shuffled), whole[shuffled.numpy()])
    assert tour(loop).build(total_frames=101).num_frames == 101


def test_legs_join_without_duplicated_frames_and_with_continuous_position() -> None:
    path = tour(False).build()
    x = latents(path)
    steps = np.linalg.norm(np.diff(x, axis=0), axis=1)
    ranges = path.leg_ranges()
    assert [r[0] for r in ranges] == sorted(r[0] for r in ranges) and ranges[-1][1] == path.num_frames
    for j, (first, _) in enumerate(ranges[1:], start=1):
        if j == 1 or j == 2:  # into and out of the hold: the path stands still there by design
            continue
        join = steps[first - 1]
        assert join > 0 and 0.5 < join / np.mean([steps[first - 2], steps[first]]) < 2.0, j
    diag = diagnose(Motion.of(x), False, True, ranges, ["keyframes", "hold", "walk", "circle"])
    assert all(not leg.get("join_duplicate") for leg in diag["legs"][3:])


def test_velocity_carries_into_a_walk() -> None:
    path = tour(False).build()
    x = latents(path)
    walk_first = path.leg_ranges()[2][0]
    hold_first = path.leg_ranges()[1][0]
    assert np.allclose(x[hold_first:walk_first], x[hold_first])  # the hold stands still ...
    assert np.linalg.norm(x[walk_first + 1] - x[walk_first]) < np.linalg.norm(x[walk_first + 8] - x[walk_first + 7])  # ... the walk starts from rest


def test_a_loop_must_end_where_it_started() -> None:
    b = PathBuilder((D,), FPS, True)
    b.add(KeyframesLeg(KEYS[:2], "slerp"), [1.0], [0.0, 0.0])
    b.add(WalkLeg(b.current(), 1.0, 0.5, 2, 1, 0.5 / FPS), [1.0])
    with pytest.raises(PathError, match="must end where it starts"):
        b.build()


@pytest.mark.parametrize("speed", ["natural", "constant"])
def test_looping_tour_seam(speed: str) -> None:
    path = tour(True, speed).build()
    x = latents(path)
    diag = diagnose(Motion.of(x), True, True, path.leg_ranges())["path"]
    assert not diag["seam_duplicate"] and diag["seam_step"] > 0
    assert 0.5 < diag["seam_ratio_local"] < 2.0


def test_constant_speed_evens_out_every_smooth_leg() -> None:
    results = {}
    for speed in ("natural", "constant"):
        path = tour(False, speed).build()
        results[speed] = diagnose(Motion.of(latents(path)), False, True, path.leg_ranges())["legs"]
    for j in (0, 2, 3):  # keyframes (its hold's still steps aside), walk, circle
        assert results["constant"][j]["speed_cv"] < 0.02, (j, results["constant"][j]["speed_cv"])
        assert results["natural"][j]["speed_cv"] > 0.03, j  # so the re-timing did the work
    assert results["constant"][0]["still_steps"] == results["natural"][0]["still_steps"] > 0


def test_keyframes_and_marks_land_on_frames() -> None:
    path = tour(False).build()
    marks = path.keyframe_frames()
    x = latents(path)
    assert len(marks) == 3 + 3  # three keys, then the starts of hold, walk and circle
    assert np.allclose(x[marks[0]], KEYS[0], atol=1e-6)
    assert np.allclose(x[path.num_frames - 1], path.legs[-1].leg.end(), atol=1e-6)  # the last frame is the end


def test_holds_inside_a_keyframes_leg_repeat_the_key_exactly() -> None:
    b = PathBuilder((D,), 10.0, False)
    b.add(KeyframesLeg(KEYS[:2], "slerp"), [1.0], ["0.5s" and 0.5, 0.0])
    path = b.build()
    x = path.latents(torch.arange(path.num_frames))
    assert path.num_frames == 15
    for i in range(5):
        assert torch.equal(x[i], torch.from_numpy(KEYS[0]).float())
    assert not torch.equal(x[5], x[0])


def test_bad_input_is_an_error() -> None:
    b = PathBuilder((D,), FPS, False)
    with pytest.raises(PathError, match="speed"):
        b.add(HoldLeg(Start(KEYS[0])), [1.0], speed="fast")
    with pytest.raises(PathError, match="uniform-image"):
        b.add(HoldLeg(Start(KEYS[0])), [1.0], speed="uniform-image")
    with pytest.raises(PathError, match="at least one leg"):
        b.build()
    b.add(HoldLeg(Start(KEYS[0])), [1.0])
    path = b.build()
    with pytest.raises(PathError, match="frame indices"):
        path.latents(torch.tensor([path.num_frames]))
