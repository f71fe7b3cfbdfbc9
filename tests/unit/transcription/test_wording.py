"""Where captions may break: sentence ends, and phrase boundaries ranked as subtitle guidelines do."""

from __future__ import annotations

import pytest

from voice.transcription.wording import break_cost, ends_sentence


@pytest.mark.parametrize(
    ("word", "ends"),
    [
        ("happy.", True),
        ("now?", True),
        ("wow!", True),
        ('said."', True),
        ("(really.)", True),
        ("晴れ。", True),
        ("Okay,", False),
        ("Mr.", False),
        ("Dr.", False),
        ("e.g.", False),
        ("3.5", False),
        ("Maria", False),
    ],
)
def test_a_sentence_ends_at_its_final_punctuation_not_at_an_abbreviation(word: str, ends: bool) -> None:
    assert ends_sentence(word) is ends


def test_breaks_rank_as_subtitle_guidelines_ask() -> None:
    after_comma = break_cost("Lukasz,", "and")
    before_conjunction = break_cost("Zoe", "and")
    before_preposition = break_cost("playing", "with")
    plain = break_cost("sister", "Zoe")
    inside_a_phrase = [break_cost("the", "ball"), break_cost("and", "his"), break_cost("with", "the")]
    inside_a_verb = break_cost("is", "happy")
    assert after_comma < before_conjunction < before_preposition < plain < min(inside_a_phrase)
    assert inside_a_verb == max(inside_a_phrase), "never between an auxiliary and what it carries"
    assert break_cost("Dr.", "Smith") > plain, "an abbreviation belongs with the name after it"
