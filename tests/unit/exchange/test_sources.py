"""Each source's intervals: a reviewer's coding is the labels their own reviews decided."""

from __future__ import annotations

from pathlib import Path

from tests.support.labels import PATIENT, SESSION, stored_session
from voice.config import Settings
from voice.exchange.sources import (
    coder_intervals,
    coder_keys,
    effective_intervals,
    narration_intervals,
    session_intervals,
)
from voice.labels.service import Change, ReviewRequest, review
from voice.labels.stored import load_session
from voice.storage import LocalStore


def test_a_reviewers_coding_holds_only_what_they_decided(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    meta = stored_session(store)
    happy, _, sad = (i.label for i in narration_intervals(meta))
    for author, change in (
        ("anna", Change("reject", event=happy)),
        ("ben", Change("set", event=sad, emotion="anger")),
    ):
        review(store, ReviewRequest(PATIENT, SESSION, (change,), author=author), settings=Settings())
    reviews = load_session(store, PATIENT, SESSION).reviews.reviews
    assert coder_keys(reviews) == [("review", "anna"), ("review", "ben")]
    anna = coder_intervals(meta, reviews, "review", "anna")
    assert [(i.label, i.emotion, i.note) for i in anna] == [(happy, None, "rejected")]
    ben = coder_intervals(meta, reviews, "review", "ben")
    assert [(i.label, i.emotion) for i in ben] == [(sad, "anger")]
    assert [(i.label, i.emotion) for i in effective_intervals(meta, reviews)] == [(sad, "anger")]
    sources = {(i.source, i.author) for i in session_intervals(meta, reviews)}
    assert sources == {
        ("narration", "narration"),
        ("review", "anna"),
        ("review", "ben"),
        ("effective", "ben"),
    }
