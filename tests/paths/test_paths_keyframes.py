"""KeyframePath: seams, exact keys, splitting invariance, labels, holds, errors."""

from __future__ import annotations

import math
import random

import pytest
import torch

from odyssey.errors import PathError
from odyssey.paths import INTERPOLATIONS, KeyframePath, Timeline

D = 256


def _keys(k: int, seed: int = 0, shape: tuple[int, ...] = (D,)) -> torch.Tensor:
    return torch.randn(k, *shape, generator=torch.Generator().manual_seed(seed))


def _circle_keys(k: int, seed: int = 0) -> torch.Tensor:
    """k keys evenly spaced on a great circle of radius sqrt(D)."""
    basis = torch.linalg.qr(torch.randn(D, 2, generator=torch.Generator().manual_seed(seed)))[0].T
    angle = torch.arange(k) * 2 * math.pi / k
    return (torch.cos(angle)[:, None] * basis[0] + torch.sin(angle)[:, None] * basis[1]) * math.sqrt(D)


def _steps(path: KeyframePath) -> torch.Tensor:
    """Distance from each frame to the next, the last one wrapping to frame 0: (T,)."""
    z = path.latents_range(0, path.num_frames).double().flatten(1)
    return (z.roll(-1, dims=0) - z).norm(dim=1)


def _even_loop(k: int, fps: float = 12.0) -> Timeline:
    return Timeline.build(k, fps, True, [0.0] * k, [1.0] * k)


@pytest.mark.parametrize("interpolation", ["lerp", "slerp"])
def test_loop_seam_step_matches_the_others(interpolation: str) -> None:
    path = KeyframePath(_keys(4), _even_loop(4), interpolation)
    steps = _steps(path)
    assert float(steps.min()) > 0  # the first frame is not repeated at the end
    assert 0.8 <= float(steps[-1] / steps.median()) <= 1.25


def test_loop_seam_step_spline() -> None:
    # Keys on a circle: the periodic spline moves at near-constant speed, so any seam
    # defect would show as an odd last step.
    steps = _steps(KeyframePath(_circle_keys(4), _even_loop(4), "spline"))
    assert 0.8 <= float(steps[-1] / steps.median()) <= 1.25
    # Random keys: a spline slows near every key, so compare the seam with the steps
    # that cross the other keys.
    path = KeyframePath(_keys(5, seed=1), _even_loop(5), "spline")
    steps = _steps(path)
    crossing = steps[[frame - 1 for frame in path.timeline.keyframe_frames()[1:]]]
    assert 0.8 <= float(steps[-1] / crossing.median()) <= 1.25


@pytest.mark.parametrize("interpolation", INTERPOLATIONS)
def test_loop_never_repeats_its_first_frame(interpolation: str) -> None:
    path = KeyframePath(_keys(3), _even_loop(3), interpolation)
    z = path.latents_range(0, path.num_frames)
    assert path.num_frames == 36
    assert torch.equal(z[0], _keys(3)[0])
    assert not torch.allclose(z[-1], z[0], atol=1e-3)


@pytest.mark.parametrize("interpolation", INTERPOLATIONS)
@pytest.mark.parametrize("easing", ["linear", "cubic-in-out", "quad-out"])
def test_non_loop_starts_and_ends_on_the_keys(interpolation: str, easing: str) -> None:
    keys = _keys(4, seed=2)
    timeline = Timeline.build(4, 10.0, False, [0.0] * 4, [0.7, 1.3, 0.9])
    path = KeyframePath(keys, timeline, interpolation, easing)
    z = path.latents(torch.tensor([0, path.num_frames - 1]))
    assert torch.equal(z[0], keys[0]) and torch.equal(z[1], keys[-1])


@pytest.mark.parametrize(
    "timeline",
    [
        Timeline.build(4, 10.0, True, [0.0] * 4, [1.0, 0.6, 1.2, 0.8]),
        Timeline.build(4, 10.0, False, [0.0] * 4, [1.0, 1.0, 1.0], total_frames=31),
        Timeline.build(4, 10.0, False, [0.3, 0.5, 0.2, 0.4], [1.0, 1.3, 0.7]),
    ],
)
def test_spline_passes_through_keys_at_keyframe_frames(timeline: Timeline) -> None:
    keys = _keys(4, seed=3)
    path = KeyframePath(keys, timeline, "spline", "smoothstep")
    z = path.latents(torch.tensor(timeline.keyframe_frames()))
    assert torch.equal(z, keys)


@pytest.mark.parametrize("interpolation", INTERPOLATIONS)
@pytest.mark.parametrize("loop", [True, False])
def test_any_split_into_ranges_gives_identical_frames(interpolation: str, loop: bool) -> None:
    keys = _keys(5, seed=4, shape=(3, 4, 5))
    labels = torch.eye(5)[[0, 2, 1, 4, 3]]
    timeline = Timeline.build(5, 24.0, loop, [0.1, 0.0, 0.3, 0.0, 0.2], [0.9, 0.5, 1.1, 0.7] + ([0.6] if loop else []))
    path = KeyframePath(keys, timeline, interpolation, "cosine", labels=labels)
    whole_z = path.latents_range(0, path.num_frames)
    whole_y = path.labels_range(0, path.num_frames)
    assert whole_z.shape == (path.num_frames, 3, 4, 5) and whole_z.dtype == torch.float32
    rng = random.Random(5)
    for _ in range(3):
        cuts = sorted({0, path.num_frames, *rng.sample(range(1, path.num_frames), 6)})
        pieces = list(zip(cuts[:-1], cuts[1:]))
        assert torch.equal(torch.cat([path.latents_range(a, b) for a, b in pieces]), whole_z)
        assert torch.equal(torch.cat([path.labels_range(a, b) for a, b in pieces]), whole_y)
    shuffled = torch.randperm(path.num_frames, generator=torch.Generator().manual_seed(6))
    assert torch.equal(path.latents(shuffled), whole_z[shuffled])


@pytest.mark.parametrize("loop", [True, False])
def test_labels_stay_on_the_simplex_and_are_one_hot_at_keys(loop: bool) -> None:
    classes = [3, 0, 7, 3]
    labels = torch.eye(10)[classes]
    holds = [0.2, 0.0, 0.0, 0.2]
    if loop:
        timeline = Timeline.build(4, 10.0, True, holds, [1.0, 0.5, 1.5, 1.0])
    else:  # 35 frames over 3.4 s: frame i at i / 10 s, so every key falls on a frame
        timeline = Timeline.build(4, 10.0, False, holds, [1.0, 0.5, 1.5], total_frames=35)
    path = KeyframePath(_keys(4), timeline, "slerp", "smootherstep", labels=labels)
    y = path.labels_range(0, path.num_frames)
    assert y.shape == (path.num_frames, 10)
    torch.testing.assert_close(y.sum(dim=1), torch.ones(path.num_frames), rtol=0, atol=1e-6)
    assert bool((y >= 0).all())
    assert torch.equal(path.labels(torch.tensor(timeline.keyframe_frames())), labels)
    assert int((y.max(dim=1).values < 1).sum()) > path.num_frames // 2  # soft in between
    assert KeyframePath(_keys(4), timeline).labels(torch.tensor([0])) is None


@pytest.mark.parametrize("interpolation", INTERPOLATIONS)
def test_holds_show_their_key_for_exactly_their_frames(interpolation: str) -> None:
    fps = 25.0
    hold_frames, trans_frames = [6, 0, 13], [10, 7, 9]
    keys = _keys(3, seed=7)
    timeline = Timeline.build(3, fps, True, [n / fps for n in hold_frames], [n / fps for n in trans_frames])
    path = KeyframePath(keys, timeline, interpolation, "quintic-in-out")
    z = path.latents_range(0, path.num_frames)
    start = 0
    for key in range(3):
        held = z[start : start + hold_frames[key]]
        assert torch.equal(held, keys[key].expand_as(held))
        # The transition's first frame is the key itself; the next one has moved on.
        assert torch.equal(z[start + hold_frames[key]], keys[key])
        assert not torch.equal(z[start + hold_frames[key] + 1], keys[key])
        start += hold_frames[key] + trans_frames[key]
    assert start == path.num_frames


@pytest.mark.parametrize("interpolation", INTERPOLATIONS)
@pytest.mark.parametrize("loop", [True, False])
def test_single_key_is_a_still(interpolation: str, loop: bool) -> None:
    key = _keys(1, shape=(2, 8))
    timeline = Timeline.build(1, 10.0, loop, [1.0], [0.5] if loop else [])
    path = KeyframePath(key, timeline, interpolation)
    z = path.latents_range(0, path.num_frames)
    assert path.num_frames == (15 if loop else 10) and path.latent_shape == (2, 8) and path.loop == loop
    assert torch.equal(z, key.expand_as(z))


def test_bad_paths_raise_path_error() -> None:
    timeline = Timeline.build(3, 10.0, False, [0.0] * 3, [1.0, 1.0])
    keys = _keys(3)
    with pytest.raises(PathError):
        KeyframePath(_keys(2), timeline)
    with pytest.raises(PathError):
        KeyframePath(torch.zeros(3), timeline)
    with pytest.raises(PathError, match="lerp, slerp, spline"):
        KeyframePath(keys, timeline, "bezier")
    with pytest.raises(PathError, match="did you mean"):
        KeyframePath(keys, timeline, "slerp", "cubic-inout")
    with pytest.raises(PathError):
        KeyframePath(keys, timeline, labels=torch.eye(2))
    bad_keys = keys.clone()
    bad_keys[1, 0] = float("nan")
    with pytest.raises(PathError):
        KeyframePath(bad_keys, timeline)
    path = KeyframePath(keys, timeline, labels=torch.eye(3))
    for start, end in [(-1, 3), (5, 4), (0, path.num_frames + 1)]:
        with pytest.raises(PathError):
            path.latents_range(start, end)
    with pytest.raises(PathError):
        path.latents(torch.tensor([path.num_frames]))
    with pytest.raises(PathError):
        path.labels(torch.tensor([-1]))
