"""The spherical spline: through every key, C1, norms never dip below the keys', periodic seams."""

from __future__ import annotations

import numpy as np
import pytest

from odyssey.errors import PathError
from odyssey.paths import SphericalSpline

D = 256


def keys(count: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal((count, D))


@pytest.mark.parametrize("loop", [False, True])
def test_passes_through_every_key_exactly(loop: bool) -> None:
    k = keys(5)
    curve = SphericalSpline(k, loop)
    assert np.array_equal(curve(np.arange(5.0)), k)
    if loop:
        assert np.array_equal(curve(np.array([5.0])), k[:1])  # u = K is key 0 again


@pytest.mark.parametrize("loop", [False, True])
def test_velocity_is_continuous_at_keys(loop: bool) -> None:
    curve = SphericalSpline(keys(5, 1), loop)
    h = 1e-5
    inner = range(0, 6) if loop else range(1, 4)
    for key in inner:
        left = (curve(np.array([key])) - curve(np.array([key - h]))) / h
        right = (curve(np.array([key + h])) - curve(np.array([key]))) / h
        assert np.linalg.norm(left - right) < 1e-3 * np.linalg.norm(left), key


def test_norms_stay_between_neighbouring_keys_unlike_a_euclidean_spline() -> None:
    from odyssey.paths import cubic_spline

    import torch

    k = keys(6, 2)
    u = np.linspace(0, 5, 2001)
    spherical = np.linalg.norm(SphericalSpline(k, False)(u), axis=1)
    euclid = np.linalg.norm(cubic_spline(torch.from_numpy(k), torch.from_numpy(u), False).numpy(), axis=1)
    key_norms = np.linalg.norm(k, axis=1)
    assert spherical.min() >= key_norms.min() - 1e-9 and spherical.max() <= key_norms.max() + 1e-9
    assert euclid.min() < 0.85 * key_norms.min()  # the washed-out middle this spline avoids
    assert abs(spherical.mean() / np.sqrt(D) - 1) < 0.02 and spherical.min() > 0.9 * np.sqrt(D)


def test_loop_seam_is_as_smooth_as_anywhere() -> None:
    curve = SphericalSpline(keys(4, 3), True)
    u = np.arange(400) * 4 / 400  # 400 frames, frame 400 would be frame 0
    x = curve(u)
    steps = np.linalg.norm(np.diff(x, axis=0), axis=1)
    seam = np.linalg.norm(x[0] - x[-1])
    assert abs(seam / np.mean([steps[0], steps[-1]]) - 1) < 0.02
    assert not np.array_equal(x[0], x[-1])


def test_start_velocity_is_honoured() -> None:
    k = keys(3, 4)
    v = np.random.default_rng(9).standard_normal(D)
    curve = SphericalSpline(k, False, start_velocity=v)
    h = 1e-6
    measured = (curve(np.array([h])) - curve(np.array([0.0]))) / h
    assert np.linalg.norm(measured - v) < 1e-3 * np.linalg.norm(v)


def test_opposite_neighbours_are_an_error() -> None:
    k = keys(2, 5)
    with pytest.raises(PathError, match="nearly opposite"):
        SphericalSpline(np.stack([k[0], -k[0]]), False)


def test_zero_key_is_an_error() -> None:
    k = keys(3)
    k[1] = 0
    with pytest.raises(PathError, match="zero vector"):
        SphericalSpline(k, False)
