"""The pose drawn between samples: interpolated, never older than one interval, 'not found' marked."""

from __future__ import annotations

import numpy as np
import pytest

from tests.support.synthetic import moving_skeleton
from voice.drawing.interpolation import Lookahead, interpolate, pose_between
from voice.pose.body25 import PoseFrame

INTERVAL = 0.2  # 5 pose samples a second


def sample(frame: int, time_s: float, *, found: bool = True) -> PoseFrame:
    keypoints = moving_skeleton(time_s) if found else None
    return PoseFrame(frame=frame, time_s=time_s, width=1280, height=720, keypoints=keypoints)


def test_an_in_between_pose_lies_between_the_two_samples_not_on_the_older_one() -> None:
    a, b = sample(0, 1.0), sample(12, 1.2)
    drawn = interpolate(a, b, 1.05)
    assert a.keypoints is not None
    assert b.keypoints is not None
    assert drawn.keypoints is not None
    seen = a.keypoints[:, 2] > 0
    xa, xb, x = a.keypoints[seen, 0], b.keypoints[seen, 0], drawn.keypoints[seen, 0]
    assert np.all((xa < x) & (x < xb)), "every joint moved part of the way"
    # A quarter of the interval: a quarter of the way, i.e. where the body really is at 1.05 s.
    np.testing.assert_allclose(drawn.keypoints[seen, :2], moving_skeleton(1.05)[seen, :2], atol=1e-9)
    assert drawn.time_s == 1.05


def test_the_sample_times_themselves_give_the_samples() -> None:
    a, b = sample(0, 1.0), sample(12, 1.2)
    assert a.keypoints is not None
    assert b.keypoints is not None
    np.testing.assert_array_equal(interpolate(a, b, 1.0).keypoints, a.keypoints)
    np.testing.assert_array_equal(interpolate(a, b, 1.2).keypoints, b.keypoints)


def test_a_joint_seen_in_one_sample_only_is_kept_while_that_sample_is_nearer() -> None:
    a, b = sample(0, 0.0), sample(12, 0.2)
    assert a.keypoints is not None
    assert b.keypoints is not None
    b.keypoints[4] = 0.0  # the right wrist is lost in the later sample
    early, late = interpolate(a, b, 0.05), interpolate(a, b, 0.15)
    assert early.keypoints is not None
    assert late.keypoints is not None
    np.testing.assert_array_equal(early.keypoints[4], a.keypoints[4])
    assert late.keypoints[4, 2] == 0.0


@pytest.mark.parametrize(
    ("found_before", "found_after", "t", "expect"),
    [
        (True, False, 0.05, "before"),  # lost later: the older sample while it is nearer
        (True, False, 0.15, "not found"),  # ...then the frame says so
        (False, True, 0.05, "not found"),
        (False, True, 0.15, "after"),  # found again: the next sample, never a stale one
        (False, False, 0.10, "not found"),
    ],
)
def test_a_lost_patient_is_shown_as_not_found_beyond_the_nearer_sample(
    found_before: bool, found_after: bool, t: float, expect: str
) -> None:
    before, after = sample(0, 0.0, found=found_before), sample(12, 0.2, found=found_after)
    drawn = pose_between(before, after, t)
    assert drawn is not None
    if expect == "not found":
        assert drawn.keypoints is None
    else:
        want = before if expect == "before" else after
        assert want.keypoints is not None
        assert drawn.keypoints is not None
        np.testing.assert_array_equal(drawn.keypoints, want.keypoints)


def test_lookahead_holds_frames_until_the_next_sample_and_never_more_than_one_interval() -> None:
    la: Lookahead[int] = Lookahead()
    fps, stride = 30, 6
    drawn: list[tuple[int, PoseFrame | None]] = []
    held_max = 0
    for i in range(60):
        t = i / fps
        ready = la.push(i, t, sample(i, t) if i % stride == 0 else None)
        held_max = max(held_max, len(la))
        drawn += ready
    drawn += la.flush()
    assert [i for i, _ in drawn] == list(range(60)), "every frame once, in order"
    assert held_max == stride - 1
    last_sample = 54
    for i, pose in drawn:
        assert pose is not None
        assert pose.keypoints is not None
        # Up to the last sample each drawn pose is where the skeleton is at that frame's time (it
        # moves linearly); after it, the last sample (less than one interval old).
        t = min(i, last_sample) / fps
        np.testing.assert_allclose(pose.keypoints[1, 0], moving_skeleton(t)[1, 0], atol=1e-6)


def test_after_the_last_sample_frames_get_that_sample() -> None:
    la: Lookahead[int] = Lookahead()
    first = sample(0, 0.0)
    assert la.push(0, 0.0, first) == [(0, first)]
    assert la.push(1, 0.033, None) == []
    ((item, pose),) = la.flush()
    assert item == 1
    assert pose is first
