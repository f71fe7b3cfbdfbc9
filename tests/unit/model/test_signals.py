"""NaN-aware statistics and time-series helpers: NaN is "not seen", never a value."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from voice.model.signals import (
    angle_at,
    derivative,
    dist,
    lean,
    line_angle,
    nan_max,
    nan_mean,
    nan_median,
    nan_percentile,
    nan_std,
    periodicity,
    quiet,
    trend,
)

NAN = np.nan


def test_statistics_ignore_what_was_not_seen() -> None:
    x = np.array([1.0, NAN, 3.0, np.inf, 5.0])
    assert nan_mean(x) == 3.0
    assert nan_median(x) == 3.0
    assert nan_max(x) == 5.0
    assert nan_percentile(x, 50) == 3.0
    assert nan_std(x) == pytest.approx(np.std([1.0, 3.0, 5.0]))


def test_nothing_seen_is_nan_and_one_value_has_no_spread() -> None:
    empty = np.array([NAN, NAN])
    for stat in (nan_mean, nan_median, nan_max, lambda x: nan_percentile(x, 90), nan_std):
        assert np.isnan(stat(empty))
    assert np.isnan(nan_std(np.array([2.0, NAN])))
    assert nan_std(np.array([2.0, NAN]), min_n=1) == 0.0


def test_geometry_of_points_per_frame() -> None:
    a, b, c = np.array([[0.0, 0.0]]), np.array([[3.0, 4.0]]), np.array([[3.0, 0.0]])
    assert dist(a, b).tolist() == [5.0]
    assert angle_at(a, c, b).tolist() == pytest.approx([90.0])
    assert angle_at(a, b, a).tolist() == pytest.approx([0.0])
    # image coordinates: y grows downwards
    assert line_angle(np.array([0.0, 0.0]), np.array([1.0, 1.0])) == pytest.approx(45.0), "b lower than a"
    assert lean(np.array([0.0, 0.0]), np.array([0.0, 10.0])) == pytest.approx(0.0), "upright"
    assert lean(np.array([10.0, 0.0]), np.array([0.0, 10.0])) == pytest.approx(45.0), "top to the right"


def test_a_missing_point_gives_a_missing_angle() -> None:
    a = np.array([[0.0, 0.0], [NAN, NAN]])
    b = np.array([[1.0, 0.0], [1.0, 0.0]])
    c = np.array([[1.0, 1.0], [1.0, 1.0]])
    with quiet():
        angles = angle_at(a, b, c)
    assert angles[0] == pytest.approx(90.0)
    assert np.isnan(angles[1])


def test_quiet_hides_the_warnings_of_all_nan_slices_only_inside() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with quiet():
            np.nanmean(np.array([NAN]))
            _ = np.array([1.0]) / 0.0
        assert caught == []
        np.nanmean(np.array([NAN]))
    assert [w.category for w in caught] == [RuntimeWarning]


def test_each_joint_is_differentiated_over_its_own_frames() -> None:
    times = np.array([0.0, 0.1, 0.2, 0.3, 0.5])
    x = 2.0 * times  # 2 px/s
    values = np.stack([np.stack([x, -x], -1), np.stack([x, x], -1)], axis=1)  # (T, 2 joints, 2)
    values[2, 1] = NAN  # joint 1 not seen at 0.2 s
    d = derivative(values, times)
    np.testing.assert_allclose(d[:, 0], [[2.0, -2.0]] * 5)
    np.testing.assert_allclose(d[[0, 1, 3, 4], 1], [[2.0, 2.0]] * 4, err_msg="the gap is bridged")
    assert np.isnan(d[2, 1]).all(), "no value invented where the joint was not seen"


def test_a_joint_seen_once_or_at_one_time_has_no_speed() -> None:
    values = np.full((3, 1, 2), NAN)
    values[1, 0] = (5.0, 5.0)
    assert np.isnan(derivative(values, np.array([0.0, 0.1, 0.2]))).all()
    repeated = np.ones((3, 1, 2))
    assert np.isnan(derivative(repeated, np.array([0.3, 0.3, 0.3]))).all()
    # a repeated timestamp among others: the first frame of each time is used
    ramp = np.arange(4.0).reshape(4, 1, 1).repeat(2, axis=2)
    d = derivative(ramp, np.array([0.0, 1.0, 1.0, 2.0]))
    assert d[0, 0, 0] == pytest.approx(1.0)
    assert np.isnan(d[2]).all()


@pytest.mark.parametrize("fps", [5.0, 25.0, 30.0])
def test_the_period_of_a_rhythm_is_found_whatever_the_frame_rate(fps: float) -> None:
    times = np.arange(0, 6.0, 1 / fps)
    signal = np.sin(2 * np.pi * times / 0.8) + 0.05 * times  # a 0.8 s rocking on a slow drift
    period, strength = periodicity(signal, times)
    assert period == pytest.approx(0.8, abs=0.1)
    assert strength > 0.6


def test_no_rhythm_in_stillness_or_too_few_samples() -> None:
    times = np.arange(0, 4.0, 0.2)
    assert all(np.isnan(periodicity(np.full(times.shape, 3.0), times)))
    assert all(np.isnan(periodicity(np.array([1.0, NAN, 2.0, NAN]), times[:4])))
    assert all(np.isnan(periodicity(np.sin(times[:3]), times[:3])))


def test_trend_is_units_per_second_over_the_seen_values() -> None:
    times = np.array([0.0, 0.5, 1.0, 1.5, 2.0])
    y = np.array([1.0, 1.5, NAN, 2.5, 3.0])
    assert trend(y, times) == pytest.approx(1.0)
    assert np.isnan(trend(np.array([1.0, NAN, NAN, NAN, 2.0]), times)), "two points are no trend"
    assert np.isnan(trend(np.ones(3), np.zeros(3))), "no time passed"
