"""Narration understanding (issue 14): which narrated statements become labels, and why not.

The table (``narration_table.py``) was written before the rules; at least 95 % of its sentences
must give exactly their expected events. Every miss is printed.
"""

from __future__ import annotations

from tests.unit.narration_table import PATIENT_NAMES, TABLE
from voice.emotions import EmotionEvent, extract_events
from voice.transcript import Segment, Transcript, Word

REQUIRED_ACCURACY = 0.95


def transcript_of(text: str) -> Transcript:
    """One Whisper-like segment: words with leading spaces and punctuation attached."""
    words = tuple(
        Word(f" {w}", round(i * 0.4, 3), round(i * 0.4 + 0.3, 3), 0.9) for i, w in enumerate(text.split())
    )
    return Transcript(language="en", segments=(Segment(0.0, len(words) * 0.4, text, words),))


def notation(event: EmotionEvent) -> str:
    """``emotion`` (a label), ``!emotion`` (negated, about the patient now), ``-emotion`` (ignored)."""
    if event.ignored is not None:
        return f"-{event.emotion}"
    return f"!{event.emotion}" if event.negated else event.emotion


def read_table(table: tuple[tuple[str, str, str], ...] = TABLE) -> list[tuple[str, str, str, str]]:
    """(kind, sentence, expected, got) for every sentence that misses."""
    misses = []
    for kind, sentence, expected in table:
        events = extract_events(transcript_of(sentence), patient_names=PATIENT_NAMES)
        got = " ".join(notation(e) for e in events)
        if got != expected:
            misses.append((kind, sentence, expected, got))
    return misses


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
