from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pytest
from pydantic import ValidationError

from voice.errors import ConfigError
from voice.review.items import ReviewItem, provider, providers, to_review
from voice.storage import LocalStore, Store


def _item(session: str, start: float, score: float, kind: str = "unsure") -> ReviewItem:
    return ReviewItem.model_validate(
        {"session": session, "start": start, "end": start + 4, "kind": kind, "score": score, "why": "w"}
    )


def test_items_from_every_provider_are_ranked_by_score_then_session_and_time(tmp_path: Path) -> None:
    def first(store: Store, patient: str) -> Iterable[ReviewItem]:
        assert patient == "maria"
        return [_item("b", 10, 0.5), _item("a", 8, 0.9)]

    def second(store: Store, patient: str) -> Iterable[ReviewItem]:
        return [
            _item("a", 2, 0.5, "narration_vs_model"),
            _item("a", 8, 0.95),
            _item("b", 10, 0.4, "model_uncertain"),
        ]

    using = {"first": first, "second": second}
    items = to_review(LocalStore(tmp_path), "maria", using=using)
    assert [(i.session, i.start, i.score) for i in items] == [("a", 8, 0.95), ("a", 2, 0.5), ("b", 10, 0.5)]
    assert items[2].kind == "unsure", "one item per moment: the kind that scored higher"
    assert len(to_review(LocalStore(tmp_path), "maria", limit=2, using=using)) == 2


def test_a_registered_provider_is_listed_and_replaced_by_name() -> None:
    before = providers()
    try:
        provider("test-kind")(lambda store, patient: [])
        fn = providers()["test-kind"]
        provider("test-kind")(lambda store, patient: [_item("s", 0, 0.1)])
        assert providers()["test-kind"] is not fn
    finally:
        from voice.review import items

        items._PROVIDERS.clear()
        items._PROVIDERS.update(before)


@pytest.mark.parametrize(
    "bad",
    [{"end": 1.0, "start": 2.0}, {"score": 1.5}, {"kind": "guess"}, {"start": -1.0}, {"extra": 1}],
)
def test_a_malformed_item_is_refused(bad: dict[str, object]) -> None:
    doc = {"session": "s", "start": 2.0, "end": 6.0, "kind": "unsure", "score": 0.4, "why": "w"} | bad
    with pytest.raises(ValidationError):
        ReviewItem.model_validate(doc)


def test_a_provider_that_fails_with_a_voice_error_is_left_out_and_logged_by_type(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(store: Store, patient: str) -> Iterable[ReviewItem]:
        raise ConfigError("krippendorff is not installed")

    def working(store: Store, patient: str) -> Iterable[ReviewItem]:
        return [_item("a", 1, 0.3)]

    items = to_review(LocalStore(tmp_path), "maria", using={"broken": broken, "working": working})
    assert [i.start for i in items] == [1]
    assert "broken left out: ConfigError" in caplog.text
    assert "krippendorff" not in caplog.text
