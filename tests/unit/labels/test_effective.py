"""Effective labels: the narration, then every review in time order; orphans and conflicts."""

from __future__ import annotations

from typing import Any

from voice.labels.effective import NARRATION, resolve
from voice.narration.event_ids import event_ids
from voice.records.reviews import ReviewRecord
from voice.records.session import EventRecord


def _event(text: str, keyword: str, emotion: str, time: float, **kw: Any) -> EventRecord:
    window = kw.pop("window", (max(0.0, time - 1.5), time + 2.5))
    return EventRecord(time=time, emotion=emotion, keyword=keyword, text=text, window=window, **kw)


#: happy at 2 s, sad at 10 s, a question at 20 s (ignored), a negated statement at 30 s.
EVENTS = [
    _event("Maria is happy.", "happy", "happiness", 2.0),
    _event("Now she is sad.", "sad", "sadness", 10.0),
    _event("Is she angry?", "angry", "anger", 20.0, ignored="question", mood="question"),
    _event("She is not surprised.", "surprised", "surprise", 30.0, negated=True),
]
HAPPY, SAD, QUESTION, NEGATED = event_ids([(e.text, e.keyword, e.time) for e in EVENTS])


def _review(event: str, action: str, at: str, **kw: Any) -> ReviewRecord:
    fields: dict[str, Any] = {"event": event, "action": action, "author": "anna", "at": at}
    return ReviewRecord.model_validate(fields | kw)


def _by_id(reviews: list[ReviewRecord], events: list[EventRecord] = EVENTS) -> dict[str, Any]:
    return {label.id: label for label in resolve(events, reviews).labels}


def test_without_reviews_the_labels_are_the_narration() -> None:
    res = resolve(EVENTS, [])
    assert [(lb.id, lb.emotion, lb.status, lb.trains, lb.author) for lb in res.labels] == [
        (HAPPY, "happiness", "narrated", True, NARRATION),
        (SAD, "sadness", "narrated", True, NARRATION),
        (QUESTION, "anger", "ignored", False, NARRATION),
        (NEGATED, "surprise", "ignored", False, NARRATION),
    ]
    assert res.labels[2].ignored == "question"
    assert res.labels[3].ignored == "negated"
    assert res.indexes == {HAPPY: 0, SAD: 1, QUESTION: 2, NEGATED: 3}
    s = res.summary()
    assert (s.narration, s.ignored, s.orphans) == (2, 2, 0)


def test_each_verdict_and_the_last_one_wins() -> None:
    labels = _by_id(
        [
            _review(HAPPY, "reject", "2026-01-01T10:00:00Z", reason="laughing at the dog"),
            _review(SAD, "set", "2026-01-01T10:00:01Z", emotion="anger"),
            _review(QUESTION, "count", "2026-01-01T10:00:02Z", reason="it was a statement"),
            _review(HAPPY, "confirm", "2026-01-01T10:00:03Z", author="bob"),
        ]
    )
    happy, sad, question = labels[HAPPY], labels[SAD], labels[QUESTION]
    assert (happy.status, happy.trains, happy.author, happy.reviews, happy.reason) == (
        "confirmed",
        True,
        "bob",
        2,
        None,
    )
    assert (sad.emotion, sad.narrated_emotion, sad.status, sad.trains) == (
        "anger",
        "sadness",
        "changed",
        True,
    )
    assert (question.status, question.trains, question.reason) == ("counted", True, "it was a statement")
    assert labels[NEGATED].status == "ignored"


def test_reviews_apply_in_the_order_they_were_made_not_the_order_in_the_file() -> None:
    labels = _by_id(
        [
            _review(HAPPY, "confirm", "2026-01-01T10:00:05Z"),
            _review(HAPPY, "reject", "2026-01-01T10:00:01Z"),
        ]
    )
    assert labels[HAPPY].status == "confirmed"


def test_set_then_confirm_keeps_the_set_emotion_and_reject_then_set_counts_again() -> None:
    labels = _by_id(
        [
            _review(SAD, "set", "2026-01-01T10:00:00Z", emotion="neutral"),
            _review(SAD, "confirm", "2026-01-01T10:00:01Z"),
            _review(HAPPY, "reject", "2026-01-01T10:00:00Z"),
            _review(HAPPY, "set", "2026-01-01T10:00:01Z", emotion="surprise"),
        ]
    )
    assert (labels[SAD].emotion, labels[SAD].status) == ("neutral", "confirmed")
    assert (labels[HAPPY].emotion, labels[HAPPY].status, labels[HAPPY].trains) == (
        "surprise",
        "changed",
        True,
    )


def test_an_added_label_is_a_label_of_its_own_that_reviews_can_refer_to() -> None:
    added = "a0123456789"
    res = resolve(
        EVENTS,
        [
            _review(added, "add", "2026-01-01T10:00:00Z", emotion="happiness", start=40.0, end=45.0),
            _review(added, "set", "2026-01-01T10:00:01Z", emotion="surprise"),
        ],
    )
    label = res.label(added)
    assert label is not None
    assert (label.kind, label.start, label.end, label.emotion, label.status, label.trains) == (
        "added", 40.0, 45.0, "surprise", "added", True,
    )  # fmt: skip
    assert added not in res.indexes, "an added label has no narrated event index"
    add = _review(added, "add", "2026-01-01T10:00:00Z", emotion="anger", start=40.0, end=41.0)
    rejected = resolve(EVENTS, [add, _review(added, "reject", "2026-01-01T10:00:02Z")]).label(added)
    assert rejected is not None
    assert (rejected.status, rejected.trains) == ("rejected", False)


def test_a_review_of_an_event_a_rerun_no_longer_finds_is_an_orphan_never_another_events() -> None:
    rerun = [EVENTS[1], EVENTS[2], EVENTS[3]]  # "Maria is happy." was not heard this time
    review = _review(HAPPY, "set", "2026-01-01T10:00:00Z", emotion="anger", event_time=2.0)
    res = resolve(rerun, [review])
    assert res.orphans == [review]
    assert all(lb.reviews == 0 for lb in res.labels), "applied to nothing"
    assert res.summary().orphans == 1


def test_a_statement_whose_time_moved_into_the_next_bucket_is_found_again_when_it_is_the_only_one() -> None:
    moved = [_event("Maria is happy.", "happy", "happiness", 2.0 + 2.1)]  # another model: 2.1 s later
    (moved_id,) = event_ids([("Maria is happy.", "happy", 4.1)])
    assert moved_id != HAPPY
    near = _review(HAPPY, "reject", "2026-01-01T10:00:00Z", event_time=3.3)
    labels = _by_id([near], moved)
    assert labels[moved_id].status == "rejected", "the same sentence, 0.8 s from where it was reviewed"
    too_far = _review(HAPPY, "reject", "2026-01-01T10:00:00Z", event_time=2.0)
    assert resolve(moved, [too_far]).orphans == [too_far], "2.1 s away: not the statement reviewed"
    no_time = _review(HAPPY, "reject", "2026-01-01T10:00:00Z")
    assert resolve(moved, [no_time]).orphans == [no_time]


def test_an_added_label_that_disagrees_with_another_authors_label_is_a_conflict_until_one_changes() -> None:
    add = _review(
        "a0123456789", "add", "2026-01-01T10:00:00Z", emotion="anger", start=1.0, end=3.0, author="bob"
    )
    res = resolve(EVENTS, [add])
    labels = {lb.id: lb for lb in res.labels}
    assert labels["a0123456789"].conflicts == [HAPPY]
    assert labels[HAPPY].conflicts == ["a0123456789"]
    assert not labels[HAPPY].trains, "neither trains"
    assert not labels["a0123456789"].trains
    assert labels[SAD].trains, "the rest is untouched"
    assert res.summary().conflicts == 2
    # Bob's label and the narration agreeing on the emotion: no conflict.
    agree = _review("a0123456789", "set", "2026-01-01T10:00:01Z", emotion="happiness", author="bob")
    assert all(lb.trains for lb in resolve(EVENTS, [add, agree]).labels[:2])
    # The narrated label rejected: no conflict.
    gone = _review(HAPPY, "reject", "2026-01-01T10:00:01Z")
    assert _by_id([add, gone])["a0123456789"].trains
    # Bob himself confirming the narrated label: one author, both train.
    own = _review(HAPPY, "confirm", "2026-01-01T10:00:01Z", author="bob")
    assert all(lb.trains for lb in resolve(EVENTS, [add, own]).labels[:2])


def test_two_added_labels_conflict_only_when_they_overlap_by_different_authors_with_different_emotions() -> (
    None
):
    def add(label: str, author: str, emotion: str, start: float, end: float) -> ReviewRecord:
        return _review(
            label, "add", "2026-01-01T10:00:00Z", emotion=emotion, start=start, end=end, author=author
        )

    a = add("a0000000001", "anna", "anger", 40.0, 44.0)
    assert not resolve(EVENTS, [a, add("a0000000002", "bob", "anger", 42.0, 46.0)]).summary().conflicts
    assert not resolve(EVENTS, [a, add("a0000000002", "anna", "sadness", 42.0, 46.0)]).summary().conflicts
    assert not resolve(EVENTS, [a, add("a0000000002", "bob", "sadness", 44.0, 46.0)]).summary().conflicts
    assert resolve(EVENTS, [a, add("a0000000002", "bob", "sadness", 43.9, 46.0)]).summary().conflicts == 2


def test_narrated_events_never_conflict_with_each_other_even_after_reviews() -> None:
    close = [
        _event("Maria is happy.", "happy", "happiness", 2.0),
        _event("Now she is sad.", "sad", "sadness", 3.0),
    ]
    a, b = event_ids([(e.text, e.keyword, e.time) for e in close])
    res = resolve(
        close,
        [
            _review(a, "confirm", "2026-01-01T10:00:00Z"),
            _review(b, "set", "2026-01-01T10:00:01Z", emotion="anger", author="bob"),
        ],
    )
    assert all(lb.trains for lb in res.labels), (
        "their windows overlap by the window rule, not by disagreement"
    )
