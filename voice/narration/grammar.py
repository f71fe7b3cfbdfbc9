"""The word lists of narration reading, and the noun phrase and who of a subject.

Data as much as code: the closed classes of English that :mod:`voice.narration.clauses` and
:mod:`voice.narration.reading` walk over (copulas, auxiliaries, negators, pronouns), the nouns that name
people other than the patient, and how a subject is classed as patient / narrator / other /
thing. See :mod:`voice.narration.reading` for the rules.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass


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
STOPPERS = _words("stop stops stopped stopping quit quits")
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
OBJECT_PRONOUNS = {"her": "she", "him": "he", "them": "they", "me": "i", "us": "we", "you": "you"}

FUTURE = _words("will 'll shall gonna")
MODALS = _words("might may could would should must can")
PAST_VERBS = _words(
    """was were did had looked felt seemed appeared became turned grew stayed remained sounded
    acted"""
)
PERFECT = _words("has have 's 've")
PAST_ADVERBS = _words("yesterday earlier ago last")
HABITUAL = _words("always usually often sometimes normally generally typically rarely seldom whenever")
TIME_NOUNS = _words("time times day days morning mornings night nights evening week")
CONDITIONAL = _words("if unless when whenever")
EMBEDDED_QUESTION = _words("know sure tell see wonder wondering ask check whether")
WISH = _words("hope hoping hopefully wish")
GUESS = _words("maybe perhaps")
BELIEF = _words("think thinks believe reckon suppose")
WH = _words("why what who how")
FILLERS = _words(
    """oh ah aw aww ooh wow so and now well okay ok alright right look hey yes yeah no come on
    please um uh hmm mm honestly oh"""
)
VOCATIVES = _words("sweetheart darling honey sweetie love baby buddy sweetpea pet")
INVERSION_AUX = _words(
    "is are am was were do does did can could will would should shall may might has have had"
)
IMPERATIVE = _words("be stay don't let's let give try please get make")
CLAUSE_OPENERS = _words("because cause if when whenever unless while until before after how that since")
_MAX_SUBJECT_TOKENS = 4

#: The words of a verb keyword that are past (no auxiliary: "She laughed") or a base form.
KEYWORD_PAST = _words(
    "laughed giggled chuckled smiled cried sobbed wept whimpered whined loved enjoyed calmed startled"
)
KEYWORD_FINITE = (
    _words(
        """laughs giggles chuckles smiles cries sobs weeps whimpers whines loves enjoys calms love enjoy
    laugh giggle chuckle smile cry sob weep whimper whine"""
    )
    | KEYWORD_PAST
)
#: Surprise verbs used transitively: "The noise startled her" — her is the one startled, just now.
REACTION_VERBS = _words("startled surprised shocked amazed stunned upset annoyed frustrated")


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
    if head.norm in OBJECT_PRONOUNS or head.norm in COPULAS or head.norm in AUXILIARIES:
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
    norm = OBJECT_PRONOUNS.get(head.norm, head.norm) if len(subject) == 1 else head.norm
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


def attributive_noun(tokens: Sequence[Token], last: int, seg_end: int, first: int) -> Token | None:
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
    | OBJECT_PRONOUNS.keys()
)
_THING_NOUNS = _words(
    """song songs music tune room day book card story film show picture toy toys game place
    weather water bath moment news"""
)
