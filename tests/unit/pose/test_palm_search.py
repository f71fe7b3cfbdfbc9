"""Hands anywhere in a box: MediaPipe Hands' palm detector and regions, run directly."""

from __future__ import annotations

import math

import numpy as np
import pytest

from voice.pose.palm_search import PalmSearch, palm_region
from voice.pose.pose_detector import Detection


def _palm(wrist: tuple[float, float], middle: tuple[float, float]) -> Detection:
    """A palm box of 0.2 × 0.1 of the image centred at (0.5, 0.5), with its wrist and
    middle-finger base (keypoints 0 and 2) where given."""
    keypoints = np.zeros((7, 2))
    keypoints[0], keypoints[2] = wrist, middle
    return Detection(0.9, np.array([0.4, 0.45, 0.2, 0.1]), keypoints)


def test_an_upright_palm_gives_a_square_shifted_up_half_its_height_and_enlarged() -> None:
    roi = palm_region(_palm((0.5, 0.6), (0.5, 0.4)), (200, 100))
    assert math.isclose(roi.rotation, 0.0, abs_tol=1e-12)
    assert math.isclose(roi.cx, 100.0)
    assert math.isclose(roi.cy, 50.0 - 0.5 * 10.0)  # box 10 px high: shifted 5 px towards the fingers
    assert math.isclose(roi.size, 2.6 * 40.0)  # the longer side (40 px) × 2.6


def test_fingers_to_the_right_turn_the_region_a_quarter_and_shift_it_right() -> None:
    roi = palm_region(_palm((0.4, 0.5), (0.6, 0.5)), (100, 100))
    assert math.isclose(roi.rotation, math.pi / 2)
    assert math.isclose(roi.cx, 50.0 + 0.5 * 10.0)
    assert math.isclose(roi.cy, 50.0, abs_tol=1e-9)


@pytest.fixture(scope="module")
def search() -> PalmSearch:
    from voice.pose.landmark_models import hand_model

    return PalmSearch(hand_model("lite"))


@pytest.mark.slow
def test_on_a_sample_frame_both_hands_are_found_inside_the_upper_body_box(search: PalmSearch) -> None:
    """story.mp4's fifth pose frame: Maria with both hands in view (MediaPipe Hands finds the same
    two there: tests/functional/pose/test_palm_search.py)."""
    from tests.support.pose_frames import pose_frames
    from voice.config import Settings
    from voice.people.multi_pose import PeopleEstimator
    from voice.pose.regions import search_box

    fr = pose_frames("story.mp4", 5, every=4)[-1]
    body = PeopleEstimator(Settings()).estimate(fr.bgr, time_s=fr.time_s)[0].keypoints
    box = search_box(body, fr.bgr.shape)
    assert box is not None
    hands = search.hands(fr.bgr, box)
    assert len(hands) == 2
    x0, y0, x1, y1 = box
    for hand in hands:
        assert hand.shape == (21, 2)
        low, high = hand.min(axis=0), hand.max(axis=0)
        assert (low >= (x0 - 20, y0 - 20)).all()
        assert (high <= (x1 + 20, y1 + 20)).all()  # frame pixels, in the box (a finger may stick out)
        assert np.ptp(hand, axis=0).max() > 10  # a hand, not a point
    assert np.hypot(*(hands[0][0] - hands[1][0])) > 20  # two hands, not one twice
    assert search.hands(np.zeros_like(fr.bgr), box) == []
