"""lerp, slerp and cubic_spline: exactness, norms, degenerate inputs, batching."""

from __future__ import annotations

import math

import pytest
import torch

from odyssey.errors import PathError
from odyssey.paths import cubic_spline, lerp, slerp


def _angles(rows: torch.Tensor) -> torch.Tensor:
    """Angles between consecutive rows (N, D) -> (N - 1,)."""
    u = rows / rows.norm(dim=1, keepdim=True)
    return 2 * torch.atan2((u[1:] - u[:-1]).norm(dim=1), (u[1:] + u[:-1]).norm(dim=1))


def _pair(a: torch.Tensor, b: torch.Tensor, n: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """a, b (D,) -> repeated (n, D) pair and t = linspace(0, 1, n)."""
    t = torch.linspace(0, 1, n, dtype=torch.float64)
    return a.expand(n, -1).clone(), b.expand(n, -1).clone(), t


def test_lerp_endpoints_exact_and_midpoint() -> None:
    g = torch.Generator().manual_seed(0)
    a, b = torch.randn(4, 7, generator=g), torch.randn(4, 7, generator=g)
    assert torch.equal(lerp(a, b, torch.zeros(4)), a)
    assert torch.equal(lerp(a, b, torch.ones(4)), b)
    torch.testing.assert_close(lerp(a, b, torch.full((4,), 0.5)), (a + b) / 2)
    assert lerp(a, b, torch.zeros(4)).dtype == torch.float32


def test_slerp_matches_the_analytic_circle() -> None:
    a, b, t = _pair(torch.tensor([1.0, 0.0], dtype=torch.float64), torch.tensor([0.0, 2.0], dtype=torch.float64), 9)
    out = slerp(a, b, t)
    angle, radius = t * math.pi / 2, 1 + t
    expected = torch.stack([radius * torch.cos(angle), radius * torch.sin(angle)], dim=1)
    torch.testing.assert_close(out, expected, rtol=0, atol=1e-12)


@pytest.mark.parametrize("angle", [1e-3, 0.5, 1.5, 3.0, math.pi - 1e-3])
def test_slerp_keeps_norms_and_constant_angular_speed(angle: float) -> None:
    g = torch.Generator().manual_seed(1)
    basis = torch.linalg.qr(torch.randn(64, 2, generator=g, dtype=torch.float64))[0].T  # (2, 64)
    a = 3.0 * basis[0]
    b = 7.0 * (math.cos(angle) * basis[0] + math.sin(angle) * basis[1])
    a_rows, b_rows, t = _pair(a, b, 33)
    out = slerp(a_rows, b_rows, t)
    torch.testing.assert_close(out.norm(dim=1), 3.0 + 4.0 * t, rtol=1e-12, atol=0)
    steps = _angles(out)
    torch.testing.assert_close(steps, torch.full_like(steps, angle / 32), rtol=1e-7, atol=0)


def test_slerp_endpoints_exact_and_dtype_kept() -> None:
    g = torch.Generator().manual_seed(2)
    a, b = torch.randn(5, 16, generator=g), torch.randn(5, 16, generator=g)
    assert torch.equal(slerp(a, b, torch.zeros(5)), a)
    assert torch.equal(slerp(a, b, torch.ones(5)), b)
    assert slerp(a, b, torch.full((5,), 0.3)).dtype == torch.float32
    assert slerp(a.double(), b.double(), torch.full((5,), 0.3)).dtype == torch.float64


def test_slerp_parallel_vectors() -> None:
    a = torch.tensor([1.0, 2.0, -2.0], dtype=torch.float64)
    for b in (2.5 * a, a + torch.tensor([0.0, 1e-7, 0.0], dtype=torch.float64)):
        a_rows, b_rows, t = _pair(a, b, 11)
        out = slerp(a_rows, b_rows, t)
        assert bool(torch.isfinite(out).all())
        torch.testing.assert_close(out.norm(dim=1), (1 - t) * a.norm() + t * b.norm(), rtol=1e-12, atol=0)
        torch.testing.assert_close(out, lerp(a_rows, b_rows, t), rtol=0, atol=1e-6)


@pytest.mark.parametrize("offset", [0.0, 1e-6])
def test_slerp_antiparallel_turns_through_a_fixed_perpendicular(offset: float) -> None:
    a = torch.tensor([0.3, -1.0, 0.7, 2.0], dtype=torch.float64)
    b = -2.0 * a + offset * torch.tensor([0.0, 0.0, 1.0, 0.0], dtype=torch.float64)
    a_rows, b_rows, t = _pair(a, b, 41)
    out = slerp(a_rows, b_rows, t)
    assert bool(torch.isfinite(out).all())
    assert torch.equal(out[0], a) and torch.equal(out[-1], b)
    torch.testing.assert_close(out.norm(dim=1), (1 - t) * a.norm() + t * b.norm(), rtol=1e-12, atol=0)
    # Halfway it stands on the Gram-Schmidt of the axis where |a| is smallest (axis 0).
    a_hat = a / a.norm()
    p = torch.tensor([1.0, 0.0, 0.0, 0.0], dtype=torch.float64) - a_hat[0] * a_hat
    torch.testing.assert_close(out[20] / out[20].norm(), p / p.norm(), rtol=0, atol=1e-9)
    # It turns steadily away from a, a quarter turn per half.
    from_a = torch.stack([_angles(torch.stack([a, row]))[0] for row in out])
    assert bool((from_a.diff() > 0).all())
    torch.testing.assert_close(_angles(out), torch.full((40,), math.pi / 40, dtype=torch.float64), rtol=1e-5, atol=0)


def test_slerp_zero_vectors_fall_back_to_lerp() -> None:
    b = torch.tensor([0.0, 3.0, 4.0])
    t = torch.linspace(0, 1, 5)
    zero = torch.zeros(5, 3)
    torch.testing.assert_close(slerp(zero, b.expand(5, -1), t), t[:, None] * b)
    torch.testing.assert_close(slerp(b.expand(5, -1), zero, t), (1 - t)[:, None] * b)
    assert torch.equal(slerp(zero, zero, t), zero)


def test_slerp_one_dimensional_antiparallel_is_finite() -> None:
    out = slerp(torch.tensor([[2.0]] * 3), torch.tensor([[-2.0]] * 3), torch.tensor([0.0, 0.5, 1.0]))
    assert out.flatten().tolist() == [2.0, 0.0, -2.0]


def test_slerp_batched_equals_elementwise_on_mixed_rows() -> None:
    g = torch.Generator().manual_seed(3)
    a = torch.randn(8, 32, generator=g)
    b = torch.randn(8, 32, generator=g)
    b[1] = 2 * a[1]  # parallel
    b[2] = -a[2]  # antiparallel
    a[3] = 0  # zero
    b[4] = a[4] + 1e-6  # nearly parallel
    t = torch.rand(8, generator=g)
    batched = slerp(a, b, t)
    assert bool(torch.isfinite(batched).all())
    one_by_one = torch.cat([slerp(a[i : i + 1], b[i : i + 1], t[i : i + 1]) for i in range(8)])
    assert torch.equal(batched, one_by_one)


def test_slerp_is_finite_across_every_angle() -> None:
    angles = torch.cat([torch.linspace(0, math.pi, 2001), torch.tensor([1e-5, 1e-4, math.pi - 1e-4, math.pi - 1e-5])])
    angles = angles.to(torch.float64)
    a = torch.stack([torch.ones_like(angles), torch.zeros_like(angles), torch.zeros_like(angles)], dim=1)
    b = torch.stack([torch.cos(angles), torch.sin(angles), torch.zeros_like(angles)], dim=1)
    for tv in (0.0, 0.25, 0.5, 0.75, 1.0):
        out = slerp(a, b, torch.full_like(angles, tv))
        assert bool(torch.isfinite(out).all())
        torch.testing.assert_close(out.norm(dim=1), torch.ones_like(angles), rtol=1e-9, atol=0)


def test_interpolation_rejects_bad_shapes() -> None:
    a = torch.zeros(3, 4)
    for fn in (lerp, slerp):
        with pytest.raises(PathError):
            fn(a, torch.zeros(3, 5), torch.zeros(3))
        with pytest.raises(PathError):
            fn(a, a, torch.zeros(2))
        with pytest.raises(PathError):
            fn(torch.zeros(4), torch.zeros(4), torch.zeros(1))
    with pytest.raises(PathError):
        slerp(a, a, torch.full((3,), 1.5))


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("loop", [False, True])
def test_cubic_spline_passes_through_every_key(loop: bool, dtype: torch.dtype) -> None:
    g = torch.Generator().manual_seed(4)
    keys = torch.randn(5, 64, generator=g, dtype=dtype)
    u = torch.arange(5, dtype=torch.float64)
    assert torch.equal(cubic_spline(keys, u, loop), keys)
    if loop:
        assert torch.equal(cubic_spline(keys, u + 5, loop), keys)
        assert torch.equal(cubic_spline(keys, torch.tensor([5.0]), loop)[0], keys[0])


def test_cubic_spline_two_keys_is_a_line() -> None:
    keys = torch.tensor([[0.0, 1.0], [4.0, -1.0]], dtype=torch.float64)
    u = torch.linspace(0, 1, 9, dtype=torch.float64)
    torch.testing.assert_close(cubic_spline(keys, u, False), lerp(keys[:1].expand(9, -1), keys[1:].expand(9, -1), u))


def test_cubic_spline_loop_is_c2_across_the_seam() -> None:
    g = torch.Generator().manual_seed(5)
    keys = torch.randn(4, 3, generator=g, dtype=torch.float64)
    h = 1e-3
    z = cubic_spline(keys, torch.tensor([-2 * h, -h, 0.0, h, 2 * h], dtype=torch.float64), True)
    left_d1, right_d1 = (z[2] - z[1]) / h, (z[3] - z[2]) / h
    left_d2, right_d2 = (z[2] - 2 * z[1] + z[0]) / h**2, (z[4] - 2 * z[3] + z[2]) / h**2
    torch.testing.assert_close(left_d1, right_d1, rtol=0, atol=0.05)
    torch.testing.assert_close(left_d2, right_d2, rtol=0, atol=0.1)
    # Without looping the same keys have a corner at the wrap: the spline is not periodic.
    open_end = cubic_spline(keys, torch.tensor([3 - h, 3.0], dtype=torch.float64), False)
    open_start = cubic_spline(keys, torch.tensor([0.0, h], dtype=torch.float64), False)
    assert not torch.allclose((open_end[1] - open_end[0]) / h, (open_start[1] - open_start[0]) / h, atol=0.05)


def test_cubic_spline_errors_and_single_key() -> None:
    keys = torch.randn(3, 2)
    with pytest.raises(PathError):
        cubic_spline(keys, torch.tensor([2.5]), False)
    with pytest.raises(PathError):
        cubic_spline(keys, torch.tensor([-0.1]), False)
    with pytest.raises(PathError):
        cubic_spline(torch.zeros(3), torch.tensor([0.0]), False)
    single = torch.tensor([[1.0, 2.0]])
    assert torch.equal(cubic_spline(single, torch.tensor([0.0, 0.0]), False), single.expand(2, -1))
    assert torch.equal(cubic_spline(single, torch.tensor([0.3, 7.0]), True), single.expand(2, -1))
