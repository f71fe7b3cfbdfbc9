"""The palm search run directly gives what MediaPipe Hands (static-image mode) gives."""

from __future__ import annotations

import numpy as np
import pytest

from tests.support.media import sample
from voice.config import Settings
from voice.media.frames import frame_plans, iter_frames
from voice.media.probe import probe
from voice.people.multi_pose import PeopleEstimator
from voice.pose.landmark_models import hand_model
from voice.pose.palm_search import PalmSearch
from voice.pose.regions import search_box

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("name", ["tv.mp4", "story.mp4"])
def test_the_same_hands_as_mediapipe_hands_on_the_upper_body(name: str) -> None:
    import cv2
    import mediapipe as mp

    video = sample(name)
    info = probe(video)
    _, plan = frame_plans(info, Settings())
    people = PeopleEstimator(Settings())
    search = PalmSearch(hand_model("lite"))
    found = 0
    with mp.solutions.hands.Hands(static_image_mode=True, max_num_hands=2, model_complexity=0) as hands:
        for fr in iter_frames(video, plan):
            if fr.index % (4 * plan.pose_every):
                continue
            body = people.estimate(fr.bgr, time_s=fr.time_s)[0].keypoints
            box = search_box(body, fr.bgr.shape)
            assert box is not None
            x0, y0, x1, y1 = box
            result = hands.process(cv2.cvtColor(fr.bgr[y0:y1, x0:x1], cv2.COLOR_BGR2RGB))
            want = [
                np.array([(p.x * (x1 - x0) + x0, p.y * (y1 - y0) + y0) for p in h.landmark])
                for h in result.multi_hand_landmarks or []
            ]
            got = search.hands(fr.bgr, box)
            assert len(got) == len(want), fr.index
            for a, b in zip(got, want, strict=True):  # crops: voice.pose.crops (warpAffine)
                assert np.median(np.hypot(*(a - b).T)) < 0.1
                assert np.hypot(*(a - b).T).max() < 0.3
            found += len(got)
    assert found >= 4
