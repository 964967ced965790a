"""Re-timing tables, value curves (animated psi) and the diagnostics' definitions."""

from __future__ import annotations

import numpy as np
import pytest

from odyssey.errors import PathError
from odyssey.paths import Motion, ValueCurve, diagnose
from odyssey.paths.retime import ArcTable, arc_table, share_by_length


def test_warp_gives_equal_steps_along_an_uneven_curve() -> None:
    curve = lambda s: np.stack([s**3, np.zeros_like(s)], axis=1)  # noqa: E731  slow start, fast end
    table = arc_table(curve, 2000)
    e = np.linspace(0, 1, 101)
    x = curve(table.warp(e))
    steps = np.linalg.norm(np.diff(x, axis=0), axis=1)
    assert steps.std() / steps.mean() < 0.01
    assert table.warp(np.array([0.0]))[0] == 0.0 and table.warp(np.array([1.0]))[0] == 1.0


def test_still_moves_are_left_alone_and_bad_tables_rejected() -> None:
    s = np.linspace(0, 1, 5)
    table = ArcTable.from_steps(s, np.zeros(4))
    assert np.array_equal(table.warp(s), s)
    with pytest.raises(PathError):
        ArcTable.from_steps(s, -np.ones(4))
    with pytest.raises(PathError):
        ArcTable.from_steps(np.array([0.0, 0.7, 0.5, 1.0]), np.ones(3))


def test_share_by_length() -> None:
    assert share_by_length(6.0, [1.0, 2.0, 3.0]) == [1.0, 2.0, 3.0]
    assert share_by_length(4.0, [0.0, 0.0]) == [2.0, 2.0]


def test_value_curve_is_monotone_between_points_and_holds_outside() -> None:
    curve = ValueCurve([(0.0, 1.0), (5.0, 0.6), (10.0, 1.0)])
    t = np.linspace(-2, 12, 1401)
    v = curve(t)
    assert v.min() >= 0.6 - 1e-12 and v.max() <= 1.0 + 1e-12
    assert curve(np.array([-1.0, 5.0, 11.0])).tolist() == [1.0, 0.6, 1.0]
    assert ValueCurve([(3.0, 0.7)])(np.array([0.0, 9.0])).tolist() == [0.7, 0.7]


def test_periodic_value_curve_joins_its_seam() -> None:
    curve = ValueCurve([(0.0, 1.0), (4.0, 0.5), (8.0, 0.8)], period=12.0)
    h = 1e-6
    assert abs(curve(np.array([12.0 - h]))[0] - curve(np.array([0.0]))[0]) < 1e-5
    slope_in = (curve(np.array([12.0 - h])) - curve(np.array([12.0 - 2 * h])))[0] / h
    slope_out = (curve(np.array([h])) - curve(np.array([0.0])))[0] / h
    assert abs(slope_in - slope_out) < 1e-3
    with pytest.raises(PathError, match="same value"):
        ValueCurve([(0.0, 1.0), (12.0, 0.5)], period=12.0)
    with pytest.raises(PathError, match="different times"):
        ValueCurve([(1.0, 1.0), (1.0, 0.5)])


def test_diagnostics_definitions() -> None:
    t = np.arange(100) / 100
    circle = np.stack([np.cos(2 * np.pi * t), np.sin(2 * np.pi * t)], axis=1) * 5
    loop = diagnose(Motion.of(circle), True, False)["path"]
    assert abs(loop["seam_ratio"] - 1) < 1e-9 and abs(loop["seam_ratio_local"] - 1) < 1e-9
    assert loop["speed_cv"] < 1e-9 and not loop["seam_duplicate"]
    repeated = np.concatenate([circle, circle[:1]])  # the classic off-by-one: the first frame again at the end
    bad = diagnose(Motion.of(repeated), True, False)["path"]
    assert bad["seam_duplicate"] and bad["seam_ratio"] == 0.0
    x = np.concatenate([circle[:50], circle[49:]])  # a duplicated frame where a second leg begins
    legs = diagnose(Motion.of(x), False, True, [(0, 50), (50, 101)])["legs"]
    assert legs[1]["join_duplicate"] and legs[1]["join_ratio"] == 0.0
    assert "norm_mean_ratio" in legs[0] and legs[0]["frames"] == 50


def test_motion_in_chunks_equals_motion_at_once() -> None:
    x = np.random.default_rng(0).standard_normal((37, 8))
    a, b = Motion.of(x), Motion.of_chunks([x[:5], x[5:6], x[6:30], x[30:]])
    assert np.allclose(a.steps, b.steps) and np.allclose(a.norms, b.norms) and a.seam_step == b.seam_step
