"""Where the face and hands are looked for, and which hand is which: pure geometry on BODY_25."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tests.support.face_media import synthetic_face, synthetic_hand
from voice.pose.regions import (
    assign_sides,
    face_roi_from_body,
    face_roi_from_mesh,
    hand_roi_from_body,
    hand_roi_from_landmarks,
)


def _body(*, wrists: bool = True, mirrored: bool = False) -> np.ndarray:
    """A person facing the camera (their right on the image's left), 100 px shoulders."""
    kp = np.zeros((25, 3))
    kp[[0, 1, 2, 3, 4, 5, 6, 7, 8]] = [
        (320, 150, 1), (320, 220, 1), (270, 220, 1), (250, 290, 1), (260, 250, 0.9),
        (370, 220, 1), (390, 290, 1), (380, 250, 0.9), (320, 380, 1),
    ]  # fmt: skip
    kp[[15, 16, 17, 18]] = [(308, 140, 1), (332, 140, 1), (295, 145, 1), (345, 145, 1)]
    if not wrists:
        kp[[3, 4, 6, 7], 2] = 0.05
    if mirrored:
        kp[:, 0] = np.where(kp[:, 2] > 0, 639 - kp[:, 0], 0)
    return kp


def test_region_rotations_follow_mediapipe() -> None:
    level = synthetic_face((320, 150), 40)
    mesh = np.zeros((468, 2))
    mesh[33], mesh[263] = level[36, :2], level[45, :2]
    mesh[:2] = level[[8, 19], :2]
    assert face_roi_from_mesh(mesh).rotation == pytest.approx(0.0)
    tilted = synthetic_face((320, 150), 40, roll_deg=20)
    mesh[33], mesh[263] = tilted[36, :2], tilted[45, :2]
    assert face_roi_from_mesh(mesh).rotation == pytest.approx(math.radians(20), abs=1e-6)
    up = synthetic_hand((300, 300), 30)
    assert hand_roi_from_landmarks(up).rotation == pytest.approx(0.0, abs=1e-6)
    right = synthetic_hand((300, 300), 30, angle_deg=90)
    assert hand_roi_from_landmarks(right).rotation == pytest.approx(math.pi / 2, abs=1e-6)
    roi = hand_roi_from_landmarks(up)
    assert roi.cy < 300
    assert roi.size == pytest.approx(2.0 * 30 * 1.4, rel=0.35)


def test_regions_from_the_body() -> None:
    body = _body()
    face = face_roi_from_body(body)
    assert face is not None
    assert (face.cx, face.cy) == (320, 150)
    assert face.rotation == pytest.approx(0.0)
    assert face.size == pytest.approx(max(3.7 * 24, 1.7 * 50, 0.75 * 100))
    hand = hand_roi_from_body(body, "right", (480, 640, 3))
    assert hand is not None
    assert hand.cy < 250
    assert hand_roi_from_body(_body(wrists=False), "right", (480, 640, 3)) is None


@pytest.mark.parametrize("wrists", [True, False])
def test_hands_go_to_the_body_side_also_when_mirrored(wrists: bool) -> None:
    right_hand, left_hand = synthetic_hand((262, 250), 20), synthetic_hand((378, 250), 20)
    body = _body(wrists=wrists)
    sides = assign_sides([left_hand[:, :2], right_hand[:, :2]], body)
    assert sides["right"][0, 0] == 262
    assert sides["left"][0, 0] == 378
    mirrored = _body(wrists=wrists, mirrored=True)
    flipped = [np.c_[639 - h[:, 0], h[:, 1]] for h in (right_hand, left_hand)]
    sides = assign_sides(flipped, mirrored)
    assert sides["right"][0, 0] == 639 - 262
    assert sides["left"][0, 0] == 639 - 378


def test_crossed_arms_follow_the_wrists_and_far_hands_are_dropped() -> None:
    body = _body()
    body[4, :2], body[7, :2] = (380, 250), (260, 250)  # wrists crossed in front of the chest
    a, b = synthetic_hand((378, 250), 20)[:, :2], synthetic_hand((262, 250), 20)[:, :2]
    sides = assign_sides([b, a], body)
    assert sides["right"][0, 0] == 378
    assert sides["left"][0, 0] == 262
    far = synthetic_hand((639, 470), 20)[:, :2]
    assert assign_sides([far], _body(wrists=False)) == {}
    assert assign_sides([a, a + 0.5], body).keys() == {"right"}  # the same hand twice counts once
