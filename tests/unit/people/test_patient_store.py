"""What multi-person poses leave behind: pose files, drawings, pins, profile colours, reasons."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from tests.support.synthetic import standing
from voice import layout
from voice.drawing.overlay import EMOTION_COLOURS, OTHERS_COLOUR, Overlay, draw_overlay
from voice.narration.emotions import EmotionEvent
from voice.narration.windows import EventWindow
from voice.people.patient import PatientChoice
from voice.people.patient_store import (
    absent_patient_reasons,
    learn_appearance,
    profile_appearance,
    read_pin,
    write_pin,
)
from voice.people.pin import PersonPin, PersonPinError
from voice.people.profile import Appearance, load_profile
from voice.pose.body25 import Person, PoseFrame, pose_from_json, pose_to_json
from voice.pose.track import PoseTrack
from voice.storage import LocalStore


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


def test_the_patient_is_drawn_in_the_emotion_colour_and_the_others_in_grey() -> None:
    canvas = draw_overlay(np.zeros((360, 640, 3), np.uint8), _two(), Overlay(label_emotion="sadness"))
    left, right = canvas[:, :320].reshape(-1, 3), canvas[:, 320:].reshape(-1, 3)
    sad, grey = np.array(EMOTION_COLOURS["sadness"]), np.array(OTHERS_COLOUR)
    assert (left == sad).all(axis=1).sum() > 200, "the patient (#4, left) in the emotion's colour"
    assert (right == sad).all(axis=1).sum() == 0
    assert (right == grey).all(axis=1).sum() > 100, "the other person (#7, right) in grey"


def test_a_pin_is_stored_next_to_the_upload_and_read_back(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    upload = layout.parse_upload_key("maria/visit.MOV")
    assert read_pin(store, upload) is None
    write_pin(store, upload, PersonPin(320, 180, 2.5))
    assert (tmp_path / "videos" / "maria" / "visit.MOV.person.json").is_file()
    assert read_pin(store, upload) == PersonPin(320, 180, 2.5)


@pytest.mark.parametrize("body", [b"not json", b"[1, 2]", b'{"x": 1}', b'{"x": -1, "y": 2}'])
def test_a_broken_sidecar_is_a_typed_error(tmp_path: Path, body: bytes) -> None:
    store = LocalStore(tmp_path)
    upload = layout.parse_upload_key("maria/visit.mp4")
    store.write(layout.VIDEOS, layout.person_pin_key(upload), body)
    with pytest.raises(PersonPinError):
        read_pin(store, upload)


def _hist(hot: int) -> np.ndarray:
    h = np.full(72, 0.5 / 71)
    h[hot] = 0.5
    return h


def test_pinned_colours_are_averaged_into_the_profile_and_other_fields_stay(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    store.write(
        layout.PATIENTS,
        layout.profile_key("maria"),
        b'{"nicknames": ["Mia"], "appearance": {"hair": "dark"}}',
    )
    assert profile_appearance(load_profile(store, "maria")) is None, "a person's note is no histogram"
    learn_appearance(store, "maria", _hist(3))
    learn_appearance(store, "maria", _hist(9))
    profile = load_profile(store, "maria")
    assert profile.nicknames == ["Mia"]
    assert isinstance(profile.appearance, Appearance)
    assert profile.appearance.videos == 2
    assert profile.appearance.model_extra == {"hair": "dark"}
    colours = profile_appearance(profile)
    assert colours is not None
    np.testing.assert_allclose(colours, (_hist(3) + _hist(9)) / 2, atol=1e-5)


def _window(i: int, t: float) -> EventWindow:
    event = EmotionEvent(t, "happiness", "happy", "Maria", "Maria is happy.", negated=False, end=t + 0.3)
    return EventWindow(i, event, t - 1.0, t + 1.0)


def test_an_event_without_the_patient_in_view_says_so() -> None:
    frames = []
    for i in range(20):
        people = (Person(0, standing(160, 100)),) + ((Person(1, standing(470, 100)),) if i >= 10 else ())
        frames.append(PoseFrame(i * 5, i * 0.2, 640, 360, None, people).with_patient(1))
    track = PoseTrack(frames)
    reasons = absent_patient_reasons(
        [_window(0, 0.8), _window(1, 3.0)], track, PatientChoice(1, "pinned", "")
    )
    assert reasons == ["event 0 (happiness at 0.8 s): the patient (#1) is not in view, only #0: no sample"]
    nobody = absent_patient_reasons([_window(0, 0.8)], track, PatientChoice(None, "pinned", ""))
    assert nobody == ["event 0 (happiness at 0.8 s): no patient was chosen (pinned): no sample"]
