"""Narration → emotion events.

The narrator of a video says things like "Maria is happy now." or "She doesn't look sad.". This
module finds every such statement in a :class:`~voice.transcription.transcript.Transcript` and
turns it into an :class:`EmotionEvent` anchored on the emotion word's own Whisper timestamp.

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
from dataclasses import dataclass
from types import MappingProxyType

from voice.config import EMOTIONS
from voice.narration.clauses import Reading, sentence_frame
from voice.narration.grammar import Token
from voice.narration.reading import KeywordSpan, read
from voice.records.session import EventRecord
from voice.transcription.transcript import Segment, Transcript, Word

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
                # care narration: behaviour that signals it
                "enjoying", "enjoys", "enjoyed", "enjoy", "loving", "loves", "loved", "love",
                "chuckling", "chuckles", "chuckled", "smile", "laugh", "giggle",
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
                # care narration
                "whimpering", "whimpers", "whimpered", "whimper", "whining", "whines", "whined", "whiny",
                "whinging", "weepy", "sob",
            ),
            weak=("down",),
        ),
        "anger": Keywords(
            strong=(
                "angry", "angrier", "angriest", "angrily", "mad", "madder", "furious", "annoyed",
                "irritated", "irritable", "frustrated", "enraged", "livid", "grumpy", "cranky",
                "agitated", "aggravated", "fed up", "worked up",
                # care narration
                "stroppy", "in a bad mood", "in a mood", "huffy",
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
                # care narration
                "settled", "settled down", "chilled", "chilled out", "chilling",
            ),
            weak=("fine", "okay", "ok", "alright", "all right", "normal", "back to normal", "content"),
        ),
    }
)  # fmt: skip

# --- words the tokeniser and the weak-word rule need ---------------------------------------

#: After a weak keyword these make it a direction or place ("looks down at", "is down there").
_WEAK_BLOCKERS = frozenset({"at", "on", "onto", "into", "from", "the", "there", "here", "stairs"})
#: "I'm fine", "We're okay", "You're okay" (reassurance): filler, not a neutral statement.
_WEAK_SUBJECTS_NOT = frozenset({"i", "we", "you"})

_CLITICS = ("'s", "'re", "'m", "'ve", "'ll", "'d")
_NEG_BASES = {"ca": "can", "wo": "will", "ai": "is", "sha": "shall"}
_ABBREVIATIONS = frozenset({"mr", "mrs", "ms", "dr", "st", "prof", "jr", "sr", "vs"})

_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "`": "'", "´": "'"})
_EDGE_PUNCT = re.compile(r"^[\W_]+|[\W_]+$")
_LEADING_PUNCT = re.compile(r"^[\W_]*")
_CLOSERS = "\"')]}»”’"
_SENTENCE_END = re.compile(rf"[.!?…][{re.escape(_CLOSERS)}]*$")
_CLAUSE_END = re.compile(rf"[,;:—–][{re.escape(_CLOSERS)}]*$")


@dataclass(frozen=True)
class EmotionEvent:
    """One emotion statement in the narration, and how it was read.

    ``time``/``end``: the keyword's start and end in seconds. ``keyword``: as heard, lower case,
    no punctuation. ``subject``: the words naming who feels it ("Maria", "She"), "" when none.
    ``text``: the whole sentence. ``negated``: the statement denies the emotion ("She is not
    happy"). ``who``: patient / narrator / other / thing. ``tense``: present / recent / past /
    future / habitual. ``mood``: statement / wh-question / ongoing / question / request /
    conditional / uncertain / wish / hypothetical (see :mod:`voice.narration.reading`). ``ignored``: why
    the statement is not a label ("question", "past", "narrator", "other person", "thing", ...),
    ``None`` when it is one. Only events that :attr:`counts` may become samples.
    """

    time: float
    emotion: str
    keyword: str
    subject: str
    text: str
    negated: bool
    end: float
    who: str = "patient"
    tense: str = "present"
    mood: str = "statement"
    ignored: str | None = None

    @property
    def counts(self) -> bool:
        """A present statement about the patient that names the emotion: a training label."""
        return not self.negated and self.ignored is None

    def record(self, window: tuple[float, float]) -> EventRecord:
        """The event in ``<session>_metadata.json``, with the ``window`` of poses that is its sample."""
        return EventRecord(
            time=round(self.time, 3),
            emotion=self.emotion,
            keyword=self.keyword,
            subject=self.subject,
            text=self.text,
            negated=self.negated,
            who=self.who,
            tense=self.tense,
            mood=self.mood,
            ignored=self.ignored,
            window=(round(window[0], 3), round(window[1], 3)),
        )


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


def _word_tokens(raw: str, index: int, singles: frozenset[str]) -> list[Token]:
    text = raw.strip().translate(_APOSTROPHES)
    core = _EDGE_PUNCT.sub("", text)
    if not core:
        return []
    low = core.lower()
    lead = _LEADING_PUNCT.match(text)
    if lead is not None and lead.group().endswith("'") and "'" + low in _CLITICS:
        return [Token("'" + low, "'" + core, index)]  # a clitic Whisper emitted as its own word
    if low.endswith("n't") and len(low) > 3:
        base = low[:-3]
        return [Token(_NEG_BASES.get(base, base), core[:-3], index), Token("n't", core[-3:], index)]
    if low != "let's":
        for clitic in _CLITICS:
            if low.endswith(clitic) and len(low) > len(clitic):
                cut = len(low) - len(clitic)
                return [Token(low[:cut], core[:cut], index), Token(clitic, core[cut:], index)]
    if "-" in low and low not in singles:
        joined = low.replace("-", "")
        if joined in singles:
            return [Token(joined, core, index)]
        parts = [(p, d) for p, d in zip(low.split("-"), core.split("-"), strict=True) if p]
        return [Token(p, d, index, inner=k < len(parts) - 1) for k, (p, d) in enumerate(parts)]
    return [Token(low, core, index)]


def _tokens(words: Sequence[_TimedWord], indices: Sequence[int], singles: frozenset[str]) -> list[Token]:
    tokens: list[Token] = []
    for i in indices:
        raw = words[i].word.word
        new = _word_tokens(raw, i, singles)
        tokens.extend(new)
        stripped = raw.strip()
        if tokens and (_CLAUSE_END.search(stripped) or stripped in {"-", "--"}):
            tokens[-1].clause_end = True
    return tokens


# --- the grammar walk ------------------------------------------------------------------------


def _find_match(tokens: Sequence[Token], pos: int, table: _Table) -> tuple[int, _Entry] | None:
    for length in range(min(table.max_len, len(tokens) - pos), 0, -1):
        span = tokens[pos : pos + length]
        if any(t.clause_end for t in span[:-1]):
            continue
        entry = table.entries.get(tuple(t.norm for t in span))
        if entry is not None:
            return length, entry
    return None


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


# --- events --------------------------------------------------------------------------------


def _subject_text(subject: Sequence[Token]) -> str:
    out = ""
    for t in subject:
        out += t.display if (not out or t.display.startswith("'")) else " " + t.display
    return out


def _weak_counts(tokens: Sequence[Token], last: int, entry: _Entry, reading: Reading) -> bool:
    """A weak keyword ("fine", "okay") names a feeling only as the predicate of a person."""
    if tokens[last].inner:
        return False  # "cross-legged"
    if last + 1 < len(tokens) and tokens[last + 1].norm in _WEAK_BLOCKERS:
        return False
    if not reading.has_copula or not reading.subject:
        return False
    if entry.emotion == "neutral" and reading.subject[-1].norm in _WEAK_SUBJECTS_NOT:
        return False  # "I'm fine", "You're okay, you're okay" (reassurance)
    return reading.who != "thing"


def _keeps(tokens: Sequence[Token], span: KeywordSpan, entry: _Entry, reading: Reading) -> bool:
    """Whether a keyword match is an emotion event at all (counting or not)."""
    if entry.emotion is None:
        return False  # an idiom
    if entry.weak:
        return _weak_counts(tokens, span.last, entry, reading)
    # "Come here, love": a term of endearment, not a feeling.
    return not (entry.phrase == "love" and not reading.subject)


@dataclass(frozen=True)
class _SentenceEvents:
    """The keyword matches of one sentence, with their readings."""

    tokens: list[Token]
    found: list[tuple[KeywordSpan, _Entry, Reading]]


def _read_sentence(
    tokens: list[Token], question: bool, table: _Table, names: frozenset[str] | None
) -> _SentenceEvents:
    frame = sentence_frame(tokens, question, names or frozenset())
    found = []
    prev: tuple[int, Reading] | None = None
    pos = 0
    while pos < len(tokens):
        match = _find_match(tokens, pos, table)
        if match is None:
            pos += 1
            continue
        length, entry = match
        span = KeywordSpan(pos, pos + length - 1, entry.weak)
        reading = read(tokens, span, frame, names, prev)
        prev = (span.last, reading)
        pos += length
        if _keeps(tokens, span, entry, reading):
            found.append((span, entry, reading))
    return _SentenceEvents(tokens, found)


def _names(patient_names: Iterable[str] | None) -> frozenset[str] | None:
    if patient_names is None:
        return None
    return frozenset(n.strip().lower() for n in patient_names if n.strip())


# --- public ----------------------------------------------------------------------------------


def extract_events(
    transcript: Transcript,
    lexicon: Mapping[str, Keywords | Iterable[str]] = LEXICON,
    *,
    patient_names: Iterable[str] | None = None,
) -> list[EmotionEvent]:
    """Every emotion statement in the narration, in time order, each with its reading.

    Negated statements and statements that do not count (questions, requests, the past, the
    narrator, another person, a thing...) are included and flagged (``negated``, ``ignored``);
    only events with :attr:`EmotionEvent.counts` are labels. ``lexicon`` maps canonical emotions
    to :class:`Keywords` (or to plain keyword lists, all strong). ``patient_names``: the patient's
    name and nicknames; without them (``None``) every named person is taken for the patient.
    See the module docstring for the rules.
    """
    table = _table_for(lexicon)
    names = _names(patient_names)
    words = _flatten(transcript)
    spaced = any(tw.word.word[:1].isspace() for tw in words)
    events: list[tuple[float, int, EmotionEvent]] = []
    for indices in _sentences(words):
        tokens = _tokens(words, indices, table.singles)
        question = words[indices[-1]].word.word.strip().rstrip(_CLOSERS).endswith("?")
        sentence = _read_sentence(tokens, question, table, names)
        text = _sentence_text(words, indices, spaced) if sentence.found else ""
        for span, entry, reading in sentence.found:
            first_word, last_word = tokens[span.first].word, tokens[span.last].word
            start, end = _timing(words, first_word, last_word)
            event = EmotionEvent(
                time=float(start),
                emotion=str(entry.emotion),
                keyword=entry.phrase,
                subject=_subject_text(reading.subject),
                text=text,
                negated=reading.negated,
                end=float(end),
                who=reading.who,
                tense=reading.tense,
                mood=reading.mood,
                ignored=reading.ignored,
            )
            events.append((event.time, first_word, event))
    events.sort(key=lambda item: (item[0], item[1]))
    return [e for _, _, e in events]
