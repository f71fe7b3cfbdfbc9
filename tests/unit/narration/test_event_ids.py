"""Stable event ids: from what was said and when, not from the event's place in the list."""

from __future__ import annotations

from tests.support.records import session_metadata
from voice.narration.event_ids import BUCKET_S, event_id, event_ids, near_ids, normalise_sentence, with_ids


def test_the_sentence_is_compared_without_case_punctuation_or_spacing() -> None:
    assert normalise_sentence("  Maria is  HAPPY!") == "maria is happy"
    assert normalise_sentence("Maria—is happy…") == "maria is happy"
    assert normalise_sentence("Zoë is happy") == normalise_sentence("ZOË IS HAPPY.")


def test_the_same_statement_about_the_same_time_keeps_its_id_whatever_else_the_run_finds() -> None:
    first = event_ids([("Maria is happy.", "happy", 2.5), ("She is sad.", "sad", 9.1)])
    # A re-run that hears one more statement before, and the same one with other punctuation.
    again = event_ids(
        [("We are here.", "fine", 0.4), ("maria is happy", "happy", 2.9), ("She is sad!", "sad", 9.3)]
    )
    assert again[1:] == first, "positions changed, ids did not"
    assert all(i.startswith("e") and len(i) == 11 for i in first)


def test_other_words_another_keyword_or_another_time_are_another_event() -> None:
    base = event_id("Maria is happy.", "happy", 1)
    assert event_id("Maria is sad.", "happy", 1) != base
    assert event_id("Maria is happy.", "glad", 1) != base
    assert event_id("Maria is happy.", "happy", 2) != base


def test_a_word_repeated_in_one_sentence_gives_each_event_its_own_id() -> None:
    ids = event_ids([("Happy, happy!", "happy", 1.0), ("Happy, happy!", "happy", 1.3)])
    assert len(set(ids)) == 2
    assert ids == event_ids([("Happy, happy!", "happy", 1.0), ("Happy, happy!", "happy", 1.3)])


def test_near_ids_are_the_ids_of_the_neighbouring_buckets() -> None:
    before, after = near_ids("Maria is happy.", "happy", 2.5)
    assert before == event_ids([("Maria is happy.", "happy", 2.5 - BUCKET_S)])[0]
    assert after == event_ids([("Maria is happy.", "happy", 2.5 + BUCKET_S)])[0]
    assert event_ids([("Maria is happy.", "happy", 2.5)])[0] not in (before, after)


def test_stored_ids_are_kept_and_older_records_get_the_ids_a_rerun_would_give() -> None:
    meta = session_metadata()
    stored = meta.events[0]
    assert with_ids([stored]) == [stored]
    old = stored.model_copy(update={"id": None})
    (computed,) = with_ids([old])
    assert computed.id == stored.id, "the fixture's id is the computed one"
