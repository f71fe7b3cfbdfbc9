"""The reviews file's records: what a review must hold, and the tallies of labels."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from voice.records.reviews import LabelSummary, ReviewRecord, ReviewsDoc

AT = "2026-01-01T10:00:00.000001Z"


def _review(**kw: Any) -> ReviewRecord:
    return ReviewRecord.model_validate(
        {"event": "e0123456789", "action": "confirm", "author": "anna", "at": AT} | kw
    )


def test_a_review_names_its_label_author_source_and_time() -> None:
    r = _review(reason="she was smiling")
    assert (r.event, r.action, r.author, r.source, r.at, r.reason) == (
        "e0123456789",
        "confirm",
        "anna",
        "review",
        AT,
        "she was smiling",
    )
    added = _review(event="a0123456789", action="add", emotion="anger", start=1.0, end=2.5, source="elan")
    assert (added.start, added.end, added.source) == (1.0, 2.5, "elan")


@pytest.mark.parametrize(
    "bad",
    [
        {"event": "3"},  # not an id
        {"event": "e0123456789/../x"},
        {"action": "approve"},
        {"action": "set"},  # set needs an emotion
        {"action": "set", "emotion": "joy"},
        {"action": "add", "emotion": "anger", "start": 2.0, "end": 1.0},
        {"action": "add", "emotion": "anger", "start": 1.0},
        {
            "action": "add",
            "emotion": "anger",
            "start": 1.0,
            "end": 2.0,
        },  # an added label's id starts with "a"
        {"author": ""},
        {"reason": "x" * 501},
        {"extra": 1},
    ],
)
def test_an_incomplete_or_unknown_review_is_refused(bad: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        _review(**bad)


def test_the_file_round_trips_in_order_with_its_schema() -> None:
    doc = ReviewsDoc(session="s-0123456789", reviews=[_review(), _review(action="reject")])
    out = doc.json_doc()
    assert out["schema"] == "voice.reviews/1"
    assert ReviewsDoc.model_validate(out) == doc
    assert [r["action"] for r in out["reviews"]] == ["confirm", "reject"]


def test_tallies_start_at_zero() -> None:
    assert set(LabelSummary().model_dump().values()) == {0}
