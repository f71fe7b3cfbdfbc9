"""Captions that read like subtitles: cues built from the word timings, and their files.

The conventions subtitle editors and broadcasters publish: at most 2 lines of at most 42
characters, a cue shown at most 7 s, lines and cues broken at sentence ends and phrase
boundaries, a cue never shown before its first word is spoken nor long after its last, and
~20 characters a second as a soft reading-speed target (fast speech goes over it rather than
drift from the voice). :func:`caption_cues` builds the cues of a transcript; the annotated video
burns in exactly these (:mod:`voice.drawing.timeline`), :func:`webvtt` and :func:`srt` write them.

How a transcript becomes cues:

1. Words in order, each with the text that joins it to the one before (a space, or nothing where
   the segment's text has none, as in scripts written without spaces). A segment without word
   timings (openai-whisper run without them) is split into words whose times share the
   segment's time in proportion to their characters. A word longer than a line is hyphenated
   into pieces that share its time the same way.
2. Times made usable: starts never go back, a word ends no later than the next one starts, and a
   word Whisper gave no length (it does that for names) takes its neighbours' times: the next
   word's start when it opens a sentence, the previous word's end otherwise.
3. Blocks: split at every sentence end and at every pause of ``pause_s`` or more.
4. Within a block, the split into cues with the least cost (dynamic programming): every cue
   within the limits, breaks where phrases end (after a comma; before "and", "because", a
   preposition; never after "the" or "his"), few cues, no one-word cue left dangling.
5. Times: a cue starts at its first word's start (never before the previous cue's end) and ends
   at its last word's end plus a linger that gives ~20 characters a second (at most
   ``linger_max_s``, never into the next cue, never past ``max_duration_s`` in all).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

from voice.transcription.transcript import Segment, Transcript
from voice.transcription.wording import break_cost, ends_sentence

__all__ = ["CaptionRules", "Cue", "caption_cues", "srt", "webvtt"]


@dataclass(frozen=True)
class CaptionRules:
    """The limits cues keep (module notes); the defaults are the published conventions."""

    max_lines: int = 2
    max_line_chars: int = 42
    max_duration_s: float = 7.0
    #: The soft target: characters a second a viewer reads comfortably.
    reading_cps: float = 20.0
    linger_min_s: float = 0.5
    linger_max_s: float = 1.0
    #: A pause this long between two words ends a cue.
    pause_s: float = 1.0
    #: The shortest time a cue is shown (when the next one starts at once).
    min_show_s: float = 0.2


@dataclass(frozen=True)
class Cue:
    """A caption: shown from ``start`` to ``end`` seconds, as ``lines``."""

    start: float
    end: float
    lines: tuple[str, ...]

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


@dataclass
class _Token:
    """A word as captions see it: its text, what joins it to the word before, its times."""

    text: str
    sep: str
    start: float
    end: float


#: A word shorter than this has no length of its own.
_ZERO_S = 0.01
#: What a cue costs, so that fewer, fuller cues win over many short ones.
_CUE_COST = 3.0
#: What a one-word cue costs in a block of several words.
_LONE_WORD_COST = 4.0


def _segment_tokens(seg: Segment) -> list[_Token]:
    """The segment's words with their separators; its text split in proportion when it has none."""
    text = seg.text
    if not seg.words:
        parts = text.split()
        total = sum(len(p) + 1 for p in parts) or 1
        span, at, out = max(0.0, seg.end - seg.start), 0, []
        for p in parts:
            start = seg.start + span * at / total
            at += len(p) + 1
            out.append(_Token(p, " ", start, seg.start + span * at / total))
        return out
    out, pos = [], 0
    for w in seg.words:
        word = w.word.strip()
        if not word:
            continue
        found = text.find(word, pos)
        sep = "" if out and found == pos else " "
        if found >= 0:
            pos = found + len(word)
        out.append(_Token(word, sep, w.start, w.end))
    return out


def _hyphenated(token: _Token, width: int) -> list[_Token]:
    """A word longer than a line, as pieces of ``width`` characters ending in "-" (the last one
    without), each with its share of the word's time."""
    if len(token.text) <= width:
        return [token]
    step = width - 1
    pieces = [token.text[i : i + step] for i in range(0, len(token.text), step)]
    if len(pieces[-1]) == 1 and len(pieces) > 1:  # "…-" + "x": the last piece fits on the line before
        pieces[-2:] = [pieces[-2] + pieces[-1]]
    out, at, total, span = [], 0, len(token.text), token.end - token.start
    for k, piece in enumerate(pieces):
        last = k == len(pieces) - 1
        start = token.start + span * at / total
        at += len(piece)
        text = piece if last else piece + "-"
        out.append(_Token(text, token.sep if k == 0 else "", start, token.start + span * at / total))
    return out


def _retimed(tokens: list[_Token]) -> None:
    """Starts never go back, ends never run into the next word, zero-length words take their
    neighbours' times (module notes, 2)."""
    for i, t in enumerate(tokens):
        if i:
            t.start = max(t.start, tokens[i - 1].start)
        t.end = max(t.end, t.start)
    for i in range(len(tokens) - 1):
        tokens[i].end = min(tokens[i].end, tokens[i + 1].start)
    for i, t in enumerate(tokens):
        if t.end - t.start >= _ZERO_S:
            continue
        opens = i == 0 or ends_sentence(tokens[i - 1].text)
        closes = ends_sentence(t.text)
        if opens and not closes and i + 1 < len(tokens):
            t.start = t.end = tokens[i + 1].start
        elif not opens:
            t.start = t.end = tokens[i - 1].end


def _blocks(tokens: list[_Token], rules: CaptionRules) -> list[list[_Token]]:
    """Runs of words between sentence ends and pauses."""
    blocks: list[list[_Token]] = []
    for i, t in enumerate(tokens):
        prev = tokens[i - 1] if i else None
        if prev is None or ends_sentence(prev.text) or t.start - prev.end >= rules.pause_s:
            blocks.append([])
        blocks[-1].append(t)
    return blocks


class _Block:
    """One block's words and the lengths of their joined text (prefix sums)."""

    def __init__(self, tokens: list[_Token]) -> None:
        self.tokens = tokens
        self._prefix = [0]
        for t in tokens:
            self._prefix.append(self._prefix[-1] + len(t.sep) + len(t.text))
        #: The cost of breaking before each word (a hyphenated word's pieces: none).
        self.cuts = [0.0] + [
            0.0 if prev.text.endswith("-") and not nxt.sep else break_cost(prev.text, nxt.text)
            for prev, nxt in itertools.pairwise(tokens)
        ]

    def length(self, a: int, b: int) -> int:
        """Characters of words ``a..b-1`` on one line."""
        return self._prefix[b] - self._prefix[a] - len(self.tokens[a].sep)

    def text(self, a: int, b: int) -> str:
        return "".join((t.sep if k else "") + t.text for k, t in enumerate(self.tokens[a:b]))

    def lines(self, a: int, b: int, rules: CaptionRules) -> tuple[float, int] | None:
        """The best line break of words ``a..b-1``: (cost, index of the second line's first word;
        ``b`` for one line), or None when they do not fit in the cue's lines."""
        width = rules.max_line_chars
        if self.length(a, b) <= width:
            return 0.0, b
        if rules.max_lines < 2:
            return None
        best: tuple[float, int] | None = None
        for k in range(a + 1, b):
            top, bottom = self.length(a, k), self.length(k, b)
            if top > width:
                break
            if bottom > width:
                continue
            # Balanced lines read best; a bottom-heavy pair (the "pyramid") slightly better.
            cost = self.cuts[k] + abs(top - bottom) / 10 + (0.5 if top > bottom else 0.0)
            if best is None or cost < best[0]:
                best = (cost, k)
        return best


def _split(block: _Block, rules: CaptionRules) -> list[tuple[int, int, int]]:
    """The block's cues as (first word, second line's first word, end), least cost first to last."""
    n = len(block.tokens)
    tokens = block.tokens
    best: list[float] = [0.0] + [math.inf] * n
    choice: list[tuple[int, int]] = [(0, 0)] * (n + 1)
    for j in range(1, n + 1):
        for i in range(j - 1, -1, -1):
            if block.length(i, j) > rules.max_lines * (rules.max_line_chars + 1):
                break
            single = j - i == 1
            if not single and tokens[j - 1].end - tokens[i].start > rules.max_duration_s:
                break
            fit = block.lines(i, j, rules)
            if fit is None:
                continue
            cost = best[i] + _CUE_COST + fit[0] + block.cuts[i]
            if single and n > 1:
                cost += _LONE_WORD_COST
            if cost < best[j]:
                best[j], choice[j] = cost, (i, fit[1])
    out: list[tuple[int, int, int]] = []
    j = n
    while j > 0:
        i, k = choice[j]
        out.append((i, k, j))
        j = i
    return out[::-1]


def _timed(groups: list[tuple[list[_Token], tuple[str, ...]]], rules: CaptionRules) -> list[Cue]:
    """Cue times from their words (module notes, 5)."""
    cues: list[Cue] = []
    prev_end = 0.0
    for n, (words, lines) in enumerate(groups):
        start = max(words[0].start, prev_end)
        spoken = words[-1].end
        chars = sum(len(line) for line in lines)
        linger = min(
            max(chars / rules.reading_cps - (spoken - start), rules.linger_min_s), rules.linger_max_s
        )
        end = spoken + linger
        if n + 1 < len(groups):
            following = groups[n + 1][0][0].start
            end = min(end, following)
            if following - spoken <= rules.linger_max_s and following - end < 0.25:
                end = following  # close a gap too short to read as one
        end = max(min(end, start + rules.max_duration_s), start + rules.min_show_s)
        cues.append(Cue(start, end, lines))
        prev_end = end
    return cues


def caption_cues(transcript: Transcript, rules: CaptionRules | None = None) -> tuple[Cue, ...]:
    """The transcript's captions (module notes): in order, never overlapping, within ``rules``."""
    rules = rules or CaptionRules()
    tokens = [
        piece
        for seg in transcript.segments
        for t in _segment_tokens(seg)
        for piece in _hyphenated(t, rules.max_line_chars)
    ]
    _retimed(tokens)
    groups: list[tuple[list[_Token], tuple[str, ...]]] = []
    for words in _blocks(tokens, rules):
        block = _Block(words)
        for i, k, j in _split(block, rules):
            lines = (block.text(i, k),) if k == j else (block.text(i, k), block.text(k, j))
            groups.append((words[i:j], lines))
    return tuple(_timed(groups, rules))


# --- files ---------------------------------------------------------------------------------


def _stamp(t: float, sep: str) -> str:
    ms = round(max(0.0, t) * 1000)
    h, rem = divmod(ms, 3_600_000)
    m, rem = divmod(rem, 60_000)
    s, ms = divmod(rem, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}{sep}{ms:03d}"


def _numbered(cues: Sequence[Cue]) -> list[tuple[float, float, tuple[str, ...]]]:
    """Cues with text, in milliseconds that stay in order and never collapse to nothing."""
    out: list[tuple[float, float, tuple[str, ...]]] = []
    prev_ms = 0
    for cue in cues:
        lines = tuple(" ".join(line.split()) for line in cue.lines)
        lines = tuple(line for line in lines if line)
        if not lines:
            continue
        start_ms = max(round(cue.start * 1000), prev_ms)
        end_ms = max(round(cue.end * 1000), start_ms + 1)
        out.append((start_ms / 1000, end_ms / 1000, lines))
        prev_ms = end_ms
    return out


def webvtt(cues: Sequence[Cue], *, cue_settings: str = "") -> str:
    """A WebVTT file of ``cues`` (``cue_settings``, e.g. ``line:0``, after each cue's times)."""

    def escape(line: str) -> str:
        return line.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

    settings = f" {cue_settings}" if cue_settings else ""
    out = ["WEBVTT", ""]
    for i, (start, end, lines) in enumerate(_numbered(cues), 1):
        out += [str(i), f"{_stamp(start, '.')} --> {_stamp(end, '.')}{settings}", *map(escape, lines), ""]
    return "\n".join(out)


def srt(cues: Sequence[Cue]) -> str:
    """A SubRip (``.srt``) file of ``cues``."""
    out: list[str] = []
    for i, (start, end, lines) in enumerate(_numbered(cues), 1):
        text = [line.replace("-->", "->") for line in lines]
        out += [str(i), f"{_stamp(start, ',')} --> {_stamp(end, ',')}", *text, ""]
    return "\n".join(out)
