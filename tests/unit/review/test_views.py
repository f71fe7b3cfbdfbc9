from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.review import PATIENT, SESSION, synthetic_store
from voice.errors import InvalidNameError, LabelError, UnknownSessionError
from voice.records.labels import LabelRecord
from voice.records.session import PredictionRecord
from voice.review.views import agreement, patients, people_at, person_under, session_rows, session_view


def test_patients_and_their_sessions(tmp_path: Path) -> None:
    store = synthetic_store(tmp_path)
    assert [(p.patient, p.sessions) for p in patients(store)] == [(PATIENT, 1)]
    (row,) = session_rows(store, PATIENT)
    assert (row.session, row.duration_s, row.events_counted, row.events_ignored) == (SESSION, 10.0, 2, 1)
    assert not row.reviewed
    assert row.predictions == 3
    assert row.agreement == 0.5  # the sad label agrees, the happy one does not


def test_the_session_view_has_every_tier(tmp_path: Path) -> None:
    view = session_view(synthetic_store(tmp_path), PATIENT, SESSION)
    assert [w.word.strip() for w in view.words][:3] == ["Maria", "is", "happy."]
    assert len(view.events) == 3
    assert len(view.labels.labels) == 3
    assert len(view.predictions) == 3
    assert {s.person for s in view.people} == {0, 1}
    assert view.patient_track.id == 0
    assert all(s.end - s.start > 9 for s in view.people), "each person is in view throughout"


def test_people_at_a_time_and_the_person_under_a_point(tmp_path: Path) -> None:
    store = synthetic_store(tmp_path)
    boxes = people_at(store, PATIENT, SESSION, 2.0)
    assert sorted(b.person for b in boxes) == [0, 1]
    patient = next(b for b in boxes if b.patient)
    x = (patient.box[0] + patient.box[2]) / 2
    y = (patient.box[1] + patient.box[3]) / 2
    chosen = person_under(boxes, x, y)
    assert chosen is not None
    assert chosen.person == patient.person
    assert person_under(boxes, 5, 5) is None
    with pytest.raises(LabelError, match="outside the video"):
        people_at(store, PATIENT, SESSION, 11.0)


def test_unknown_and_unsafe_names_are_typed_errors(tmp_path: Path) -> None:
    store = synthetic_store(tmp_path)
    with pytest.raises(UnknownSessionError):
        session_view(store, "nobody", SESSION)
    with pytest.raises(UnknownSessionError):
        session_view(store, PATIENT, "nope-0000000000")
    with pytest.raises(InvalidNameError):
        session_view(store, PATIENT, "..")


def test_agreement_counts_only_counting_labels_with_predictions() -> None:
    def label(emotion: str, start: float, *, counts: bool = True) -> LabelRecord:
        return LabelRecord(
            id="e0123456789", kind="narrated", start=start, end=start + 2, emotion=emotion,
            status="narrated", counts=counts, trains=counts, author="narration", source="narration",
        )  # fmt: skip

    window = PredictionRecord(start=0, end=4, label="anger", probabilities={"anger": 0.6, "sadness": 0.4})
    assert agreement([label("anger", 0), label("sadness", 1)], [window]) == 0.5
    assert agreement([label("anger", 10)], [window]) is None
    assert agreement([label("sadness", 0, counts=False)], [window]) is None
