"""The patient's data in the store: the upload's pin, the profile's learnt colours, "not in view" reasons."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.support.synthetic import standing
from voice import layout
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
from voice.pose.body25 import Person, PoseFrame
from voice.pose.track import PoseTrack
from voice.storage import LocalStore


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
