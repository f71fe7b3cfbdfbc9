"""The subject of a statement and who it is: the noun phrase before the verb, the patient's names as
Whisper spells them, patient / narrator / other / thing, and nouns an emotion adjective describes."""

from __future__ import annotations

import pytest

from tests.support.narration_table import tokens_of
from voice.narration.grammar import attributive_noun, is_capitalised, name_matches, noun_phrase_before, who_of

NAMES = frozenset({"maria", "mia"})


def _subject(sentence: str) -> list[str]:
    """The noun phrase before the sentence's first "is"/"am"."""
    tokens = tokens_of(sentence)
    verb = next(i for i, t in enumerate(tokens) if t.norm in {"is", "am"})
    return [t.norm for t in noun_phrase_before(tokens, verb, 0)]


@pytest.mark.parametrize(
    ("sentence", "subject"),
    [
        ("She is happy", ["she"]),
        ("Maria is happy", ["maria"]),
        ("Maria 's mom is happy", ["maria", "'s", "mom"]),
        ("the little boy is sad", ["the", "little", "boy"]),
        ("the music is calm", ["the", "music"]),
        ("Oh she is happy", ["she"]),
        ("is happy", []),
    ],
)
def test_the_subject_is_the_noun_phrase_before_the_verb(sentence: str, subject: list[str]) -> None:
    assert _subject(sentence) == subject


def test_a_phrase_that_cannot_be_a_subject_is_none() -> None:
    tokens = tokens_of("give her a hug , she is sad")
    assert noun_phrase_before(tokens, 2, 0) == [], "an object pronoun"
    assert noun_phrase_before(tokens, 0, 0) == [], "nothing before the segment start"
    assert [t.norm for t in noun_phrase_before(tokens, 5, 4)] == ["she"]


@pytest.mark.parametrize(
    ("word", "matches"),
    [("Maria", True), ("mariah", True), ("Mia", True), ("Marie", True), ("Mark", False), ("Tom", False)],
)
def test_the_patients_names_match_also_as_whisper_spells_them(word: str, matches: bool) -> None:
    assert name_matches(word, NAMES) is matches


def test_short_names_match_only_exactly() -> None:
    assert name_matches("al", frozenset({"al"}))
    assert not name_matches("ai", frozenset({"al"}))


@pytest.mark.parametrize(
    ("sentence", "names", "who"),
    [
        ("She is happy", NAMES, "patient"),
        ("Maria is happy", NAMES, "patient"),
        ("is happy", NAMES, "patient"),  # no subject ("Happy again.")
        ("I am happy", NAMES, "narrator"),
        ("her mom is happy", NAMES, "other"),
        ("Maria 's mom is happy", NAMES, "other"),
        ("Tom is sad", NAMES, "other"),
        ("Tom is sad", None, "patient"),  # names unknown: a name is taken for the patient
        ("the little boy is sad", NAMES, "patient"),
        ("the music is calm", NAMES, "thing"),
        ("it is sad", NAMES, "thing"),
        ("everyone is happy", NAMES, "other"),
    ],
)
def test_who_a_subject_is(sentence: str, names: frozenset[str] | None, who: str) -> None:
    tokens = tokens_of(sentence)
    verb = next(i for i, t in enumerate(tokens) if t.norm in {"is", "am"})
    assert who_of(noun_phrase_before(tokens, verb, 0), names) == who


def test_an_object_pronoun_alone_is_the_person_it_names() -> None:
    assert who_of(tokens_of("her"), NAMES) == "patient"
    assert who_of(tokens_of("me"), NAMES) == "narrator"


def test_i_is_not_a_capitalised_name() -> None:
    assert is_capitalised(tokens_of("Tom")[0])
    assert not is_capitalised(tokens_of("I")[0])
    assert not is_capitalised(tokens_of("tom")[0])


@pytest.mark.parametrize(
    ("phrase", "noun"),
    [("a happy song", "song"), ("sad face", "face"), ("a happy girl", "girl"), ("she is happy today", None)],
)
def test_an_adjective_before_a_noun_describes_the_noun(phrase: str, noun: str | None) -> None:
    tokens = tokens_of(phrase)
    keyword = next(i for i, t in enumerate(tokens) if t.norm in {"happy", "sad"})
    found = attributive_noun(tokens, keyword, len(tokens) - 1, keyword)
    assert (found.norm if found else None) == noun
