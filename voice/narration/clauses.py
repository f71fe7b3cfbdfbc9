"""The clause around an emotion word: segments, the predicate chain, tense and mood cues.

Helpers of :mod:`voice.narration.reading` (which holds the rules' description).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from voice.narration.grammar import (
    AFTER_NEGATOR,
    AUXILIARIES,
    BELIEF,
    CLAUSE_OPENERS,
    CONDITIONAL,
    COPULAS,
    EMBEDDED_QUESTION,
    FILLERS,
    FUTURE,
    GUESS,
    HABITUAL,
    HUMAN_PRONOUNS,
    IMPERATIVE,
    INTENSIFIERS,
    INVERSION_AUX,
    KEYWORD_PAST,
    MODALS,
    NEGATORS,
    PAST_ADVERBS,
    PAST_VERBS,
    PERFECT,
    STOPPERS,
    TIME_NOUNS,
    VOCATIVES,
    WH,
    WISH,
    Token,
    noun_phrase_before,
)


@dataclass(frozen=True)
class SentenceFrame:
    """What is known of the sentence as a whole: its segments and where a question applies."""

    segments: tuple[tuple[int, int], ...]  # (first, last) token index of each comma-delimited part
    question_from: int | None  # tokens at or after this index are asked, not stated


@dataclass(frozen=True)
class Reading:
    """How one emotion word is meant.

    ``who``: patient / narrator / other / thing. ``tense``: present / recent / past / future /
    habitual. ``mood``: statement / wh-question / question / request / conditional / uncertain /
    wish / hypothetical / reported-stop (a request such as "stop crying" that says the behaviour is
    happening). ``asserts``: the mood still states the patient's behaviour now.
    """

    subject: tuple[Token, ...]
    who: str
    tense: str
    mood: str
    negated: bool
    has_copula: bool

    @property
    def ignored(self) -> str | None:
        """Why the statement is not a label, or ``None`` when it is one (negation aside)."""
        if self.who != "patient":
            return {"narrator": "narrator", "other": "other person", "thing": "thing"}[self.who]
        if self.mood not in {"statement", "wh-question", "ongoing"}:
            return self.mood
        if self.tense not in {"present", "recent"}:
            return self.tense
        return None


# --- the sentence as a whole -----------------------------------------------------------------


def _segments(tokens: Sequence[Token]) -> tuple[tuple[int, int], ...]:
    out, start = [], 0
    for i, t in enumerate(tokens):
        if t.clause_end or i == len(tokens) - 1:
            out.append((start, i))
            start = i + 1
    return tuple(out)


def _is_tag(tokens: Sequence[Token], first: int, last: int) -> bool:
    """ "isn't she", "aren't you", "don't you", "right", "eh": a tag that keeps a statement."""
    words = [t.norm for t in tokens[first : last + 1]]
    if words in (["right"], ["eh"], ["huh"], ["yeah"], ["okay"], ["ok"]):
        return True
    if len(words) == 3 and words[1] == "n't":
        return words[0] in INVERSION_AUX and words[2] in HUMAN_PRONOUNS | {"it"}
    return len(words) == 2 and words[0] in INVERSION_AUX and words[1] in HUMAN_PRONOUNS | {"it"}


def _is_vocative(tokens: Sequence[Token], first: int, last: int, names: frozenset[str]) -> bool:
    words = [t for t in tokens[first : last + 1] if t.norm not in {"my", "little"}]
    return len(words) == 1 and (words[0].norm in VOCATIVES or words[0].norm in names)


def sentence_frame(tokens: Sequence[Token], question_mark: bool, names: frozenset[str]) -> SentenceFrame:
    """Segments and the question span: the last segment (vocatives aside) of a sentence ending "?"."""
    segments = _segments(tokens)
    question_from: int | None = None
    if question_mark and segments:
        k = len(segments) - 1
        while k > 0 and _is_vocative(tokens, *segments[k], names):
            k -= 1
        if not _is_tag(tokens, *segments[k]):
            question_from = segments[k][0]
    return SentenceFrame(segments, question_from)


# --- the predicate chain and the subject -----------------------------------------------------


@dataclass
class Chain:
    start: int  # first token of the chain (== the keyword's first token when empty)
    negated: bool = False
    has_copula: bool = False
    has_verb: bool = False
    stopper: str = ""  # "stop" / "keep" when the chain holds one


def predicate_chain(tokens: Sequence[Token], first: int, seg_start: int) -> Chain:
    """Walk back from the keyword over intensifiers, copulas, auxiliaries and negators."""
    chain = Chain(first)
    k = first - 1
    while k >= seg_start:
        t = tokens[k]
        if t.norm in NEGATORS:
            chain.negated = chain.has_verb = True
        elif t.norm in STOPPERS:
            chain.stopper, chain.has_verb = "stop", True
        elif t.norm in {"keep", "keeps", "kept", "keeping"}:
            chain.stopper, chain.has_verb = "keep", True
        elif t.norm in COPULAS:
            chain.has_copula = chain.has_verb = True
        elif t.norm in AUXILIARIES or (t.norm == "about" and tokens[k + 1].norm == "to"):
            chain.has_verb = True
        elif t.norm in INTENSIFIERS:
            pass
        elif not (t.norm in AFTER_NEGATOR and k > 0 and tokens[k - 1].norm in NEGATORS):
            break
        chain.start = k
        k -= 1
    return chain


def clause_start_of(tokens: Sequence[Token], pos: int, seg_start: int) -> int:
    """The first token of the clause holding ``pos``: after a conjunction + subject or an opener."""
    k = pos - 1
    while k >= seg_start:
        t = tokens[k].norm
        if t in CLAUSE_OPENERS or t in BELIEF or t in WISH or t in {"think", "guess", "says", "know"}:
            return k + 1
        if t in {"but", "and", "so", "or"} and tokens[k + 1].norm in HUMAN_PRONOUNS | {"now", "then"}:
            return k + 1
        k -= 1
    return seg_start


def shared_subject(tokens: Sequence[Token], conj: int, seg_start: int) -> tuple[list[Token], bool]:
    """ "I'm exhausted but happy", "She's nice and relaxed": the subject of the copula before."""
    k = conj - 1
    stop = clause_start_of(tokens, conj, seg_start)
    while k >= stop:
        if tokens[k].norm in COPULAS:
            chain = predicate_chain(tokens, k + 1, seg_start)
            return noun_phrase_before(tokens, chain.start, seg_start), True
        k -= 1
    return [], False


# --- tense and mood --------------------------------------------------------------------------


def tense_of(tokens: Sequence[Token], chain: Chain, first: int, span: tuple[int, int]) -> str:
    """present / recent / past / future / habitual of the keyword's clause."""
    words = [t.norm for t in tokens[chain.start : first]]
    keyword = tokens[first].norm
    around = [t.norm for t in tokens[span[0] : span[1] + 1]]
    if "used" in words or "tend" in words or "tends" in words:
        return "habitual"
    if any(w in FUTURE for w in words) or _going_to(words):
        return "future"
    perfect = any(w in PERFECT for w in words)
    past = any(w in PAST_VERBS for w in words) or _had(words)
    if keyword in KEYWORD_PAST and not perfect and not chain.has_copula:
        past = True  # "She laughed", not "She looks startled"
    if "got" in words and not perfect:
        past = True
    if any(w in PAST_ADVERBS for w in around):
        past = True
    if past:
        return "recent" if "just" in words and not any(w in PAST_ADVERBS for w in around) else "past"
    if any(w in HABITUAL for w in around) or _every_time(around):
        return "habitual"
    return "present"


def _pairs(words: Sequence[str]) -> Iterator[tuple[str, str]]:
    return itertools.pairwise(words)


def _going_to(words: Sequence[str]) -> bool:
    return any(a in {"going", "about"} and b == "to" for a, b in _pairs(words))


def _had(words: Sequence[str]) -> bool:
    """ "'d been" is "had been"; "'d be" is "would be"."""
    return any(a == "'d" and b in {"been", "got", "gotten"} for a, b in _pairs(words))


def _every_time(words: Sequence[str]) -> bool:
    return any(a == "every" and b in TIME_NOUNS for a, b in _pairs(words))


def modal(words: Sequence[str]) -> bool:
    if any(w in MODALS for w in words):
        return True
    return any(a == "'d" and b not in {"been", "got", "gotten"} for a, b in _pairs(words))


def context_mood(tokens: Sequence[Token], seg: tuple[int, int], clause_start: int, first: int) -> str | None:
    """Mood from the words around the clause: conditional, uncertain, wish (or None)."""
    before = [t.norm for t in tokens[seg[0] : clause_start]]
    own = [t.norm for t in tokens[clause_start:first]]
    after = [t.norm for t in tokens[first : seg[1] + 1]]
    if any(w in WISH for w in before + own):
        return "wish"
    if any(w in GUESS for w in before + own):
        return "uncertain"
    if "if" in before or "whether" in before:
        return "uncertain" if any(w in EMBEDDED_QUESTION for w in before) else "conditional"
    near_after = after[: _index_of_any(after, {"but", "so"})]
    near_before = before[_last_index_of_any(before, {"but", "so"}) + 1 :]
    if any(w in CONDITIONAL for w in near_before + own + near_after):
        return "conditional"
    return None


def _index_of_any(words: Sequence[str], stops: set[str]) -> int:
    return next((i for i, w in enumerate(words) if w in stops), len(words))


def _last_index_of_any(words: Sequence[str], stops: set[str]) -> int:
    return max((i for i, w in enumerate(words) if w in stops), default=-1)


def first_content(tokens: Sequence[Token], start: int, end: int, names: frozenset[str]) -> int:
    k = start
    while k < end and (tokens[k].norm in FILLERS or tokens[k].norm in VOCATIVES or tokens[k].norm in names):
        k += 1
    return k


def imperative(tokens: Sequence[Token], start: int, chain: Chain, first: int) -> bool:
    """The clause opens with a request verb and has no subject of its own."""
    t = tokens[start].norm if start < len(tokens) else ""
    if start == first:
        return t == "calm" and first + 1 < len(tokens) and tokens[first + 1].norm == "down"
    if start > chain.start and t not in IMPERATIVE and t not in COPULAS:
        return False
    if t == "do" and start + 1 < len(tokens) and tokens[start + 1].norm == "n't":
        return start + 2 >= len(tokens) or tokens[start + 2].norm not in HUMAN_PRONOUNS
    return t in IMPERATIVE or t in {"stay", "keep", "stop", "quit"} or (t == "be" and start == chain.start)


def inverted_aux(
    tokens: Sequence[Token], np_start: int, clause_start: int, names: frozenset[str]
) -> tuple[str, bool] | None:
    """ "Are you happy", "Isn't she sad", "Why is she upset": (aux, wh-question?) or None."""
    k = np_start - 1
    if k >= 0 and tokens[k].norm == "n't":
        k -= 1
    if k < clause_start or (tokens[k].norm not in INVERSION_AUX and tokens[k].norm not in {"'s", "'re"}):
        return None
    aux = tokens[k].norm
    opener = first_content(tokens, clause_start, k, names)
    if opener == k:
        return aux, False
    if tokens[opener].norm in WH and opener + 1 == k:
        return aux, True
    return None
