"""The clause around an emotion word: the sentence's segments and where a question applies, the
predicate chain before the word, the clause start, tense and mood cues, requests and inversions."""

from __future__ import annotations

import pytest

from tests.support.narration_table import tokens_of
from voice.narration.clauses import (
    Chain,
    clause_start_of,
    context_mood,
    imperative,
    inverted_aux,
    modal,
    predicate_chain,
    sentence_frame,
    shared_subject,
    tense_of,
)
from voice.narration.grammar import Token

NAMES = frozenset({"maria"})


def _at(tokens: list[Token], word: str) -> int:
    return next(i for i, t in enumerate(tokens) if t.norm == word)


@pytest.mark.parametrize(
    ("sentence", "segments", "question_from"),
    [
        ("she is sad", ((0, 2),), None),
        ("Is she sad ?", ((0, 2),), 0),
        ("Are you happy , sweetheart ?", ((0, 2), (3, 3)), 0),  # a vocative after the question
        ("She 's happy , is n't she ?", ((0, 2), (3, 5)), None),  # a tag keeps the statement
        ("She 's happy , right ?", ((0, 2), (3, 3)), None),
        ("She was sad , is she happy now ?", ((0, 2), (3, 6)), 3),  # only the last part is asked
    ],
)
def test_a_question_mark_asks_the_last_segment_unless_it_is_a_tag(
    sentence: str, segments: tuple[tuple[int, int], ...], question_from: int | None
) -> None:
    words = sentence.removesuffix(" ?")
    frame = sentence_frame(tokens_of(words), sentence.endswith("?"), NAMES)
    assert (frame.segments, frame.question_from) == (segments, question_from)


@pytest.mark.parametrize(
    ("sentence", "keyword", "chain"),
    [
        ("she is not very happy", "happy", Chain(1, negated=True, has_copula=True, has_verb=True)),
        ("she keeps crying", "crying", Chain(1, has_verb=True, stopper="keep")),
        ("stop crying", "crying", Chain(0, has_verb=True, stopper="stop")),
        ("she is about to cry", "cry", Chain(1, has_copula=True, has_verb=True)),
        ("she never gets angry", "angry", Chain(1, negated=True, has_copula=True, has_verb=True)),
        ("she seems a bit sad", "sad", Chain(1, has_copula=True, has_verb=True)),  # "a bit" skipped
        ("the music is so happy", "happy", Chain(2, has_copula=True, has_verb=True)),  # stops at the subject
    ],
)
def test_the_predicate_chain_walks_back_over_copulas_auxiliaries_and_negators(
    sentence: str, keyword: str, chain: Chain
) -> None:
    tokens = tokens_of(sentence)
    assert predicate_chain(tokens, _at(tokens, keyword), 0) == chain


def test_a_clause_starts_after_an_opener_or_a_conjunction_with_a_new_subject() -> None:
    tokens = tokens_of("we stop when she is upset")
    assert clause_start_of(tokens, _at(tokens, "she"), 0) == _at(tokens, "she")
    tokens = tokens_of("he was tired but she is happy")
    assert clause_start_of(tokens, _at(tokens, "is"), 0) == _at(tokens, "she")
    tokens = tokens_of("Maria is happy")
    assert clause_start_of(tokens, 1, 0) == 0


def test_a_coordinated_adjective_shares_the_subject_before() -> None:
    tokens = tokens_of("I 'm exhausted but happy")
    subject, copula = shared_subject(tokens, _at(tokens, "but"), 0)
    assert ([t.norm for t in subject], copula) == (["i"], True)
    tokens = tokens_of("tired but happy")
    assert shared_subject(tokens, _at(tokens, "but"), 0) == ([], False)


@pytest.mark.parametrize(
    ("sentence", "keyword", "tense"),
    [
        ("she is happy", "happy", "present"),
        ("she looks startled", "startled", "present"),
        ("she was happy", "happy", "past"),
        ("she laughed", "laughed", "past"),
        ("she just laughed", "laughed", "recent"),
        ("she was sad yesterday", "sad", "past"),
        ("she 'd been upset", "upset", "past"),
        ("she will be happy", "happy", "future"),
        ("she is going to be sad", "sad", "future"),
        ("she used to be sad", "sad", "habitual"),
        ("she is always happy", "happy", "habitual"),
        ("she is happy every morning", "happy", "habitual"),
    ],
)
def test_tense(sentence: str, keyword: str, tense: str) -> None:
    tokens = tokens_of(sentence)
    first = _at(tokens, keyword)
    assert tense_of(tokens, predicate_chain(tokens, first, 0), first, (0, len(tokens) - 1)) == tense


@pytest.mark.parametrize(
    ("sentence", "keyword", "mood"),
    [
        ("she is sad", "sad", None),
        ("if she is happy", "happy", "conditional"),
        ("we stop when she is upset", "upset", "conditional"),
        ("I hope she is happy", "happy", "wish"),
        ("maybe she is sad", "sad", "uncertain"),
        ("I wonder if she is sad", "sad", "uncertain"),
    ],
)
def test_the_words_around_a_clause_set_its_mood(sentence: str, keyword: str, mood: str | None) -> None:
    tokens = tokens_of(sentence)
    first = _at(tokens, keyword)
    start = clause_start_of(tokens, _at(tokens, "she"), 0)
    assert context_mood(tokens, (0, len(tokens) - 1), start, first) == mood


@pytest.mark.parametrize(
    ("sentence", "keyword", "asks"),
    [
        ("do n't be sad", "sad", True),
        ("be happy", "happy", True),
        ("calm down", "calm", True),
        ("do n't you cry", "cry", False),
        ("she is happy", "happy", False),
    ],
)
def test_a_request_opens_with_a_request_verb_and_has_no_subject(
    sentence: str, keyword: str, asks: bool
) -> None:
    tokens = tokens_of(sentence)
    first = _at(tokens, keyword)
    assert imperative(tokens, 0, predicate_chain(tokens, first, 0), first) is asks


@pytest.mark.parametrize(
    ("sentence", "subject_at", "inverted"),
    [
        ("are you happy", 1, ("are", False)),
        ("is n't she sad", 2, ("is", False)),
        ("why is she upset", 2, ("is", True)),
        ("Maria , are you happy", 2, ("are", False)),  # a vocative before the question
        ("she is happy", 0, None),
        ("so she is happy", 1, None),
    ],
)
def test_an_auxiliary_before_the_subject_makes_a_question(
    sentence: str, subject_at: int, inverted: tuple[str, bool] | None
) -> None:
    assert inverted_aux(tokens_of(sentence), subject_at, 0, NAMES) == inverted


def test_modals_and_would_make_a_statement_hypothetical_but_had_does_not() -> None:
    assert modal(["might", "be"])
    assert modal(["'d", "be"])
    assert not modal(["'d", "been"])
    assert not modal(["is"])
