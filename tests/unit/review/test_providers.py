from __future__ import annotations

from pathlib import Path

from tests.support.review import PATIENT, SESSION, synthetic_store
from voice.config import Settings
from voice.labels.service import Change, ReviewRequest, review
from voice.review.items import to_review
from voice.review.providers import model_uncertain, narration_vs_model


def test_the_happy_label_the_model_calls_sad_is_a_disagreement(tmp_path: Path) -> None:
    store = synthetic_store(tmp_path)
    items = list(narration_vs_model(store, PATIENT))
    assert len(items) == 1
    item = items[0]
    assert (item.session, item.kind) == (SESSION, "narration_vs_model")
    assert (item.start, item.end) == (0.0, 2.0)  # the happy label's window (0.8 s, clipped at 2 s)
    assert "happiness" in item.why
    assert "sadness" in item.why
    # one window overlaps it: sadness 0.7 vs happiness 0.2
    assert item.score == 0.5


def test_a_label_the_model_agrees_with_is_not_listed(tmp_path: Path) -> None:
    store = synthetic_store(tmp_path)
    labels = {i.start for i in narration_vs_model(store, PATIENT)}
    assert all(start < 5 for start in labels), "the sad label at 5.6 s agrees with the model"


def test_a_rejected_label_is_no_disagreement(tmp_path: Path) -> None:
    store = synthetic_store(tmp_path)
    happy = next(iter(narration_vs_model(store, PATIENT)))
    from voice.labels.service import session_labels

    label = next(lbl for lbl in session_labels(store, PATIENT, SESSION).labels if lbl.start == happy.start)
    request = ReviewRequest(PATIENT, SESSION, (Change("reject", label.id),), author="anna")
    review(store, request, settings=Settings())
    assert list(narration_vs_model(store, PATIENT)) == []


def test_uncertain_windows_count_only_where_no_label_covers_them(tmp_path: Path) -> None:
    store = synthetic_store(tmp_path)
    # Every window overlaps a counting label (0.8 s and 5.6 s windows): nothing is listed.
    assert list(model_uncertain(store, PATIENT)) == []
    from voice.labels.service import session_labels

    for label in session_labels(store, PATIENT, SESSION).labels:
        if label.counts:
            review(
                store,
                ReviewRequest(PATIENT, SESSION, (Change("reject", label.id),), author="a"),
                settings=Settings(),
            )
    items = list(model_uncertain(store, PATIENT))
    # Without labels: the unsure window (top 0.4 → 0.6) and the 0–4 s one (top 0.7 → 0.3);
    # the window sure of sadness (0.9) is not worth a look.
    assert [(i.start, i.score) for i in items] == [(0.0, 0.3), (3.0, 0.6)]
    assert "unsure" in items[1].why


def test_sessions_without_predictions_give_no_items(tmp_path: Path) -> None:
    store = synthetic_store(tmp_path, predictions=False)
    assert list(model_uncertain(store, PATIENT)) == []
    assert list(narration_vs_model(store, PATIENT)) == []


def test_both_kinds_are_registered_for_the_to_review_list(tmp_path: Path) -> None:
    store = synthetic_store(tmp_path)
    kinds = {i.kind for i in to_review(store, PATIENT)}
    assert "narration_vs_model" in kinds
