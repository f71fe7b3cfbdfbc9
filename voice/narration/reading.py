"""How one narrated sentence is read around an emotion word: subject, who, tense, mood, negation.

:mod:`voice.narration.emotions` finds the emotion words; this module decides, for each, whether the
sentence states that the patient feels it *now*. The reading is rules over the words of one
sentence (no parser model: see docs/narration.md for the measured comparison with
spaCy). It knows:

* **Who** (the subject's head word): ``he``/``she``/``they``/``you`` and the patient's names
  (Whisper's spelling tolerated) are the **patient**; ``I``/``we`` the **narrator**; another
  name, a relative or a carer ("her mom", "the nurse", "Tom"), other children and animals are
  **other**; ``it``/``that`` and nouns that are not people ("the music", "a calm room",
  "sad face on the card") a **thing**. No subject ("Happy again.") means the patient.
* **Mood**: a question (a trailing "?" on the clause, or an inverted "Are you happy"; a tag
  "..., isn't she?" keeps a statement; "Why are you crying?" presupposes the state and counts);
  a request ("Don't be sad", "Calm down", "Let's be happy"; but "Stop crying" and "Keep
  smiling" say the behaviour is happening and count); a conditional ("if", "when",
  "whenever", "unless"); a guess or embedded question ("maybe", "I'm not sure if", "I wonder
  if"); a wish ("I hope", "I wish"); a modal ("might", "could", "would").
* **Tense**: past ("was", "cried", "yesterday"; "She just laughed" is *recent* and counts),
  future ("will", "going to", "about to"), habitual ("always", "usually", "used to",
  "every time"). Present perfect ("She's been crying", "She's calmed down") is present.
* **Negation**, also from the main clause: "I don't think she's angry" denies anger.

A statement counts (becomes a training label) only when it is about the patient, in the
present (or just now), and a plain statement: see :meth:`Reading.ignored` for the reason
given otherwise.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from voice.narration.clauses import (
    Chain,
    Reading,
    SentenceFrame,
    clause_start_of,
    context_mood,
    first_content,
    imperative,
    inverted_aux,
    modal,
    predicate_chain,
    shared_subject,
    tense_of,
)
from voice.narration.grammar import (
    BELIEF,
    CLAUSE_OPENERS,
    CONJUNCTIONS,
    EXPRESSION_NOUNS,
    KEYWORD_FINITE,
    OBJECT_PRONOUNS,
    PAST_ADVERBS,
    REACTION_VERBS,
    WH,
    Token,
    attributive_noun,
    noun_phrase_before,
    who_of,
)

__all__ = ["KeywordSpan", "Reading", "Token", "read"]


# --- the reading -----------------------------------------------------------------------------


@dataclass(frozen=True)
class KeywordSpan:
    """Where the keyword sits and what kind of word it is."""

    first: int
    last: int
    weak: bool


def _segment_of(frame: SentenceFrame, pos: int) -> tuple[int, int]:
    return next(s for s in frame.segments if s[0] <= pos <= s[1])


def _clause_span(tokens: Sequence[Token], start: int, last: int, seg: tuple[int, int]) -> tuple[int, int]:
    """From the clause start to the next clause opener ("but", "because", ...) or the segment end."""
    k = last + 1
    while k <= seg[1] and tokens[k].norm not in CLAUSE_OPENERS | {"but"}:
        k += 1
    return start, k - 1


def read(
    tokens: Sequence[Token],
    span: KeywordSpan,
    frame: SentenceFrame,
    names: frozenset[str] | None,
    prev: tuple[int, Reading] | None = None,
) -> Reading:
    """Read one keyword. ``prev``: the last token and reading of the keyword before it."""
    seg = _segment_of(frame, span.first)
    known = names or frozenset()
    chain = predicate_chain(tokens, span.first, seg[0])
    shared = _coordination(tokens, chain, prev)
    if shared is not None:
        return shared
    subject, inverted, wh = _find_subject(tokens, span, chain, seg, known)
    has_copula = chain.has_copula
    if not subject and chain.start > seg[0] and tokens[chain.start - 1].norm in {"and", "but"}:
        subject, has_copula = shared_subject(tokens, chain.start - 1, seg[0])
        has_copula = has_copula or chain.has_copula
    clause_start = subject_start = _subject_start(tokens, subject, chain)
    clause_start = clause_start_of(tokens, subject_start, seg[0])
    words = [t.norm for t in tokens[chain.start : span.first]]
    clause = _Clause(tokens, span, chain, seg, clause_start, frame, known)
    mood = _mood(clause, subject, inverted=inverted, wh=wh)
    tense = tense_of(tokens, chain, span.first, _clause_span(tokens, clause_start, span.last, seg))
    if inverted and tokens[subject_start - 1].norm in {"was", "were", "did"}:
        tense = "past"
    negated = (chain.negated or chain.stopper == "stop") and mood != "ongoing"
    if inverted and subject_start > 0 and tokens[subject_start - 1].norm == "n't":
        negated = True
    negated = negated or _denied_belief(tokens, seg[0], clause_start)
    if mood == "statement" and modal(words):
        mood = "hypothetical"
    who = _who(tokens, span, subject, seg, names, chain)
    if _reacted(tokens, span, subject):
        tense = "recent" if tense == "past" and not _past_adverb(tokens, seg) else tense
    return Reading(tuple(subject), who, tense, mood, negated, has_copula)


def _reacted(tokens: Sequence[Token], span: KeywordSpan, subject: Sequence[Token]) -> bool:
    """ "The noise startled her": the object is the one startled, and it just happened."""
    return bool(subject) and span.last + 1 < len(tokens) and subject[0] is tokens[span.last + 1]


def _past_adverb(tokens: Sequence[Token], seg: tuple[int, int]) -> bool:
    return any(t.norm in PAST_ADVERBS for t in tokens[seg[0] : seg[1] + 1])


def _coordination(tokens: Sequence[Token], chain: Chain, prev: tuple[int, Reading] | None) -> Reading | None:
    """ "sad or angry", "happy, excited", "sad but calm": the keyword shares the one before's reading."""
    if prev is None:
        return None
    k = chain.start - 1
    conjunction = None
    if k >= 0 and tokens[k].norm in CONJUNCTIONS and not tokens[k].clause_end:
        conjunction, k = tokens[k].norm, k - 1
    last, shared = prev
    if k < 0 or k != last:
        return None
    negated = chain.negated or (conjunction in {"and", "or"} and not chain.has_copula and shared.negated)
    has_copula = chain.has_copula or shared.has_copula
    return Reading(shared.subject, shared.who, shared.tense, shared.mood, negated, has_copula)


def _subject_start(tokens: Sequence[Token], subject: Sequence[Token], chain: Chain) -> int:
    if not subject:
        return chain.start
    return min(chain.start, next(i for i, t in enumerate(tokens) if t is subject[0]))


def _find_subject(
    tokens: Sequence[Token], span: KeywordSpan, chain: Chain, seg: tuple[int, int], names: frozenset[str]
) -> tuple[list[Token], bool, bool]:
    """(subject, inverted, wh-question). Also "making you happy" and "startled her"."""
    np = noun_phrase_before(tokens, chain.start, seg[0])
    if np:
        np_start = _subject_start(tokens, np, chain)
        inversion = inverted_aux(tokens, np_start, clause_start_of(tokens, np_start, seg[0]), names)
        if inversion is not None:
            return np, True, inversion[1]
    obj = _object_subject(tokens, span, chain, seg)
    if obj and (not chain.has_verb or not np):
        return obj, False, False
    if chain.has_verb or tokens[span.first].norm in KEYWORD_FINITE:
        return np, False, False
    return (obj, False, False) if obj else (np if chain.has_verb else [], False, False)


def _object_subject(
    tokens: Sequence[Token], span: KeywordSpan, chain: Chain, seg: tuple[int, int]
) -> list[Token]:
    """ "making you so happy" → you; "startled her" → her (read as the one who feels it)."""
    k = chain.start - 1
    if (
        k > seg[0]
        and tokens[k].norm in OBJECT_PRONOUNS
        and tokens[k - 1].norm in {"making", "makes", "make", "made"}
    ):
        return [tokens[k]]
    nxt = span.last + 1
    if tokens[span.first].norm in REACTION_VERBS and nxt <= seg[1] and tokens[nxt].norm in OBJECT_PRONOUNS:
        return [tokens[nxt]]
    return []


@dataclass(frozen=True)
class _Clause:
    """Where a keyword sits: its sentence's tokens, its predicate chain and clause bounds."""

    tokens: Sequence[Token]
    span: KeywordSpan
    chain: Chain
    seg: tuple[int, int]
    start: int
    frame: SentenceFrame
    names: frozenset[str]


def _mood(clause: _Clause, subject: Sequence[Token], *, inverted: bool, wh: bool) -> str:
    tokens, span, frame = clause.tokens, clause.span, clause.frame
    opener = first_content(tokens, clause.start, span.first, clause.names)
    if wh or (
        frame.question_from is not None and tokens[opener].norm in WH and opener >= frame.question_from
    ):
        return "wh-question"
    if inverted or (frame.question_from is not None and span.first >= frame.question_from):
        return "question"
    if not subject and imperative(tokens, opener, clause.chain, span.first):
        return "ongoing" if clause.chain.stopper else "request"
    context = context_mood(tokens, clause.seg, clause.start, span.first)
    return context or "statement"


def _denied_belief(tokens: Sequence[Token], start: int, clause_start: int) -> bool:
    """ "I don't think she's angry": the main clause denies the belief."""
    before = [t.norm for t in tokens[start:clause_start]]
    return any(w in BELIEF for w in before) and any(w in {"n't", "not"} for w in before)


def _who(
    tokens: Sequence[Token],
    span: KeywordSpan,
    subject: Sequence[Token],
    seg: tuple[int, int],
    names: frozenset[str] | None,
    chain: Chain,
) -> str:
    keyword = tokens[span.first].norm
    verb = keyword in KEYWORD_FINITE or keyword.endswith("ing")
    noun = None if verb else attributive_noun(tokens, span.last, seg[1], span.first)
    if noun is not None and noun.norm not in EXPRESSION_NOUNS:
        who = who_of([noun], names)
        if who == "patient" and subject:
            return who_of(subject, names)
        return who
    if noun is not None and not subject:
        return "thing"  # "Sad face on the card"
    return who_of(subject, names)
