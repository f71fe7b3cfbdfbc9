"""The "unsure" provider: every prediction window the calibrated model was unsure of, from the
stored sessions' metadata, less sure first; registered when the review package is imported."""

from __future__ import annotations

from pathlib import Path

import voice.review  # noqa: F401  (registers the providers)
from tests.support.records import session_metadata
from voice import layout
from voice.records.session import PredictionRecord
from voice.review.items import providers, to_review
from voice.review.unsure import unsure_items, why
from voice.storage import LocalStore


def _prediction(start: float, probabilities: dict[str, float], unsure: bool) -> dict[str, object]:
    top = max(probabilities, key=lambda k: probabilities[k])
    return {"start": start, "end": start + 4, "label": top, "probabilities": probabilities, "unsure": unsure}


def _store(tmp_path: Path) -> LocalStore:
    store = LocalStore(tmp_path)
    sure = _prediction(0.0, {"happiness": 0.9, "sadness": 0.1}, False)
    a = _prediction(4.0, {"happiness": 0.41, "sadness": 0.35, "anger": 0.24}, True)
    b = _prediction(8.0, {"happiness": 0.55, "sadness": 0.45}, True)
    for session, predictions in (("garden-1a2b3c4d5e", [sure, a]), ("park-0a0b0c0d0e", [b])):
        meta = session_metadata(session=session, predictions=predictions)
        store.write(
            layout.VIDEOS, layout.metadata_key("maria", session), meta.model_dump_json(by_alias=True).encode()
        )
    store.write(layout.VIDEOS, layout.metadata_key("maria", "broken-0000000000"), b"{not json")
    store.write(layout.VIDEOS, "annotated/maria/frames/x_metadata.json", b"{}")  # not a session's file
    return store


def test_unsure_windows_become_items_less_sure_first(tmp_path: Path) -> None:
    items = list(unsure_items(_store(tmp_path), "maria"))
    assert sorted((i.session, i.start, i.end) for i in items) == [
        ("garden-1a2b3c4d5e", 4.0, 8.0),
        ("park-0a0b0c0d0e", 8.0, 12.0),
    ]
    assert {i.kind for i in items} == {"unsure"}
    ranked = to_review(_store(tmp_path), "maria", using={"unsure": unsure_items})
    assert [(i.session, round(i.score, 2)) for i in ranked] == [
        ("garden-1a2b3c4d5e", 0.59),
        ("park-0a0b0c0d0e", 0.45),
    ]
    assert ranked[0].why == "The model is unsure here: happiness 41 %, sadness 35 %."


def test_the_provider_is_registered_and_a_patient_without_sessions_has_none(tmp_path: Path) -> None:
    assert providers()["unsure"] is unsure_items
    assert list(unsure_items(LocalStore(tmp_path), "maria")) == []


def test_why_names_the_two_likeliest_emotions() -> None:
    p = PredictionRecord(
        start=0,
        end=4,
        label="anger",
        probabilities={"anger": 0.5, "neutral": 0.3, "sadness": 0.2},
        unsure=True,
    )
    assert why(p) == "The model is unsure here: anger 50 %, neutral 30 %."
    empty = PredictionRecord(start=0, end=4, label="anger", probabilities={}, unsure=True)
    assert why(empty) == "The model is unsure here."
