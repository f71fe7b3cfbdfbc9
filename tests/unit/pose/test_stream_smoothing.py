"""MediaPipe's one-pose smoothing: low-pass visibilities, one-euro coordinates by timestamps."""

from __future__ import annotations

import numpy as np

from voice.pose.stream_smoothing import LowPass, OneEuroStream, SinglePoseSmoothing

MS = 1_000_000


def test_the_low_pass_lets_the_first_value_through_then_blends() -> None:
    f = LowPass()
    assert f(np.array([1.0]), 0.1)[0] == 1.0
    assert np.isclose(f(np.array([0.0]), 0.1)[0], 0.9)


def test_one_euro_smooths_a_still_point_strongly_and_follows_a_fast_one() -> None:
    still, fast = OneEuroStream(0.05, 80.0, 1.0), OneEuroStream(0.05, 80.0, 1.0)
    still(200 * MS, 0.01, np.array([100.0]))
    fast(200 * MS, 0.01, np.array([100.0]))
    jitter = still(400 * MS, 0.01, np.array([100.1]))[0]
    jump = fast(400 * MS, 0.01, np.array([200.0]))[0]
    assert 100.0 < jitter < 100.03  # a tenth of a pixel on a 100 px object: mostly filtered
    assert jump > 199.0  # a jump of a whole object: followed


def test_a_timestamp_not_after_the_last_returns_the_value_unfiltered() -> None:
    f = OneEuroStream(0.05, 80.0, 1.0)
    f(200 * MS, 0.01, np.array([100.0]))
    f(400 * MS, 0.01, np.array([101.0]))
    assert f(400 * MS, 0.01, np.array([150.0]))[0] == 150.0


def test_after_time_zero_the_rate_stays_the_default() -> None:
    """A first frame at 0 starts the filter, but the rate is not taken from a gap after 0: the
    second frame is filtered at 30 Hz (MediaPipe's graph does so: tests/functional/people)."""
    at_zero, at_one = OneEuroStream(0.05, 80.0, 1.0), OneEuroStream(0.05, 80.0, 1.0)
    at_zero(0, 0.01, np.array([100.0]))
    at_one(1 * MS, 0.01, np.array([100.0]))
    assert at_zero.frequency == 30.0
    second = at_zero(200 * MS, 0.01, np.array([100.1]))[0]
    assert at_zero.frequency == 30.0
    assert 100.0 < second < 100.1
    at_one(201 * MS, 0.01, np.array([100.1]))
    assert at_one.frequency == 5.0


def test_one_pose_smoothing_filters_coordinates_and_visibility_and_resets() -> None:
    s = SinglePoseSmoothing()
    first = np.array([[100.0, 50.0, 1.0]])
    s(first, 100.0, 200 * MS)
    out = s(np.array([[101.0, 50.0, 0.0]]), 100.0, 400 * MS)
    assert 100.0 < out[0, 0] < 101.0
    assert np.isclose(out[0, 2], 0.9)
    s.reset()
    assert np.array_equal(s(np.array([[101.0, 50.0, 0.0]]), 100.0, 600 * MS), [[101.0, 50.0, 0.0]])
