"""The hand features on synthetic OpenPose hands: a hand to the mouth is an event, resting hands
are not, flapping has a period."""

from __future__ import annotations

import pytest

from tests.support.face_hand_windows import flapping, to_mouth, window
from voice.model.hand_features import HAND_FEATURE_NAMES, extract_hand_features


def test_hand_to_mouth_is_an_event_and_resting_hands_are_not() -> None:
    idx = HAND_FEATURE_NAMES.index
    reach = extract_hand_features(window(hands=to_mouth))
    rest = extract_hand_features(window(hands=lambda t: ((250, 330), (390, 330))))
    assert reach[idx("hand_mouth_events")] == pytest.approx(1 / 4.0)  # one episode in 4 s
    assert 0.1 < reach[idx("hand_mouth_share")] < 0.5
    assert rest[idx("hand_mouth_share")] == 0.0
    assert rest[idx("hand_mouth_events")] == 0.0
    assert reach[idx("hand_face_dist_r")] < rest[idx("hand_face_dist_r")]
    assert reach[idx("hand_speed_r")] > 1.0
    assert rest[idx("hand_speed_l")] < 0.01
    flap = extract_hand_features(window(hands=flapping))
    # the autocorrelation of a 1 s period at lag 1 s over a 4 s window is at most (4 − 1) / 4
    assert flap[idx("hand_autocorr")] > 0.6
    assert flap[idx("hand_period_s")] == pytest.approx(1.0, abs=0.1)
