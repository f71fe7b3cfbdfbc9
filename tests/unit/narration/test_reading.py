"""Narration understanding (issue 14): which narrated statements become labels, and why not.

The table (``tests/support/narration_table.py``) was written before the rules; at least 95 % of its
sentences must give exactly their expected events. Every miss is printed. Then single sentences
through the parser, and single keywords through :func:`voice.narration.reading.read`.
"""

from __future__ import annotations

import pytest

from tests.support.narration_table import PATIENT_NAMES, TABLE, read_table, tokens_of, transcript_of
from voice.narration.clauses import sentence_frame
from voice.narration.emotions import EmotionEvent, extract_events
from voice.narration.reading import KeywordSpan, Reading, read

REQUIRED_ACCURACY = 0.95
NAMES = frozenset(n.lower() for n in PATIENT_NAMES)


def test_the_table_has_at_least_150_sentences_of_every_kind() -> None:
    assert len(TABLE) >= 150
    kinds = {k for k, _, _ in TABLE}
    assert {"question", "request", "narrator", "other", "thing", "past", "future", "habitual"} <= kinds
    assert len({s for _, s, _ in TABLE}) == len(TABLE), "a sentence is listed twice"


def test_at_least_95_percent_of_the_table_is_read_right() -> None:
    misses = read_table()
    accuracy = 1 - len(misses) / len(TABLE)
    report = "\n".join(f"  [{k}] {s!r}: expected {e!r}, got {g!r}" for k, s, e, g in misses)
    right = len(TABLE) - len(misses)
    print(f"\nnarration table: {right}/{len(TABLE)} right ({accuracy:.1%}); misses:\n{report}")
    assert accuracy >= REQUIRED_ACCURACY, f"{accuracy:.1%} < {REQUIRED_ACCURACY:.0%}; misses:\n{report}"


def _read(text: str, names: tuple[str, ...] | None = PATIENT_NAMES) -> list[EmotionEvent]:
    return extract_events(transcript_of(text), patient_names=names)


@pytest.mark.parametrize(
    ("sentence", "who", "tense", "mood", "ignored"),
    [
        ("Maria is happy.", "patient", "present", "statement", None),
        ("Are you happy?", "patient", "present", "question", "question"),
        ("Why are you crying?", "patient", "present", "wh-question", None),
        ("Don't be sad.", "patient", "present", "request", "request"),
        ("Stop crying.", "patient", "present", "ongoing", None),
        ("If she gets angry, we stop.", "patient", "present", "conditional", "conditional"),
        ("I hope she's happy here.", "patient", "present", "wish", "wish"),
        ("Maybe she's a bit sad.", "patient", "present", "uncertain", "uncertain"),
        ("She might get upset.", "patient", "present", "hypothetical", "hypothetical"),
        ("He was sad yesterday.", "patient", "past", "statement", "past"),
        ("She just laughed.", "patient", "recent", "statement", None),
        ("He'll be happy when he sees it.", "patient", "future", "conditional", "conditional"),
        ("She usually laughs at this part.", "patient", "habitual", "statement", "habitual"),
        ("I'm so happy you came.", "narrator", "present", "statement", "narrator"),
        ("Her mom is happy.", "other", "present", "statement", "other person"),
        ("Tom is sad.", "other", "present", "statement", "other person"),
        ("The music is calm.", "thing", "present", "statement", "thing"),
    ],
)
def test_each_event_records_why_it_counts_or_not(
    sentence: str, who: str, tense: str, mood: str, ignored: str | None
) -> None:
    (event,) = _read(sentence)
    assert (event.who, event.tense, event.mood, event.ignored) == (who, tense, mood, ignored)
    assert event.counts is (ignored is None)
    assert event.ignored == ignored


def test_the_subject_must_be_the_patient_named_by_the_upload_path_or_a_nickname() -> None:
    assert [e.who for e in _read("Mia is laughing.", ("maria", "Mia"))] == ["patient"]
    assert [e.who for e in _read("Mia is laughing.", ("maria",))] == ["other"]
    assert [e.who for e in _read("Mariah is happy.", ("maria",))] == ["patient"]  # Whisper's spelling
    assert [e.who for e in _read("Tom is sad.", ("tom",))] == ["patient"]
    # Without names (old callers) a named person is taken for the patient.
    assert [e.who for e in _read("Tom is sad.", None)] == ["patient"]
    assert [e.who for e in _read("Her mom is happy.", None)] == ["other"]


@pytest.mark.parametrize(
    ("sentence", "emotion"),
    [
        ("She's laughing.", "happiness"),
        ("She's giggling.", "happiness"),
        ("She's enjoying the swing.", "happiness"),
        ("She loves this.", "happiness"),
        ("She's loving it.", "happiness"),
        ("She's crying.", "sadness"),
        ("She's whimpering.", "sadness"),
        ("He's whining.", "sadness"),
        ("She's cross.", "anger"),
        ("She's frustrated.", "anger"),
        ("She's annoyed.", "anger"),
        ("He's furious.", "anger"),
        ("She's startled.", "surprise"),
        ("She's amazed.", "surprise"),
        ("She's calm.", "neutral"),
        ("She's relaxed.", "neutral"),
        ("She's settled.", "neutral"),
        ("She's content.", "neutral"),
    ],
)
def test_care_narration_vocabulary(sentence: str, emotion: str) -> None:
    assert [(e.emotion, e.counts) for e in _read(sentence)] == [(emotion, True)]


@pytest.mark.parametrize(
    "sentence",
    ["Okay, let's go.", "You're okay, you're okay.", "Fine.", "Come here, love.", "I'm fine.", "All right."],
)
def test_neutral_stays_honest_filler_and_reassurance_give_nothing(sentence: str) -> None:
    assert _read(sentence) == []


# --- one keyword read directly -----------------------------------------------------------------


def _read_word(sentence: str, keyword: str, names: frozenset[str] | None = NAMES) -> Reading:
    """:func:`read` on ``keyword`` of one sentence written as tokens (a final " ?" asks)."""
    question = sentence.endswith(" ?")
    tokens = tokens_of(sentence.removesuffix(" ?"))
    at = next(i for i, t in enumerate(tokens) if t.norm == keyword)
    frame = sentence_frame(tokens, question, names or frozenset())
    return read(tokens, KeywordSpan(at, at, weak=False), frame, names)


@pytest.mark.parametrize(
    ("sentence", "keyword", "reading"),
    [
        ("Maria is happy", "happy", (["maria"], "patient", "present", "statement", False, None)),
        ("Are you happy ?", "happy", (["you"], "patient", "present", "question", False, "question")),
        (
            "Her mom is happy",
            "happy",
            (["her", "mom"], "other", "present", "statement", False, "other person"),
        ),
        ("She was sad yesterday", "sad", (["she"], "patient", "past", "statement", False, "past")),
        ("Do n't be sad", "sad", ([], "patient", "present", "request", True, "request")),
        ("She is not sad", "sad", (["she"], "patient", "present", "statement", True, None)),
        ("I am so happy", "happy", (["i"], "narrator", "present", "statement", False, "narrator")),
        (
            "She might get upset",
            "upset",
            (["she"], "patient", "present", "hypothetical", False, "hypothetical"),
        ),
    ],
)
def test_a_keyword_is_read_with_its_subject_who_tense_mood_and_negation(
    sentence: str, keyword: str, reading: tuple[list[str], str, str, str, bool, str | None]
) -> None:
    got = _read_word(sentence, keyword)
    assert ([t.norm for t in got.subject], got.who, got.tense, got.mood, got.negated, got.ignored) == reading


def test_a_second_adjective_shares_the_reading_of_the_first() -> None:
    tokens = tokens_of("She is happy and relaxed")
    frame = sentence_frame(tokens, False, NAMES)
    first = read(tokens, KeywordSpan(2, 2, weak=False), frame, NAMES)
    second = read(tokens, KeywordSpan(4, 4, weak=False), frame, NAMES, prev=(2, first))
    assert (second.who, second.tense, second.mood, second.negated) == (
        "patient",
        "present",
        "statement",
        False,
    )
    assert [t.norm for t in second.subject] == ["she"]


def test_without_names_a_named_subject_is_the_patient() -> None:
    assert _read_word("Tom is sad", "sad", NAMES).who == "other"
    assert _read_word("Tom is sad", "sad", None).who == "patient"
