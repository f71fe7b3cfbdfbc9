"""A session's labels as the list command and the review page read them."""

from __future__ import annotations

from voice.records.labels import DerivationRecord, LabelRecord, ReviewOutcome, SessionLabels, SessionSummary
from voice.records.reviews import LabelSummary


def _label(**kw: object) -> LabelRecord:
    fields: dict[str, object] = {
        "id": "e0123456789", "kind": "narrated", "start": 0.5, "end": 4.5, "time": 2.0,
        "emotion": "happiness", "status": "narrated", "counts": True, "trains": True,
        "author": "narration", "source": "narration",
    }  # fmt: skip
    return LabelRecord.model_validate(fields | kw)


def test_the_list_document_carries_its_schema_version_and_labels() -> None:
    view = SessionLabels(
        patient="maria", session="s-0123456789", duration_s=10.0, pose_track=True, version="abc",
        labels=[_label(), _label(id="a0123456789", kind="added", time=None, status="added", author="anna")],
        summary=LabelSummary(narration=1, added=1),
    )  # fmt: skip
    doc = view.json_doc()
    assert doc["schema"] == "voice.labels/1"
    assert [label["kind"] for label in doc["labels"]] == ["narrated", "added"]
    assert SessionLabels.model_validate(doc) == view
    outcome = ReviewOutcome(
        reviews=[],
        version="def",
        labels=view,
        derivation=DerivationRecord(session="s", samples=2, summary=LabelSummary()),
    )
    assert ReviewOutcome.model_validate(outcome.json_doc()) == outcome
    assert SessionSummary(session="s", samples=0, pose_track=False).labels is None
