"""Disagreements between people feed the review page's "To review" list (``people_disagree``)."""

from __future__ import annotations

from pathlib import Path

from tests.support.labels import PATIENT, SESSION, stored_session
from voice.agreement.disagreements import people_disagree, review_item
from voice.config import Settings
from voice.exchange.sources import IMPORT
from voice.labels.service import Change, ReviewRequest, review
from voice.records.exchange import Disagreement, SourceRef
from voice.review.items import providers, to_review
from voice.storage import LocalStore


def test_a_coder_disagreeing_with_the_narration_is_an_item_to_review(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    stored_session(store)
    change = Change("add", emotion="anger", start=6.0, end=8.0)
    review(
        store, ReviewRequest(PATIENT, SESSION, (change,), author="ben", source=IMPORT), settings=Settings()
    )
    assert providers()["people_disagree"] is people_disagree
    items = to_review(store, PATIENT, using={"people_disagree": people_disagree})
    assert [(i.session, i.start, i.end, i.kind, i.score) for i in items] == [
        (SESSION, 6.0, 8.0, "people_disagree", 0.7)
    ]
    assert items[0].why == "narration says sadness, import:ben says anger (2 s)"


def test_longer_disagreements_score_higher_up_to_five_seconds() -> None:
    a, b = SourceRef(source="import", author="ben"), SourceRef(source="import", author="cleo")
    scores = [
        review_item(
            Disagreement(session="s", start=0, end=end, a=a, b=b, a_emotion="anger", b_emotion="neutral")
        ).score
        for end in (1, 5, 9)
    ]
    assert scores == [0.6, 1.0, 1.0]
