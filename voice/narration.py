"""How one narrated sentence is read around an emotion word: subject, who, tense, mood, negation.

:mod:`voice.emotions` finds the emotion words; this module decides, for each, whether the
sentence states that the patient feels it *now*. The reading is rules over the words of one
sentence (no parser model: see the README's "Narration" section for the measured comparison with
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

import difflib
import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

__all__ = ["Reading", "Token", "read", "sentence_frame"]


@dataclass
class Token:
    """One normalised word piece of a sentence (``she's`` → ``she`` + ``'s``)."""

    norm: str
    display: str
    word: int  # index into the flattened word list
    clause_end: bool = False
    inner: bool = False  # a non-final part of a hyphenated word


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


COPULAS = _words(
    """is 's are 're am 'm was were be been being
    look looks looked looking feel feels felt feeling seem seems seemed seeming
    appear appears appeared appearing get gets got gotten getting become becomes became becoming
    turn turns turned turning grow grows grew growing stay stays stayed staying
    remain remains remained remaining sound sounds sounded act acts acted acting"""
)
AUXILIARIES = _words(
    """do does did can could will would shall should may might must has have had 've 'll 'd
    to going gonna want wants wanted start starts started starting begin begins began beginning
    tend tends used try tries tried trying need needs keep keeps kept keeping"""
)
INTENSIFIERS = _words(
    """very really so quite too extremely pretty rather a an bit little lot somewhat kind kinda
    sort sorta of super totally completely absolutely incredibly fairly slightly more most much
    even still also just all now already always usually often sometimes clearly obviously
    definitely probably certainly visibly genuinely truly actually suddenly quickly finally
    again like such longer any at over particularly especially terribly awfully deeply utterly
    normally generally typically big huge"""
)
NEGATORS = _words("not n't never no neither nor hardly barely cannot")
#: In a declarative chain these deny the state ("She's stopped crying").
_STOPPERS = _words("stop stops stopped stopping quit quits")
#: Only after a negator: "not that happy", "not as sad".
AFTER_NEGATOR = frozenset({"that", "as"})
CONJUNCTIONS = frozenset({"and", "or", "but", "yet"})

PERSON_PRONOUNS = _words("he she they")
OTHER_PRONOUNS = _words("everyone everybody someone somebody anyone anybody")
NARRATOR_PRONOUNS = _words("i we")
THING_PRONOUNS = _words("it this that these those everything something nothing anything there what which")
#: The person filmed, named generically ("the little boy", "what a happy girl").
GENERIC_PERSON = _words("boy girl child kid baby toddler lady man woman guy one sweetheart darling")
#: Relatives, carers, other children, animals: people (or beings) other than the patient.
OTHER_BEINGS = _words(
    """boys girls men women children kids people friends students guys babies
    mom mum mommy mummy mother dad daddy father brother sister grandma grandpa granny grandmother
    grandfather nan nana aunt auntie uncle cousin friend nurse carer caregiver teacher doctor
    therapist physio staff student neighbour neighbor husband wife son daughter parents family
    dog dogs cat cats puppy kitten horse bear bird bunny rabbit"""
)
EXPRESSION_NOUNS = _words("face faces look expression smile voice sound noise mood")
#: Capitalised at the start of a sentence, yet not a name.
NON_PERSON = _words(
    """thing things stuff all weather day today tonight life food music work school room
    everything something nothing anything song book card water toy game"""
)
SUBJECT_STOP = _words(
    """and but or so then now well okay ok alright right oh ah look see saw seeing watch watching
    yes yeah yep no um uh uhm hmm mm like because cause when whenever while if that which who whom
    where why how as since although though here there today tonight yesterday tomorrow again
    also still just finally suddenly think thinks thought know knows guess believe say said
    says notice noticed hi hey actually maybe perhaps probably let's making make makes made"""
)
NP_MODIFIERS = _words(
    "the a an my your his her our their its little young old baby big small sweet poor dear other"
)
HUMAN_PRONOUNS = PERSON_PRONOUNS | NARRATOR_PRONOUNS | {"you"}
ALL_PRONOUNS = HUMAN_PRONOUNS | THING_PRONOUNS | OTHER_PRONOUNS
_OBJECT_PRONOUNS = {"her": "she", "him": "he", "them": "they", "me": "i", "us": "we", "you": "you"}

_FUTURE = _words("will 'll shall gonna")
_MODALS = _words("might may could would should must can")
_PAST_VERBS = _words(
    """was were did had looked felt seemed appeared became turned grew stayed remained sounded
    acted"""
)
_PERFECT = _words("has have 's 've")
_PAST_ADVERBS = _words("yesterday earlier ago last")
_HABITUAL = _words("always usually often sometimes normally generally typically rarely seldom whenever")
_TIME_NOUNS = _words("time times day days morning mornings night nights evening week")
_CONDITIONAL = _words("if unless when whenever")
_EMBEDDED_QUESTION = _words("know sure tell see wonder wondering ask check whether")
_WISH = _words("hope hoping hopefully wish")
_GUESS = _words("maybe perhaps")
_BELIEF = _words("think thinks believe reckon suppose")
_WH = _words("why what who how")
_FILLERS = _words(
    """oh ah aw aww ooh wow so and now well okay ok alright right look hey yes yeah no come on
    please um uh hmm mm honestly oh"""
)
_VOCATIVES = _words("sweetheart darling honey sweetie love baby buddy sweetpea pet")
_INVERSION_AUX = _words(
    "is are am was were do does did can could will would should shall may might has have had"
)
_IMPERATIVE = _words("be stay don't let's let give try please get make")
_CLAUSE_OPENERS = _words("because cause if when whenever unless while until before after how that since")
_MAX_SUBJECT_TOKENS = 4

#: The words of a verb keyword that are past (no auxiliary: "She laughed") or a base form.
_KEYWORD_PAST = _words(
    "laughed giggled chuckled smiled cried sobbed wept whimpered whined loved enjoyed calmed startled"
)
_KEYWORD_FINITE = (
    _words(
        """laughs giggles chuckles smiles cries sobs weeps whimpers whines loves enjoys calms love enjoy
    laugh giggle chuckle smile cry sob weep whimper whine"""
    )
    | _KEYWORD_PAST
)
#: Surprise verbs used transitively: "The noise startled her" — her is the one startled, just now.
_REACTION_VERBS = _words("startled surprised shocked amazed stunned upset annoyed frustrated")


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
        return words[0] in _INVERSION_AUX and words[2] in HUMAN_PRONOUNS | {"it"}
    return len(words) == 2 and words[0] in _INVERSION_AUX and words[1] in HUMAN_PRONOUNS | {"it"}


def _is_vocative(tokens: Sequence[Token], first: int, last: int, names: frozenset[str]) -> bool:
    words = [t for t in tokens[first : last + 1] if t.norm not in {"my", "little"}]
    return len(words) == 1 and (words[0].norm in _VOCATIVES or words[0].norm in names)


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
class _Chain:
    start: int  # first token of the chain (== the keyword's first token when empty)
    negated: bool = False
    has_copula: bool = False
    has_verb: bool = False
    stopper: str = ""  # "stop" / "keep" when the chain holds one


def _chain(tokens: Sequence[Token], first: int, seg_start: int) -> _Chain:
    """Walk back from the keyword over intensifiers, copulas, auxiliaries and negators."""
    chain = _Chain(first)
    k = first - 1
    while k >= seg_start:
        t = tokens[k]
        if t.norm in NEGATORS:
            chain.negated = chain.has_verb = True
        elif t.norm in _STOPPERS:
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


def is_capitalised(token: Token) -> bool:
    return token.display[:1].isupper() and token.norm != "i"


def noun_phrase_before(tokens: Sequence[Token], before: int, seg_start: int) -> list[Token]:
    """The noun phrase that ends just before token ``before`` (walking back), or []."""
    k = before - 1
    if k < seg_start:
        return []
    head = tokens[k]
    if head.norm in ALL_PRONOUNS:
        return [head]
    if head.norm in SUBJECT_STOP or head.norm in NP_MODIFIERS or head.norm.startswith("'"):
        return []
    if head.norm in _OBJECT_PRONOUNS or head.norm in COPULAS or head.norm in AUXILIARIES:
        return []
    subject = [head]
    k -= 1
    while k >= seg_start and len(subject) < _MAX_SUBJECT_TOKENS:
        t = tokens[k]
        if t.norm in SUBJECT_STOP or t.norm in HUMAN_PRONOUNS:
            break
        possessor = subject[0].norm == "'s"
        if not (possessor or t.norm == "'s" or t.norm in NP_MODIFIERS or is_capitalised(t)):
            break
        subject.insert(0, t)
        k -= 1
    while subject and subject[0].norm == "'s":  # a dangling possessive marker is no subject
        subject.pop(0)
    return subject


def _clause_start(tokens: Sequence[Token], pos: int, seg_start: int) -> int:
    """The first token of the clause holding ``pos``: after a conjunction + subject or an opener."""
    k = pos - 1
    while k >= seg_start:
        t = tokens[k].norm
        if t in _CLAUSE_OPENERS or t in _BELIEF or t in _WISH or t in {"think", "guess", "says", "know"}:
            return k + 1
        if t in {"but", "and", "so", "or"} and tokens[k + 1].norm in HUMAN_PRONOUNS | {"now", "then"}:
            return k + 1
        k -= 1
    return seg_start


def _shared_subject(tokens: Sequence[Token], conj: int, seg_start: int) -> tuple[list[Token], bool]:
    """ "I'm exhausted but happy", "She's nice and relaxed": the subject of the copula before."""
    k = conj - 1
    stop = _clause_start(tokens, conj, seg_start)
    while k >= stop:
        if tokens[k].norm in COPULAS:
            chain = _chain(tokens, k + 1, seg_start)
            return noun_phrase_before(tokens, chain.start, seg_start), True
        k -= 1
    return [], False


# --- who -------------------------------------------------------------------------------------


def name_matches(word: str, names: frozenset[str]) -> bool:
    """The patient's name or nickname, also as Whisper spells it ("Mariah" for "Maria")."""
    low = word.lower()
    if low in names:
        return True
    return any(
        low[:1] == n[:1] and difflib.SequenceMatcher(None, low, n).ratio() >= 0.8 for n in names if len(n) > 2
    )


def who_of(subject: Sequence[Token], names: frozenset[str] | None) -> str:
    """patient / narrator / other / thing for a subject noun phrase (``names``: None = unknown)."""
    if not subject:
        return "patient"
    head = subject[-1]
    norm = _OBJECT_PRONOUNS.get(head.norm, head.norm) if len(subject) == 1 else head.norm
    if norm in NARRATOR_PRONOUNS:
        return "narrator"
    if norm in PERSON_PRONOUNS or norm == "you":
        return "patient"
    if norm in THING_PRONOUNS:
        return "thing"
    if norm in OTHER_PRONOUNS or norm in OTHER_BEINGS:
        return "other"
    if any(t.norm in {"'s", "other"} for t in subject[:-1]):
        return "other"  # "Maria's mom", "the other kid"
    if norm in GENERIC_PERSON:
        return "patient"
    if is_capitalised(head) and norm not in NON_PERSON:
        if names is None or name_matches(norm, names):
            return "patient"
        return "other"
    return "thing"


def _attributive_noun(tokens: Sequence[Token], last: int, seg_end: int, first: int) -> Token | None:
    """The noun an adjective keyword modifies ("a happy song", "sad face"), if it does."""
    if last + 1 > seg_end:
        return None
    nxt = tokens[last + 1]
    if nxt.norm in GENERIC_PERSON or nxt.norm in OTHER_BEINGS or nxt.norm in EXPRESSION_NOUNS:
        return nxt
    if nxt.norm in _THING_NOUNS:
        return nxt
    determiner = first > 0 and tokens[first - 1].norm in {"a", "an", "the", "this", "that", "some", "such"}
    if determiner and nxt.norm.isalpha() and nxt.norm not in _FUNCTION_WORDS:
        return nxt
    return None


_FUNCTION_WORDS = (
    _words(
        """and or but to at in on with about for of by from because when if so as than now today
        again too then there here this morning tonight yet anymore though is are was were be all
        just right like yesterday still already enough"""
    )
    | ALL_PRONOUNS
    | _OBJECT_PRONOUNS.keys()
)
_THING_NOUNS = _words(
    """song songs music tune room day book card story film show picture toy toys game place
    weather water bath moment news"""
)


# --- tense and mood --------------------------------------------------------------------------


def _tense(tokens: Sequence[Token], chain: _Chain, first: int, span: tuple[int, int]) -> str:
    """present / recent / past / future / habitual of the keyword's clause."""
    words = [t.norm for t in tokens[chain.start : first]]
    keyword = tokens[first].norm
    around = [t.norm for t in tokens[span[0] : span[1] + 1]]
    if "used" in words or "tend" in words or "tends" in words:
        return "habitual"
    if any(w in _FUTURE for w in words) or _going_to(words):
        return "future"
    perfect = any(w in _PERFECT for w in words)
    past = any(w in _PAST_VERBS for w in words) or _had(words)
    if keyword in _KEYWORD_PAST and not perfect and not chain.has_copula:
        past = True  # "She laughed", not "She looks startled"
    if "got" in words and not perfect:
        past = True
    if any(w in _PAST_ADVERBS for w in around):
        past = True
    if past:
        return "recent" if "just" in words and not any(w in _PAST_ADVERBS for w in around) else "past"
    if any(w in _HABITUAL for w in around) or _every_time(around):
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
    return any(a == "every" and b in _TIME_NOUNS for a, b in _pairs(words))


def _modal(words: Sequence[str]) -> bool:
    if any(w in _MODALS for w in words):
        return True
    return any(a == "'d" and b not in {"been", "got", "gotten"} for a, b in _pairs(words))


def _context_mood(tokens: Sequence[Token], seg: tuple[int, int], clause_start: int, first: int) -> str | None:
    """Mood from the words around the clause: conditional, uncertain, wish (or None)."""
    before = [t.norm for t in tokens[seg[0] : clause_start]]
    own = [t.norm for t in tokens[clause_start:first]]
    after = [t.norm for t in tokens[first : seg[1] + 1]]
    if any(w in _WISH for w in before + own):
        return "wish"
    if any(w in _GUESS for w in before + own):
        return "uncertain"
    if "if" in before or "whether" in before:
        return "uncertain" if any(w in _EMBEDDED_QUESTION for w in before) else "conditional"
    near_after = after[: _index_of_any(after, {"but", "so"})]
    near_before = before[_last_index_of_any(before, {"but", "so"}) + 1 :]
    if any(w in _CONDITIONAL for w in near_before + own + near_after):
        return "conditional"
    return None


def _index_of_any(words: Sequence[str], stops: set[str]) -> int:
    return next((i for i, w in enumerate(words) if w in stops), len(words))


def _last_index_of_any(words: Sequence[str], stops: set[str]) -> int:
    return max((i for i, w in enumerate(words) if w in stops), default=-1)


def _first_content(tokens: Sequence[Token], start: int, end: int, names: frozenset[str]) -> int:
    k = start
    while k < end and (tokens[k].norm in _FILLERS or tokens[k].norm in _VOCATIVES or tokens[k].norm in names):
        k += 1
    return k


def _imperative(tokens: Sequence[Token], start: int, chain: _Chain, first: int) -> bool:
    """The clause opens with a request verb and has no subject of its own."""
    t = tokens[start].norm if start < len(tokens) else ""
    if start == first:
        return t == "calm" and first + 1 < len(tokens) and tokens[first + 1].norm == "down"
    if start > chain.start and t not in _IMPERATIVE and t not in COPULAS:
        return False
    if t == "do" and start + 1 < len(tokens) and tokens[start + 1].norm == "n't":
        return start + 2 >= len(tokens) or tokens[start + 2].norm not in HUMAN_PRONOUNS
    return t in _IMPERATIVE or t in {"stay", "keep", "stop", "quit"} or (t == "be" and start == chain.start)


def _inversion(
    tokens: Sequence[Token], np_start: int, clause_start: int, names: frozenset[str]
) -> tuple[str, bool] | None:
    """ "Are you happy", "Isn't she sad", "Why is she upset": (aux, wh-question?) or None."""
    k = np_start - 1
    if k >= 0 and tokens[k].norm == "n't":
        k -= 1
    if k < clause_start or tokens[k].norm not in _INVERSION_AUX and tokens[k].norm not in {"'s", "'re"}:
        return None
    aux = tokens[k].norm
    opener = _first_content(tokens, clause_start, k, names)
    if opener == k:
        return aux, False
    if tokens[opener].norm in _WH and opener + 1 == k:
        return aux, True
    return None


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
    while k <= seg[1] and tokens[k].norm not in _CLAUSE_OPENERS | {"but"}:
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
    chain = _chain(tokens, span.first, seg[0])
    shared = _coordination(tokens, chain, prev)
    if shared is not None:
        return shared
    subject, inverted, wh = _find_subject(tokens, span, chain, seg, known)
    has_copula = chain.has_copula
    if not subject and chain.start > seg[0] and tokens[chain.start - 1].norm in {"and", "but"}:
        subject, has_copula = _shared_subject(tokens, chain.start - 1, seg[0])
        has_copula = has_copula or chain.has_copula
    clause_start = subject_start = _subject_start(tokens, subject, chain)
    clause_start = _clause_start(tokens, subject_start, seg[0])
    words = [t.norm for t in tokens[chain.start : span.first]]
    mood = _mood(tokens, span, chain, seg, clause_start, subject, inverted, wh, frame, known)
    tense = _tense(tokens, chain, span.first, _clause_span(tokens, clause_start, span.last, seg))
    if inverted and tokens[subject_start - 1].norm in {"was", "were", "did"}:
        tense = "past"
    negated = (chain.negated or chain.stopper == "stop") and mood != "ongoing"
    if inverted and subject_start > 0 and tokens[subject_start - 1].norm == "n't":
        negated = True
    negated = negated or _denied_belief(tokens, seg[0], clause_start)
    if mood == "statement" and _modal(words):
        mood = "hypothetical"
    who = _who(tokens, span, subject, seg, names, chain)
    if _reacted(tokens, span, subject):
        tense = "recent" if tense == "past" and not _past_adverb(tokens, seg) else tense
    return Reading(tuple(subject), who, tense, mood, negated, has_copula)


def _reacted(tokens: Sequence[Token], span: KeywordSpan, subject: Sequence[Token]) -> bool:
    """ "The noise startled her": the object is the one startled, and it just happened."""
    return bool(subject) and span.last + 1 < len(tokens) and subject[0] is tokens[span.last + 1]


def _past_adverb(tokens: Sequence[Token], seg: tuple[int, int]) -> bool:
    return any(t.norm in _PAST_ADVERBS for t in tokens[seg[0] : seg[1] + 1])


def _coordination(tokens: Sequence[Token], chain: _Chain, prev: tuple[int, Reading] | None) -> Reading | None:
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


def _subject_start(tokens: Sequence[Token], subject: Sequence[Token], chain: _Chain) -> int:
    if not subject:
        return chain.start
    return min(chain.start, next(i for i, t in enumerate(tokens) if t is subject[0]))


def _find_subject(
    tokens: Sequence[Token], span: KeywordSpan, chain: _Chain, seg: tuple[int, int], names: frozenset[str]
) -> tuple[list[Token], bool, bool]:
    """(subject, inverted, wh-question). Also "making you happy" and "startled her"."""
    np = noun_phrase_before(tokens, chain.start, seg[0])
    if np:
        np_start = _subject_start(tokens, np, chain)
        inversion = _inversion(tokens, np_start, _clause_start(tokens, np_start, seg[0]), names)
        if inversion is not None:
            return np, True, inversion[1]
    obj = _object_subject(tokens, span, chain, seg)
    if obj and (not chain.has_verb or not np):
        return obj, False, False
    if chain.has_verb or tokens[span.first].norm in _KEYWORD_FINITE:
        return np, False, False
    return (obj, False, False) if obj else (np if chain.has_verb else [], False, False)


def _object_subject(
    tokens: Sequence[Token], span: KeywordSpan, chain: _Chain, seg: tuple[int, int]
) -> list[Token]:
    """ "making you so happy" → you; "startled her" → her (read as the one who feels it)."""
    k = chain.start - 1
    if (
        k > seg[0]
        and tokens[k].norm in _OBJECT_PRONOUNS
        and tokens[k - 1].norm in {"making", "makes", "make", "made"}
    ):
        return [tokens[k]]
    nxt = span.last + 1
    if tokens[span.first].norm in _REACTION_VERBS and nxt <= seg[1] and tokens[nxt].norm in _OBJECT_PRONOUNS:
        return [tokens[nxt]]
    return []


def _mood(
    tokens: Sequence[Token],
    span: KeywordSpan,
    chain: _Chain,
    seg: tuple[int, int],
    clause_start: int,
    subject: Sequence[Token],
    inverted: bool,
    wh: bool,
    frame: SentenceFrame,
    names: frozenset[str],
) -> str:
    opener = _first_content(tokens, clause_start, span.first, names)
    if wh or (
        frame.question_from is not None and tokens[opener].norm in _WH and opener >= frame.question_from
    ):
        return "wh-question"
    if inverted or (frame.question_from is not None and span.first >= frame.question_from):
        return "question"
    if not subject and _imperative(tokens, opener, chain, span.first):
        return "ongoing" if chain.stopper else "request"
    context = _context_mood(tokens, seg, clause_start, span.first)
    return context or "statement"


def _denied_belief(tokens: Sequence[Token], start: int, clause_start: int) -> bool:
    """ "I don't think she's angry": the main clause denies the belief."""
    before = [t.norm for t in tokens[start:clause_start]]
    return any(w in _BELIEF for w in before) and any(w in {"n't", "not"} for w in before)


def _who(
    tokens: Sequence[Token],
    span: KeywordSpan,
    subject: Sequence[Token],
    seg: tuple[int, int],
    names: frozenset[str] | None,
    chain: _Chain,
) -> str:
    keyword = tokens[span.first].norm
    verb = keyword in _KEYWORD_FINITE or keyword.endswith("ing")
    noun = None if verb else _attributive_noun(tokens, span.last, seg[1], span.first)
    if noun is not None and noun.norm not in EXPRESSION_NOUNS:
        who = who_of([noun], names)
        if who == "patient" and subject:
            return who_of(subject, names)
        return who
    if noun is not None and not subject:
        return "thing"  # "Sad face on the card"
    return who_of(subject, names)
