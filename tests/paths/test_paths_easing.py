"""Easings: the documented names, exact endpoints, monotonic, bounded; helpful errors."""

from __future__ import annotations

import pytest
import torch

from odyssey.errors import PathError
from odyssey.paths import EASINGS, get_easing

NAMES = [
    "linear", "smoothstep", "smootherstep", "cosine",
    "quad-in", "quad-out", "quad-in-out",
    "cubic-in", "cubic-out", "cubic-in-out",
    "quintic-in", "quintic-out", "quintic-in-out",
]  # fmt: skip


def test_exactly_the_documented_names() -> None:
    assert sorted(EASINGS) == sorted(NAMES)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_endpoints_monotonic_bounded(name: str, dtype: torch.dtype) -> None:
    ease = get_easing(name)
    assert ease(torch.tensor([0.0, 1.0], dtype=dtype)).tolist() == [0.0, 1.0]
    t = torch.linspace(0, 1, 10_001, dtype=dtype)
    f = ease(t)
    assert f.dtype == dtype and f.shape == t.shape
    assert bool((f.diff() >= 0).all()), "not monotonic"
    assert bool(((f >= 0) & (f <= 1)).all())
    # Outside [0, 1] the input is clamped.
    assert ease(torch.tensor([-0.5, 1.5], dtype=dtype)).tolist() == [0.0, 1.0]


@pytest.mark.parametrize(
    "name,t,value",
    [
        ("linear", 0.3, 0.3), ("smoothstep", 0.25, 0.15625), ("smootherstep", 0.25, 0.103515625),
        ("cosine", 0.25, 0.1464466094067262), ("quad-in", 0.3, 0.09), ("quad-out", 0.3, 0.51),
        ("cubic-in", 0.3, 0.027), ("cubic-out", 0.3, 0.657), ("quintic-in", 0.3, 0.00243),
        ("quintic-out", 0.3, 0.83193), ("quad-in-out", 0.3, 0.18), ("quad-in-out", 0.8, 0.92),
        ("cubic-in-out", 0.3, 0.108), ("quintic-in-out", 0.3, 0.03888),
    ],
)  # fmt: skip
def test_known_values(name: str, t: float, value: float) -> None:
    assert get_easing(name)(torch.tensor([t], dtype=torch.float64)).item() == pytest.approx(value, abs=1e-12)


@pytest.mark.parametrize("name", ["smoothstep", "smootherstep", "cosine", "quad-in-out", "cubic-in-out", "quintic-in-out"])
def test_symmetric_easings_are_point_symmetric(name: str) -> None:
    t = torch.linspace(0, 1, 101, dtype=torch.float64)
    f = get_easing(name)
    torch.testing.assert_close(f(1 - t), 1 - f(t), rtol=0, atol=1e-12)


def test_unknown_easing_lists_names_and_suggests() -> None:
    with pytest.raises(PathError) as info:
        get_easing("quad_in")
    message = str(info.value)
    assert all(name in message for name in NAMES)
    assert "did you mean 'quad-in'" in message
    with pytest.raises(PathError) as info:
        get_easing("zzz")
    assert "did you mean" not in str(info.value)
