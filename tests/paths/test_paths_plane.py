"""Plane legs and direction legs: orthonormal planes, closed curves on the shell, drawn polylines."""

from __future__ import annotations

import math

import numpy as np
import pytest

from odyssey.errors import PathError
from odyssey.paths import DirectionLeg, PlaneLeg, Start, circle, lissajous, polyline
from odyssey.paths.plane import orthonormal_axes

D = 100
rng = np.random.default_rng(0)
ORIGIN, A, B = (rng.standard_normal(D) for _ in range(3))


def frames(leg, count: int = 240) -> np.ndarray:
    return leg.points(np.zeros(count, dtype=np.int64), np.arange(count) / count)


def test_axes_are_orthonormal_and_orthogonal_to_the_origin() -> None:
    axes = orthonormal_axes(ORIGIN, [A, B])
    assert np.allclose(axes @ axes.T, np.eye(2), atol=1e-12)
    assert np.allclose(axes @ ORIGIN, 0, atol=1e-9)
    assert axes[0] @ A > 0 and axes[1] @ B > 0  # they still point toward the given axes
    with pytest.raises(PathError, match="parallel"):
        orthonormal_axes(ORIGIN, [A, 2 * A + 3 * ORIGIN])


@pytest.mark.parametrize(
    "curve",
    [circle(0.4), circle(0.3, turns=2), lissajous((0.4, 0.3), (1, 2)), lissajous((0.3, 0.3), (3, 2), 45.0)],
    ids=["circle", "circle-2-turns", "lissajous-1-2", "lissajous-3-2-phase"],
)
def test_closed_curves_start_at_the_origin_and_return_seamlessly(curve) -> None:
    leg = PlaneLeg(Start(ORIGIN), [A, B], curve, "plane", closed=True)
    x = frames(leg, 480)
    assert np.array_equal(x[0], ORIGIN) and np.array_equal(leg.end(), ORIGIN)
    steps = np.linalg.norm(np.diff(x, axis=0), axis=1)
    assert abs(np.linalg.norm(x[0] - x[-1]) / np.mean([steps[0], steps[-1]]) - 1) < 0.02
    norms = np.linalg.norm(x, axis=1)
    assert norms.min() >= min(np.linalg.norm(ORIGIN), math.sqrt(D)) - 1e-9  # on the shell, never inside it
    assert norms.max() <= max(np.linalg.norm(ORIGIN), math.sqrt(D)) + 1e-9


def test_one_plane_unit_is_a_quarter_turn() -> None:
    leg = PlaneLeg(Start(ORIGIN), [A, B], circle(0.5), "circle", closed=True)
    far = leg.points(np.array([0]), np.array([0.5]))[0]  # the point of the circle opposite its start: |c| = 1
    cos = far @ ORIGIN / (np.linalg.norm(far) * np.linalg.norm(ORIGIN))
    assert abs(cos) < 1e-9
    assert math.isclose(np.linalg.norm(far), math.sqrt(D), rel_tol=1e-9)  # as typical as an independent sample


def test_polyline_passes_through_drawn_points_scaled_to_size() -> None:
    drawn = np.array([[200.0, 100], [300, 150], [250, 300], [120, 250], [200, 100]])  # canvas pixels
    c = polyline(drawn, size=0.5, closed=True)
    s = np.linspace(0, 1, 2001)
    pts = c(s)
    assert np.allclose(pts[0], 0) and np.allclose(pts[-1], 0, atol=1e-9)
    expected = (drawn[:-1] - drawn[0]) * 0.5 / np.linalg.norm(drawn[:-1] - drawn[0], axis=1).max()
    for p in expected:  # the curve passes through every drawn point (no smoothing)
        assert np.linalg.norm(pts - p, axis=1).min() < 2e-3
    open_curve = polyline(drawn[:4], size=0.5, closed=False)
    assert np.linalg.norm(open_curve(np.array([1.0]))[0]) > 0.1
    with pytest.raises(PathError, match="two different points"):
        polyline(np.array([[1.0, 1.0], [1.0, 1.0]]), 0.5, False)


def test_direction_once_and_ping_pong() -> None:
    v = rng.standard_normal(D)
    once = DirectionLeg(Start(ORIGIN), v, 3.0, "once")
    end = once.end()
    assert end @ v > ORIGIN @ v + 2.0 and not once.closed
    bounds = sorted([np.linalg.norm(ORIGIN), math.sqrt(D)])
    assert bounds[0] - 1e-9 <= np.linalg.norm(end) <= bounds[1] + 1e-9  # on the shell between |x0| and sqrt(D)
    pong = DirectionLeg(Start(ORIGIN), v, 3.0, "ping-pong")
    x = frames(pong, 400)
    along = (x - ORIGIN) @ (v / np.linalg.norm(v))
    assert pong.closed and np.array_equal(pong.end(), ORIGIN)
    assert along.max() > 2.5 and along.min() < -2.5
    with pytest.raises(PathError, match="zero vector"):
        DirectionLeg(Start(ORIGIN), np.zeros(D), 1.0)
    with pytest.raises(PathError, match="mode"):
        DirectionLeg(Start(ORIGIN), v, 1.0, "bounce")
