"""Narration → emotion events.

The narrator of a video says things like "Maria is happy now." or "She doesn't look sad.". This
module finds every such statement in a :class:`~voice.transcript.Transcript` and turns it into an
:class:`EmotionEvent` anchored on the emotion word's own Whisper timestamp.

How a transcript is read:

* Words (with their timestamps) are split into sentences on ``.`` ``!`` ``?`` ``…`` attached to
  the words, across segment boundaries; commas, semicolons, colons and dashes end a clause. A
  segment that ends without punctuation, followed by one that starts with a capital (other than
  "I"), also ends a sentence, so an unpunctuated transcript is not one endless sentence; an
  ellipsis followed by a lower-case word ("She is... happy.") does not.
* Each word is normalised (lower case, curly apostrophes straightened, punctuation stripped);
  contractions are split (``she's`` → ``she`` + ``'s``, ``isn't`` → ``is`` + ``n't``) and
  hyphenated words are matched whole, joined (``un-happy`` → ``unhappy``) or, failing that, part
  by part (``over-excited`` → ``over`` + ``excited``).
* Keywords and phrases of :data:`LEXICON` are matched longest first.
* From the keyword, the parser walks back over the predicate: intensifiers ("very", "a bit"),
  copulas ("is", "looks", "feels", "seems", "gets", "became", ...), auxiliaries ("does", "will")
  and negators ("not", "n't", "never", "no longer"). A negator there makes the event
  ``negated``. The words before the copula chain form the ``subject``: a pronoun, or a short
  noun phrase ("Maria", "the little boy", "Maria's mom"), with fillers such as "now", "and",
  "look," left out. A keyword coordinated with an earlier one ("She isn't sad or angry",
  "She is happy and excited") shares its subject, and with "and"/"or" also its negation.

Decisions (the brief left them open):

* **Strong** keywords ("happy", "calm", "crying", ...) count anywhere, also bare ("Now happy
  again."). They are dropped when their subject is a thing pronoun ("That's sad", "It is calm"
  describe a situation, not a person).
* **Weak** keywords ("okay", "fine", "alright", "normal", "down", "cross") are everyday filler.
  They count only as the predicate of a person through a copula: the subject must be "he",
  "she", "they", a person noun ("the boy", "her mom") or a capitalised name ("Maria seems
  okay"). "Okay, let's start.", "Okay.", "fine, we'll see", "That's fine", "It's okay" and
  "I'm fine" (the narrator about themselves) give no event. A weak word followed by "at", "on",
  "the", "there" ... ("She looks down at the floor") is read as a direction, not a feeling.
* A subject is taken only when a copula, auxiliary or negator precedes the keyword: "He
  laughs." and "Now happy again." have subject "". Subjects keep Whisper's spelling.
* Questions are not treated specially: "Why is she crying?" still says she cries.
* Idioms that contain a keyword but name no feeling ("happy birthday") are listed per emotion
  in :attr:`Keywords.idioms` and never give an event.
* For a phrase ("in a good mood") the event time is the first word's start, ``end`` the last
  word's end.

Timing: an event's ``time`` is the keyword's ``start``. Whisper sometimes gives a word a
zero-length timing (``start == end``); the start is then kept, but never earlier than the end of
the previous word. A missing timing (NaN, negative) takes the previous word's end, else the next
word's start, else the segment start. A segment without word timestamps falls back to the
segment's start (``time``) and end (``end``) for every keyword in it.

Pure: no I/O, no logging of transcript text; deterministic.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from voice.config import EMOTIONS
from voice.transcript import Segment, Transcript, Word

__all__ = ["LEXICON", "EmotionEvent", "Keywords", "emotion_of", "extract_events"]


@dataclass(frozen=True)
class Keywords:
    """The words and phrases that name one emotion.

    ``strong``: count anywhere in a sentence. ``weak``: count only as the predicate of a person
    via a copula ("she is fine"). ``idioms``: phrases containing a keyword that name no feeling
    ("happy birthday"); they are matched (longest first) and skipped. Entries may be phrases of
    several words; case and punctuation do not matter.
    """

    strong: tuple[str, ...]
    weak: tuple[str, ...] = ()
    idioms: tuple[str, ...] = ()


#: The emotion lexicon: canonical emotion → its keywords. A keyword may name one emotion only.
#: Extend it and pass the result to :func:`extract_events`, for example
#: ``{**LEXICON, "anger": replace(LEXICON["anger"], strong=(*LEXICON["anger"].strong, "seething"))}``
#: (``dataclasses.replace``).
LEXICON: Mapping[str, Keywords] = MappingProxyType(
    {
        "happiness": Keywords(
            strong=(
                "happy", "happier", "happiest", "happily", "joyful", "joyous", "excited", "cheerful",
                "delighted", "glad", "pleased", "thrilled", "elated", "ecstatic", "overjoyed", "jolly",
                "gleeful", "smiling", "smiles", "smiled", "grinning", "beaming", "laughing", "laughs",
                "laughed", "giggling", "giggles", "giggled", "in a good mood", "in good spirits",
                "over the moon", "cheered up",
            ),
            idioms=(
                "happy birthday", "happy new year", "happy holidays", "happy easter", "happy hour",
                "happy anniversary",
            ),
        ),
        "sadness": Keywords(
            strong=(
                "sad", "sadder", "saddest", "unhappy", "unhappier", "depressed", "miserable", "crying",
                "cries", "cried", "cry", "sobbing", "sobbed", "weeping", "wept", "tearful", "teary",
                "upset", "disappointed", "heartbroken", "gloomy", "glum", "sorrowful", "lonely",
                "in tears",
            ),
            weak=("down",),
        ),
        "anger": Keywords(
            strong=(
                "angry", "angrier", "angriest", "angrily", "mad", "madder", "furious", "annoyed",
                "irritated", "irritable", "frustrated", "enraged", "livid", "grumpy", "cranky",
                "agitated", "aggravated", "fed up", "worked up",
            ),
            weak=("cross",),
        ),
        "surprise": Keywords(
            strong=(
                "surprised", "amazed", "astonished", "shocked", "stunned", "startled", "astounded",
                "flabbergasted", "dumbfounded", "taken aback", "caught off guard", "in shock",
            ),
        ),
        "neutral": Keywords(
            strong=(
                "neutral", "calm", "calmer", "calmly", "calmed", "relaxed", "composed", "peaceful",
                "serene", "tranquil", "expressionless", "impassive", "at ease", "at peace",
                "calmed down", "calming down", "calms down",
            ),
            weak=("fine", "okay", "ok", "alright", "all right", "normal", "back to normal"),
        ),
    }
)  # fmt: skip

# --- the little grammar the parser needs -----------------------------------------------------


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_COPULAS = _words(
    """is 's are 're am 'm was were be been being
    look looks looked looking feel feels felt feeling seem seems seemed seeming
    appear appears appeared appearing get gets got gotten getting become becomes became becoming
    turn turns turned turning grow grows grew growing stay stays stayed staying
    remain remains remained remaining sound sounds sounded act acts acted acting"""
)
_AUXILIARIES = _words(
    """do does did can could will would shall should may might must has have had 've 'll 'd
    to going gonna want wants wanted start starts started starting begin begins began beginning
    tend tends used try tries tried trying need needs"""
)
_INTENSIFIERS = _words(
    """very really so quite too extremely pretty rather a an bit little lot somewhat kind kinda
    sort sorta of super totally completely absolutely incredibly fairly slightly more most much
    even still also just all now already always usually often sometimes clearly obviously
    definitely probably certainly visibly genuinely truly actually suddenly quickly finally
    again like such longer any at over particularly especially terribly awfully deeply utterly"""
)
_NEGATORS = _words("not n't never no neither nor hardly barely cannot")
#: Only after a negator: "not that happy", "not as sad".
_AFTER_NEGATOR = frozenset({"that", "as"})
_CONJUNCTIONS = frozenset({"and", "or", "but", "yet"})

_PERSON_PRONOUNS = frozenset({"he", "she", "they", "everyone", "everybody", "someone", "somebody"})
_NARRATOR_PRONOUNS = frozenset({"i", "we", "you"})
_THING_PRONOUNS = _words("it this that these those everything something nothing anything there what which")
_PERSON_NOUNS = _words(
    """boy boys girl girls man men woman women child children kid kids baby toddler son daughter
    brother sister mom mum mommy mother dad daddy father grandma grandpa granny grandmother
    grandfather patient friend friends person people student students lady guy guys"""
)
#: Capitalised at the start of a sentence, yet not a name.
_NON_PERSON = _words(
    """thing things stuff all weather day today tonight life food music work school room
    everything something nothing anything"""
)
#: Words that end a subject when walking back from the copula (fillers, conjunctions, verbs).
_SUBJECT_STOP = _words(
    """and but or so then now well okay ok alright right oh ah look see saw seeing watch watching
    yes yeah yep no um uh uhm hmm mm like because cause when whenever while if that which who whom
    where why how as since although though here there today tonight yesterday tomorrow again
    also still just finally suddenly think thinks thought know knows guess believe say said
    says notice noticed hi hey actually maybe perhaps probably let's"""
)
_NP_MODIFIERS = _words(
    "the a an my your his her our their its little young old baby big small sweet poor dear"
)
_HUMAN_PRONOUNS = _PERSON_PRONOUNS | _NARRATOR_PRONOUNS
_ALL_PRONOUNS = _HUMAN_PRONOUNS | _THING_PRONOUNS
#: After a weak keyword these make it a direction or place ("looks down at", "is down there").
_WEAK_BLOCKERS = frozenset({"at", "on", "onto", "into", "from", "the", "there", "here", "stairs"})

_CLITICS = ("'s", "'re", "'m", "'ve", "'ll", "'d")
_NEG_BASES = {"ca": "can", "wo": "will", "ai": "is", "sha": "shall"}
_ABBREVIATIONS = frozenset({"mr", "mrs", "ms", "dr", "st", "prof", "jr", "sr", "vs"})
_MAX_SUBJECT_TOKENS = 4

_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "`": "'", "´": "'"})
_EDGE_PUNCT = re.compile(r"^[\W_]+|[\W_]+$")
_LEADING_PUNCT = re.compile(r"^[\W_]*")
_CLOSERS = "\"')]}»”’"
_SENTENCE_END = re.compile(rf"[.!?…][{re.escape(_CLOSERS)}]*$")
_CLAUSE_END = re.compile(rf"[,;:—–][{re.escape(_CLOSERS)}]*$")


@dataclass(frozen=True)
class EmotionEvent:
    """One emotion statement in the narration.

    ``time``/``end``: the keyword's start and end in seconds. ``keyword``: as heard, lower case,
    no punctuation. ``subject``: the words before the copula ("Maria", "She"), "" when none.
    ``text``: the whole sentence. ``negated``: the statement denies the emotion ("She is not
    happy"); such events must not become samples of that emotion.
    """

    time: float
    emotion: str
    keyword: str
    subject: str
    text: str
    negated: bool
    end: float

    def to_dict(self) -> dict[str, Any]:
        """The event fields of ``<session>_metadata.json`` (the pipeline adds ``window``)."""
        return {
            "time": round(self.time, 3),
            "emotion": self.emotion,
            "keyword": self.keyword,
            "subject": self.subject,
            "text": self.text,
            "negated": self.negated,
        }


# --- lexicon compilation ---------------------------------------------------------------------


@dataclass(frozen=True)
class _Entry:
    emotion: str | None  # None: an idiom that names no feeling
    weak: bool
    phrase: str


@dataclass(frozen=True)
class _Table:
    entries: Mapping[tuple[str, ...], _Entry]
    singles: frozenset[str]
    max_len: int


def _normalise(text: str) -> str:
    """One word → lower case, straight apostrophes, no surrounding punctuation."""
    return _EDGE_PUNCT.sub("", text.strip().translate(_APOSTROPHES)).lower()


def _phrase_key(phrase: str) -> tuple[str, ...]:
    return tuple(p for p in (_normalise(part) for part in phrase.split()) if p)


def _compile(lexicon: Mapping[str, Keywords | Iterable[str]]) -> _Table:
    entries: dict[tuple[str, ...], _Entry] = {}
    for emotion, keywords in lexicon.items():
        if emotion not in EMOTIONS:
            raise ValueError(f"lexicon emotion {emotion!r} is not one of {', '.join(EMOTIONS)}.")
        if isinstance(keywords, str):
            raise TypeError(
                f"lexicon entry for {emotion!r} must be Keywords or a list of words, not a string."
            )
        kw = keywords if isinstance(keywords, Keywords) else Keywords(strong=tuple(keywords))
        listed = [(p, _Entry(emotion, False, p)) for p in kw.strong]
        listed += [(p, _Entry(emotion, True, p)) for p in kw.weak]
        listed += [(p, _Entry(None, False, p)) for p in kw.idioms]
        for phrase, entry in listed:
            key = _phrase_key(phrase)
            if not key:
                raise ValueError(f"empty keyword in the lexicon entry for {emotion!r}.")
            old = entries.get(key)
            if old is not None and (old.emotion, old.weak) != (entry.emotion, entry.weak):
                raise ValueError(f"keyword {phrase!r} is listed twice in the lexicon; keep one.")
            entries[key] = _Entry(entry.emotion, entry.weak, " ".join(key))
    return _Table(
        entries=entries,
        singles=frozenset(k[0] for k in entries if len(k) == 1),
        max_len=max((len(k) for k in entries), default=1),
    )


_DEFAULT_TABLE = _compile(LEXICON)


def _table_for(lexicon: Mapping[str, Keywords | Iterable[str]]) -> _Table:
    return _DEFAULT_TABLE if lexicon is LEXICON else _compile(lexicon)


def emotion_of(word: str, lexicon: Mapping[str, Keywords | Iterable[str]] = LEXICON) -> str | None:
    """The canonical emotion a keyword (or phrase) names, ignoring context; ``None`` if it is none.

    ``emotion_of("Happy!") == "happiness"``, ``emotion_of("in a good mood") == "happiness"``,
    ``emotion_of("okay") == "neutral"`` (a weak keyword: in running text it needs a person
    subject, see :func:`extract_events`), ``emotion_of("table") is None``.
    """
    table = _table_for(lexicon)
    key = _phrase_key(word)
    entry = table.entries.get(key)
    if entry is None and len(key) == 1 and "-" in key[0]:
        entry = table.entries.get((key[0].replace("-", ""),))
    return entry.emotion if entry is not None else None


# --- tokens and sentences --------------------------------------------------------------------


@dataclass(frozen=True)
class _TimedWord:
    word: Word
    segment: Segment
    segment_index: int
    fallback: bool  # the segment had no word timestamps: times are the segment's


@dataclass
class _Token:
    norm: str
    display: str
    word: int  # index into the flattened word list
    clause_end: bool = False
    inner: bool = False  # a non-final part of a hyphenated word


@dataclass
class _Match:
    first: int  # token indices, inclusive
    last: int
    entry: _Entry
    negated: bool
    has_copula: bool
    subject: list[_Token] = field(default_factory=list)


def _flatten(transcript: Transcript) -> list[_TimedWord]:
    words: list[_TimedWord] = []
    for i, seg in enumerate(transcript.segments):
        if seg.words:
            words.extend(_TimedWord(w, seg, i, False) for w in seg.words)
        else:
            # No word timestamps (e.g. a backend without them): every word takes the segment's times.
            words.extend(_TimedWord(Word(t, seg.start, seg.end), seg, i, True) for t in seg.text.split())
    return words


def _ends_sentence(raw: str) -> bool:
    text = raw.strip()
    if not _SENTENCE_END.search(text):
        return False
    return _normalise(text) not in _ABBREVIATIONS


def _starts_new_sentence(words: Sequence[_TimedWord], i: int) -> bool:
    """An unpunctuated segment end followed by a capitalised segment start ("... calm" | "Okay so")."""
    if i == 0 or words[i].segment_index == words[i - 1].segment_index:
        return False
    if _CLAUSE_END.search(words[i - 1].word.word.strip()):
        return False
    first = words[i].word.word.strip().translate(_APOSTROPHES)
    return first[:1].isupper() and _normalise(first) not in {"i", "i'm", "i've", "i'll", "i'd"}


def _hesitation(words: Sequence[_TimedWord], i: int) -> bool:
    """Whisper writes pauses as "...": followed by a lower-case word, the sentence goes on."""
    raw = words[i].word.word.strip()
    if not (raw.endswith("...") or raw.endswith("…")) or i + 1 >= len(words):
        return False
    nxt = words[i + 1].word.word.strip()
    return nxt[:1].islower()


def _sentences(words: Sequence[_TimedWord]) -> list[list[int]]:
    sentences: list[list[int]] = []
    current: list[int] = []
    for i, tw in enumerate(words):
        if current and _starts_new_sentence(words, i):
            sentences.append(current)
            current = []
        current.append(i)
        if _ends_sentence(tw.word.word) and not _hesitation(words, i):
            sentences.append(current)
            current = []
    if current:
        sentences.append(current)
    return sentences


def _sentence_text(words: Sequence[_TimedWord], indices: Sequence[int], spaced: bool) -> str:
    """Rebuild the sentence. ``spaced``: words carry Whisper's leading spaces."""
    out = ""
    prev_segment = -1
    for i in indices:
        raw = words[i].word.word
        piece = raw.strip()
        if not piece:
            continue
        if not out:
            out = piece
        elif spaced:
            new_segment = words[i].segment_index != prev_segment
            out += (" " if raw[:1].isspace() or new_segment else "") + piece
        elif piece[0] in ",.!?;:)]}…" or piece.lower().startswith(("'", "’", "n't")):
            out += piece
        else:
            out += " " + piece
        prev_segment = words[i].segment_index
    return " ".join(out.split())


def _word_tokens(raw: str, index: int, singles: frozenset[str]) -> list[_Token]:
    text = raw.strip().translate(_APOSTROPHES)
    core = _EDGE_PUNCT.sub("", text)
    if not core:
        return []
    low = core.lower()
    lead = _LEADING_PUNCT.match(text)
    if lead is not None and lead.group().endswith("'") and "'" + low in _CLITICS:
        return [_Token("'" + low, "'" + core, index)]  # a clitic Whisper emitted as its own word
    if low.endswith("n't") and len(low) > 3:
        base = low[:-3]
        return [_Token(_NEG_BASES.get(base, base), core[:-3], index), _Token("n't", core[-3:], index)]
    if low != "let's":
        for clitic in _CLITICS:
            if low.endswith(clitic) and len(low) > len(clitic):
                cut = len(low) - len(clitic)
                return [_Token(low[:cut], core[:cut], index), _Token(clitic, core[cut:], index)]
    if "-" in low and low not in singles:
        joined = low.replace("-", "")
        if joined in singles:
            return [_Token(joined, core, index)]
        parts = [(p, d) for p, d in zip(low.split("-"), core.split("-"), strict=True) if p]
        return [_Token(p, d, index, inner=k < len(parts) - 1) for k, (p, d) in enumerate(parts)]
    return [_Token(low, core, index)]


def _tokens(words: Sequence[_TimedWord], indices: Sequence[int], singles: frozenset[str]) -> list[_Token]:
    tokens: list[_Token] = []
    for i in indices:
        raw = words[i].word.word
        new = _word_tokens(raw, i, singles)
        tokens.extend(new)
        stripped = raw.strip()
        if tokens and (_CLAUSE_END.search(stripped) or stripped in {"-", "--"}):
            tokens[-1].clause_end = True
    return tokens


# --- the grammar walk ------------------------------------------------------------------------


def _find_match(tokens: Sequence[_Token], pos: int, table: _Table) -> tuple[int, _Entry] | None:
    for length in range(min(table.max_len, len(tokens) - pos), 0, -1):
        span = tokens[pos : pos + length]
        if any(t.clause_end for t in span[:-1]):
            continue
        entry = table.entries.get(tuple(t.norm for t in span))
        if entry is not None:
            return length, entry
    return None


def _is_capitalised(token: _Token) -> bool:
    return token.display[:1].isupper() and token.norm != "i"


def _subject(tokens: Sequence[_Token], before: int) -> list[_Token]:
    """The noun phrase that ends just before token ``before`` (walking back), or []."""
    k = before - 1
    if k < 0 or tokens[k].clause_end:
        return []
    head = tokens[k]
    if head.norm in _ALL_PRONOUNS:
        return [head]
    if head.norm in _SUBJECT_STOP or head.norm in _NP_MODIFIERS or head.norm.startswith("'"):
        return []
    subject = [head]
    k -= 1
    while k >= 0 and len(subject) < _MAX_SUBJECT_TOKENS:
        t = tokens[k]
        if t.clause_end or t.norm in _SUBJECT_STOP or t.norm in _HUMAN_PRONOUNS:
            break
        possessor = subject[0].norm == "'s"
        if not (possessor or t.norm == "'s" or t.norm in _NP_MODIFIERS or _is_capitalised(t)):
            break
        subject.insert(0, t)
        k -= 1
    while subject and subject[0].norm == "'s":  # a dangling possessive marker is no subject
        subject.pop(0)
    return subject


def _subject_text(subject: Sequence[_Token]) -> str:
    out = ""
    for t in subject:
        out += t.display if (not out or t.display.startswith("'")) else " " + t.display
    return out


def _is_person(subject: Sequence[_Token]) -> bool:
    if not subject:
        return False
    head = subject[-1]
    if head.norm in _PERSON_PRONOUNS or head.norm in _PERSON_NOUNS:
        return True
    if head.norm in _NARRATOR_PRONOUNS or head.norm in _THING_PRONOUNS or head.norm in _NON_PERSON:
        return False
    return _is_capitalised(head)  # a name; Whisper capitalises names (and misspells some)


def _analyse(tokens: Sequence[_Token], first: int, last: int, entry: _Entry, prev: _Match | None) -> _Match:
    negated = False
    has_copula = False
    has_verb = False
    chain_start = first
    k = first - 1
    while k >= 0:
        t = tokens[k]
        if t.clause_end:
            break
        if t.norm in _NEGATORS:
            negated = has_verb = True
        elif t.norm in _COPULAS:
            has_copula = has_verb = True
        elif t.norm in _AUXILIARIES:
            has_verb = True
        elif t.norm in _INTENSIFIERS:
            pass
        elif not (t.norm in _AFTER_NEGATOR and k > 0 and tokens[k - 1].norm in _NEGATORS):
            break
        chain_start = k
        k -= 1

    # Coordination with the keyword just before: "sad or angry", "happy, excited", "sad but calm".
    conjunction = None
    anchor = k
    if k >= 0 and tokens[k].norm in _CONJUNCTIONS and not tokens[k].clause_end:
        conjunction = tokens[k].norm
        anchor = k - 1
    if prev is not None and anchor >= 0 and anchor == prev.last:
        if conjunction in {"and", "or"} and not has_copula:
            negated = negated or prev.negated
        return _Match(first, last, entry, negated, has_copula or prev.has_copula, prev.subject)

    subject = _subject(tokens, chain_start) if has_verb else []
    return _Match(first, last, entry, negated, has_copula, subject)


def _counts(match: _Match, tokens: Sequence[_Token]) -> bool:
    if match.entry.emotion is None:
        return False
    head = match.subject[-1].norm if match.subject else ""
    if not match.entry.weak:
        return head not in _THING_PRONOUNS
    if tokens[match.last].inner:
        return False  # "cross-legged"
    if match.last + 1 < len(tokens) and tokens[match.last + 1].norm in _WEAK_BLOCKERS:
        return False
    return match.has_copula and _is_person(match.subject)


def _timing(words: Sequence[_TimedWord], first: int, last: int) -> tuple[float, float]:
    def valid(x: object) -> bool:
        return isinstance(x, int | float) and math.isfinite(x) and x >= 0

    def prev_end(i: int) -> float | None:
        return next((words[j].word.end for j in range(i - 1, -1, -1) if valid(words[j].word.end)), None)

    tw = words[first]
    if tw.fallback:
        return tw.segment.start, tw.segment.end
    start, end = tw.word.start, words[last].word.end
    before = prev_end(first)
    if valid(start):
        if valid(end) and end > start:
            return start, end
        t = start if before is None else max(start, before)  # zero-length: not before the last word
        return t, max(t, end) if valid(end) else t
    if before is not None:
        return before, before
    after = next((w.word.start for w in words[first + 1 :] if valid(w.word.start)), None)
    t = after if after is not None else tw.segment.start
    return t, t


# --- public ----------------------------------------------------------------------------------


def extract_events(
    transcript: Transcript, lexicon: Mapping[str, Keywords | Iterable[str]] = LEXICON
) -> list[EmotionEvent]:
    """Every emotion statement in the narration, in time order (negated ones included, flagged).

    ``lexicon`` maps canonical emotions to :class:`Keywords` (or to plain keyword lists, all
    strong). See the module docstring for the rules.
    """
    table = _table_for(lexicon)
    words = _flatten(transcript)
    spaced = any(tw.word.word[:1].isspace() for tw in words)
    events: list[tuple[float, int, EmotionEvent]] = []
    for indices in _sentences(words):
        tokens = _tokens(words, indices, table.singles)
        text: str | None = None
        prev: _Match | None = None
        pos = 0
        while pos < len(tokens):
            found = _find_match(tokens, pos, table)
            if found is None:
                pos += 1
                continue
            length, entry = found
            match = _analyse(tokens, pos, pos + length - 1, entry, prev)
            prev = match
            pos += length
            if not _counts(match, tokens) or entry.emotion is None:
                continue
            first_word, last_word = tokens[match.first].word, tokens[match.last].word
            start, end = _timing(words, first_word, last_word)
            if text is None:
                text = _sentence_text(words, indices, spaced)
            event = EmotionEvent(
                time=float(start),
                emotion=entry.emotion,
                keyword=entry.phrase,
                subject=_subject_text(match.subject),
                text=text,
                negated=match.negated,
                end=float(end),
            )
            events.append((event.time, first_word, event))
    events.sort(key=lambda item: (item[0], item[1]))
    return [e for _, _, e in events]
