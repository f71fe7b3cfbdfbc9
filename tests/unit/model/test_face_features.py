"""The facial features on synthetic OpenPose faces: they move the way the face moves (a rising
smile, an open mouth, raised brows), and a tilted head is not a smile."""

from __future__ import annotations

import pytest

from tests.support.face_hand_windows import window
from voice.model.face_features import FACE_FEATURE_NAMES, extract_face_features


def test_a_rising_smile_rises_and_a_neutral_face_does_not() -> None:
    idx = FACE_FEATURE_NAMES.index
    rising = extract_face_features(window(lambda t: {"smile": t / 4.0}))
    neutral = extract_face_features(window())
    frowning = extract_face_features(window(lambda t: {"smile": -t / 4.0}))
    assert rising[idx("face_smile_trend")] > 0.02
    assert abs(neutral[idx("face_smile_trend")]) < 0.005
    assert frowning[idx("face_smile_trend")] < -0.02
    assert rising[idx("face_smile_med")] > neutral[idx("face_smile_med")] > frowning[idx("face_smile_med")]
    # a tilted head is not a smile: the face is measured level
    tilted = extract_face_features(window(lambda t: {"roll_deg": 20.0}))
    assert tilted[idx("face_smile_med")] == pytest.approx(neutral[idx("face_smile_med")], abs=1e-3)
    assert tilted[idx("face_head_roll_med")] == pytest.approx(20.0, abs=0.5)


def test_expressions_move_their_own_features() -> None:
    idx = FACE_FEATURE_NAMES.index
    base = extract_face_features(window())
    for params, name in (
        ({"mouth_open": 1.0}, "face_mouth_open_med"),
        ({"brows": 1.0}, "face_brow_height_med"),
        ({"eyes": 2.0}, "face_eye_open_r_med"),
        ({"eyes": 2.0}, "face_eye_open_l_med"),
        ({"yaw": 0.5}, "face_head_yaw_med"),
    ):
        moved = extract_face_features(window(lambda t, p=params: p))  # type: ignore[misc]
        assert moved[idx(name)] > base[idx(name)] + 0.05, name
