"""MediaPipe 33 → OpenPose BODY_25 (docs/design.md)."""

from __future__ import annotations

import json

import numpy as np

from tests.support.synthetic import standing
from voice.pose.body25 import (
    BODY25,
    MP_TO_BODY25,
    Person,
    PoseFrame,
    from_mediapipe,
    pose_from_json,
    pose_to_json,
)


def _landmarks(seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    lm = rng.uniform(0.1, 0.9, size=(33, 3))
    return lm


def test_every_slot_maps_to_the_same_named_landmark() -> None:
    mp_names = {0: "nose", 2: "left_eye", 5: "right_eye", 7: "left_ear", 8: "right_ear",
                11: "left_shoulder", 12: "right_shoulder", 13: "left_elbow", 14: "right_elbow",
                15: "left_wrist", 16: "right_wrist", 23: "left_hip", 24: "right_hip", 25: "left_knee",
                26: "right_knee", 27: "left_ankle", 28: "right_ankle", 29: "left_heel", 30: "right_heel",
                31: "left_foot_index", 32: "right_foot_index"}  # fmt: skip
    for slot, mp_index in MP_TO_BODY25.items():
        body = BODY25[slot].lower()
        mp = mp_names[mp_index]
        side = {"r": "right", "l": "left"}.get(body[0]) if body not in {"nose"} else None
        if side:
            assert mp.startswith(side), (BODY25[slot], mp)
        part = body[1:] if side else body
        part = {"bigtoe": "foot_index"}.get(part, part)
        assert part in mp, (BODY25[slot], mp)
    assert len(set(MP_TO_BODY25.values())) == len(MP_TO_BODY25), "no landmark used twice"


def test_neck_and_midhip_are_midpoints_and_small_toes_empty() -> None:
    lm = _landmarks()
    out = from_mediapipe(lm, 640, 480)
    assert out.shape == (25, 3)
    shoulders = (lm[11, :2] + lm[12, :2]) / 2 * [640, 480]
    hips = (lm[23, :2] + lm[24, :2]) / 2 * [640, 480]
    np.testing.assert_allclose(out[1, :2], shoulders)
    np.testing.assert_allclose(out[8, :2], hips)
    assert out[1, 2] == min(lm[11, 2], lm[12, 2])
    assert out[20].tolist() == [0, 0, 0]
    assert out[23].tolist() == [0, 0, 0]
    np.testing.assert_allclose(out[0], [lm[0, 0] * 640, lm[0, 1] * 480, lm[0, 2]])


def test_json_has_75_values_and_round_trips() -> None:
    kp = from_mediapipe(_landmarks(1), 1280, 720)
    frame = PoseFrame(frame=12, time_s=0.48, width=1280, height=720, keypoints=kp)
    data = pose_to_json(frame, "clip-0123456789")
    doc = json.loads(data)
    assert doc["version"] == 1.3
    assert len(doc["people"][0]["pose_keypoints_2d"]) == 75
    assert doc["voice"] == {
        "session": "clip-0123456789",
        "frame": 12,
        "time_s": 0.48,
        "width": 1280,
        "height": 720,
    }
    back = pose_from_json(data)
    np.testing.assert_allclose(back.keypoints, kp, atol=1e-3)
    assert pose_to_json(back, "clip-0123456789") == data, "byte-stable"


def test_no_person_is_an_empty_people_list() -> None:
    data = pose_to_json(PoseFrame(frame=0, time_s=0.0, width=10, height=10, keypoints=None), "s")
    assert json.loads(data)["people"] == []
    assert pose_from_json(data).keypoints is None


def _two(patient: int | None = 4) -> PoseFrame:
    people = (Person(7, standing(470, 100)), Person(4, standing(160, 100)))
    return PoseFrame(15, 0.6, 640, 360, None, people).with_patient(patient)


def test_the_pose_file_lists_everyone_by_track_id_and_marks_the_patient() -> None:
    doc = json.loads(pose_to_json(_two(), "s-0123456789"))
    assert [p["person_id"] for p in doc["people"]] == [[4], [7]]
    assert [p["patient"] for p in doc["people"]] == [True, False]
    assert doc["voice"]["patient_id"] == 4
    back = pose_from_json(pose_to_json(_two(), "s-0123456789"))
    assert back.patient_id == 4
    assert back.keypoints is not None
    np.testing.assert_allclose(back.keypoints[1, :2], (160, 100), atol=1e-3)
    assert pose_to_json(back, "s-0123456789") == pose_to_json(_two(), "s-0123456789"), "byte-stable"


def test_a_frame_without_the_patient_names_nobody_and_a_sample_keeps_the_patient_only() -> None:
    absent = _two(patient=9)
    assert absent.keypoints is None
    doc = json.loads(pose_to_json(absent, "s"))
    assert not any(p["patient"] for p in doc["people"])
    assert pose_from_json(pose_to_json(absent, "s")).keypoints is None
    assert absent.patient_only().people == ()
    sample = json.loads(pose_to_json(_two().patient_only(), "s"))
    assert [p["person_id"] for p in sample["people"]] == [[4]]
