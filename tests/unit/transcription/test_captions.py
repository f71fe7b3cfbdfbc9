"""Captions as subtitle editors make them: cues from word timings within the published limits,
in order, never before their first word; the .vtt and .srt files of them."""

from __future__ import annotations

import bisect
import itertools
import random
import re
import string

import pytest

from tests.support.captions import parse_cues
from voice.transcription.captions import CaptionRules, Cue, caption_cues, srt, webvtt
from voice.transcription.transcript import Segment, Transcript, Word

RULES = CaptionRules()


def _timed(*spoken: tuple[str, float, float]) -> tuple[Word, ...]:
    return tuple(Word(w, a, b) for w, a, b in spoken)


def _one_segment(words: tuple[Word, ...]) -> Transcript:
    text = " ".join(w.word for w in words)
    return Transcript(segments=(Segment(words[0].start, words[-1].end, text, words),))


def _evenly(text: str, start: float, step: float = 0.3) -> tuple[Word, ...]:
    """The words of ``text`` one every ``step`` seconds from ``start``, each 0.05 s shorter."""
    return tuple(Word(w, start + i * step, start + (i + 1) * step - 0.05) for i, w in enumerate(text.split()))


def test_a_long_whisper_segment_becomes_one_cue_per_sentence_each_from_its_first_word() -> None:
    """The issue's clip: one segment from 2.9 s to 23.98 s; the sentence spoken at 22 s is not
    shown at 3 s."""
    words = (
        *_evenly("Okay, we're at the therapy room.", 2.9),
        *_evenly("She's so happy right now.", 8.0),
        *_evenly("Look how happy she is.", 22.0),
    )
    cues = caption_cues(_one_segment(words))
    assert [c.lines for c in cues] == [
        ("Okay, we're at the therapy room.",),
        ("She's so happy right now.",),
        ("Look how happy she is.",),
    ]
    assert [c.start for c in cues] == [2.9, 8.0, 22.0], "each cue from its first word's start"
    last_words = [words[5], words[10], words[-1]]
    for cue, last in zip(cues, last_words, strict=True):
        assert last.end < cue.end <= last.end + RULES.linger_max_s, "a short linger after the last word"


def test_a_long_sentence_is_split_at_phrase_boundaries() -> None:
    text = (
        "Jose is here with his sister Zoe and his friend Lukasz, and they are playing "
        "with the big red ball in the garden."
    )
    cues = caption_cues(_one_segment(_evenly(text, 1.0, 0.25)))
    assert [c.lines for c in cues] == [
        ("Jose is here with his sister Zoe", "and his friend Lukasz,"),
        ("and they are playing", "with the big red ball in the garden."),
    ]
    assert cues[0].end <= cues[1].start


def test_a_cue_never_runs_longer_than_seven_seconds() -> None:
    slow = _evenly("one two three four five six seven eight nine ten", 0.0, 1.2)
    cues = caption_cues(_one_segment(slow))
    assert len(cues) > 1
    assert all(c.end - c.start <= RULES.max_duration_s for c in cues)
    assert cues[0].start == 0.0
    assert all(a.end <= b.start for a, b in itertools.pairwise(cues))


def test_a_pause_ends_a_cue() -> None:
    words = _timed(("Maria", 1.0, 1.3), ("is", 1.3, 1.5), ("happy", 4.0, 4.4))
    cues = caption_cues(_one_segment(words))
    assert [c.lines for c in cues] == [("Maria is",), ("happy",)]
    assert cues[1].start == 4.0, "not shown during the pause before it"
    assert cues[0].end <= 1.5 + RULES.linger_max_s


def test_a_name_without_length_takes_its_neighbours_times() -> None:
    """Whisper gives names zero-length timings, sometimes far from where they are said."""
    opening = _timed(("Okay.", 0.5, 0.9), ("José", 0.9, 0.9), ("is", 3.0, 3.2), ("happy.", 3.2, 3.6))
    cues = caption_cues(_one_segment(opening))
    assert [(c.start, c.lines) for c in cues] == [(0.5, ("Okay.",)), (3.0, ("José is happy.",))], (
        "a name opening a sentence goes with the next word, not 2 s early"
    )
    closing = _timed(("I", 1.0, 1.1), ("see", 1.1, 1.4), ("Zoë.", 2.6, 2.6), ("Fine.", 5.0, 5.3))
    cues = caption_cues(_one_segment(closing))
    assert cues[0].lines == ("I see Zoë.",)
    assert cues[0].end <= 1.4 + RULES.linger_max_s, "ends after the word before it, not 1.2 s later"


def test_a_word_longer_than_a_line_is_hyphenated() -> None:
    long_word = "Pneumonoultramicroscopicsilicovolcanoconiosis" * 2  # 90 letters
    cues = caption_cues(_one_segment(_timed(("Look:", 0.0, 0.4), (long_word, 0.4, 3.4), ("wow.", 3.4, 3.8))))
    lines = [line for c in cues for line in c.lines]
    assert all(len(line) <= RULES.max_line_chars for line in lines)
    assert "".join(lines).replace("-", "").replace(" ", "") == f"Look:{long_word}wow."
    assert [line.endswith("-") for line in lines].count(True) == 2, "two breaks inside the word"


def test_without_word_timings_a_segment_shares_its_time_by_characters() -> None:
    text = "Maria is happy today. She laughs at the dog and claps her hands with joy."
    cues = caption_cues(Transcript(segments=(Segment(10.0, 16.0, text),)))
    assert [c.text for c in cues] == [
        "Maria is happy today.",
        "She laughs at the dog\nand claps her hands with joy.",
    ]
    assert cues[0].start == 10.0
    share = (len("Maria is happy today.") + 1) / (len(text) + 1)
    assert cues[1].start == pytest.approx(10.0 + 6.0 * share)
    assert cues[1].end <= 16.0 + RULES.linger_max_s


def test_words_written_without_spaces_are_joined_without_spaces() -> None:
    words = _timed(("今日", 0.0, 0.4), ("は", 0.4, 0.6), ("晴れ", 0.6, 1.0), ("。", 1.0, 1.1))
    cues = caption_cues(Transcript(language="ja", segments=(Segment(0.0, 1.1, "今日は晴れ。", words),)))
    assert [c.lines for c in cues] == [("今日は晴れ。",)]


def _words(text: str) -> list[str]:
    return text.split()


# --- the property: random word timings ---------------------------------------------------------

_VOCAB = _words(
    "Maria is happy sad and the ball with José Zoë Łukasz now she he they look at garden room "
    "very so because playing mother sister friend dog bath music rain window smile laughs"
)


def _random_words(rng: random.Random) -> list[Word]:
    words, t = [], rng.uniform(0.0, 2.0)
    for _ in range(rng.randint(1, 120)):
        if rng.random() < 0.03:
            text = "".join(rng.choices(string.ascii_letters, k=rng.randint(30, 130)))
        else:
            text = rng.choice(_VOCAB)
        text += rng.choices(["", ".", ",", "?", "!"], weights=[80, 10, 6, 2, 2])[0]
        t += rng.choices(
            [0.0, rng.uniform(0.0, 0.4), rng.uniform(0.4, 3.0), rng.uniform(3.0, 12.0)], [50, 35, 12, 3]
        )[0]
        length = rng.choices([0.0, rng.uniform(0.05, 0.9), rng.uniform(7.0, 12.0)], [10, 88, 2])[0]
        words.append(Word(text, t, t + length))
        t += length
    return words


def _segments(words: list[Word], rng: random.Random) -> Transcript:
    cuts = sorted(rng.sample(range(1, len(words)), k=min(len(words) - 1, rng.randint(0, 4))))
    parts = [words[a:b] for a, b in zip([0, *cuts], [*cuts, len(words)], strict=True)]
    return Transcript(
        segments=tuple(Segment(p[0].start, p[-1].end, " ".join(w.word for w in p), tuple(p)) for p in parts)
    )


def _bounds(words: list[Word]) -> tuple[list[float], list[float]]:
    """The earliest each word may be shown from, and the latest a cue ending on it may last to:
    its own start and end, or for a word without length, its neighbours' (module notes)."""
    timed = [i for i, w in enumerate(words) if w.end - w.start >= 0.01]
    earliest, latest = [], []
    for i, w in enumerate(words):
        if w.end - w.start >= 0.01:
            earliest.append(w.start)
            latest.append(w.end)
            continue
        k = bisect.bisect_left(timed, i)
        earliest.append(words[timed[k - 1]].end if k > 0 else 0.0)
        latest.append(max(w.end, words[timed[k]].start) if k < len(timed) else w.end)
    return earliest, latest


@pytest.mark.parametrize("seed", range(300))
def test_random_word_timings_never_break_a_hard_limit(seed: int) -> None:
    rng = random.Random(seed)
    words = _random_words(rng)
    cues = caption_cues(_segments(words, rng))
    earliest, latest = _bounds(words)
    starts = [0]
    for w in words:
        starts.append(starts[-1] + len(w.word))
    pos, prev_end = 0, 0.0
    for cue in cues:
        assert 1 <= len(cue.lines) <= RULES.max_lines
        assert all(0 < len(line) <= RULES.max_line_chars for line in cue.lines), cue.lines
        assert cue.start < cue.end <= cue.start + RULES.max_duration_s + 1e-9
        assert cue.start >= prev_end - 1e-9, "in order, never overlapping"
        shown = re.sub(r"\s|-", "", cue.text)
        first = bisect.bisect_right(starts, pos) - 1
        last = bisect.bisect_right(starts, pos + len(shown) - 1) - 1
        assert cue.start >= earliest[first] - 1e-9, "never before its first word"
        assert cue.end <= latest[last] + RULES.linger_max_s + 1e-9, "never long after its last word"
        if pos == starts[first] and words[first].end - words[first].start >= 0.01:
            assert cue.start == pytest.approx(max(words[first].start, prev_end)), (
                "from its first word's start"
            )
        pos += len(shown)
        prev_end = cue.end
    assert pos == starts[-1], "every word shown once, in order"
    assert "".join(re.sub(r"\s|-", "", c.text) for c in cues) == "".join(w.word for w in words)


# --- files -------------------------------------------------------------------------------------


CUES = (Cue(0.5, 2.25, ("Maria & Zoë <3",)), Cue(2.25, 4.0, ("Look how happy", "she is --> now.")))


def test_webvtt_holds_the_cues_in_order_escaped() -> None:
    text = webvtt(CUES)
    assert text.startswith("WEBVTT\n\n1\n00:00:00.500 --> 00:00:02.250\nMaria &amp; Zoë &lt;3\n")
    assert "00:00:02.250 --> 00:00:04.000\nLook how happy\nshe is --&gt; now.\n" in text
    assert parse_cues(text) == [
        (0.5, 2.25, ["Maria &amp; Zoë &lt;3"]),
        (2.25, 4.0, ["Look how happy", "she is --&gt; now."]),
    ]
    assert "00:00:00.500 --> 00:00:02.250 line:0\n" in webvtt(CUES, cue_settings="line:0")


def test_srt_numbers_the_cues_with_comma_milliseconds() -> None:
    text = srt(CUES)
    assert text.startswith(
        "1\n00:00:00,500 --> 00:00:02,250\nMaria & Zoë <3\n\n2\n00:00:02,250 --> 00:00:04,000\n"
    )
    assert "she is -> now." in text
    assert [(a, b) for a, b, _ in parse_cues(text)] == [(0.5, 2.25), (2.25, 4.0)]


def test_files_keep_cues_apart_after_rounding_and_leave_out_empty_ones() -> None:
    cues = (
        Cue(1.0, 1.0004, ("a",)),
        Cue(1.0002, 2.0, ("b",)),
        Cue(2.0, 3.0, (" ",)),
        Cue(3.5, 3600 * 2 + 0.5, ("c",)),
    )
    parsed = parse_cues(webvtt(cues))
    assert [(a, b) for a, b, _ in parsed] == [(1.0, 1.001), (1.001, 2.0), (3.5, 7200.5)]
    assert "02:00:00.500" in webvtt(cues)
