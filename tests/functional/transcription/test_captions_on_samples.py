"""Captions of the bundled samples, transcribed by the real Whisper (tiny.en): one cue per sentence
the manifest says was spoken, within the subtitle limits, shown while it is said."""

from __future__ import annotations

import itertools
import re
from pathlib import Path
from typing import Any

import pytest

from voice.config import Settings
from voice.media.audio import decode_audio
from voice.transcription.backends import make_transcriber
from voice.transcription.captions import CaptionRules, Cue, caption_cues

pytestmark = pytest.mark.slow

RULES = CaptionRules()
#: How much earlier than flite's own start Whisper (tiny.en) puts a narration's first word: its
#: word timings, not the captions, measured on these samples at 0.34–0.39 s.
WHISPER_EARLY_S = 0.45


@pytest.fixture(scope="module")
def captions(manifest: dict[str, Any], samples_dir: Path) -> dict[str, tuple[Cue, ...]]:
    transcriber = make_transcriber(Settings())
    return {
        s["file"]: caption_cues(transcriber.transcribe(decode_audio(samples_dir / s["file"])))
        for s in manifest["sessions"]
    }


def _letters(text: str) -> str:
    return re.sub(r"[^a-z]", "", text.lower())


def test_every_sample_sentence_is_one_cue_shown_while_it_is_said(
    manifest: dict[str, Any], captions: dict[str, tuple[Cue, ...]]
) -> None:
    for session in manifest["sessions"]:
        cues, sentences = captions[session["file"]], session["sentences"]
        assert [_letters(c.text) for c in cues] == [_letters(s["text"]) for s in sentences], session["file"]
        for cue, sentence in zip(cues, sentences, strict=True):
            assert sentence["start_s"] - WHISPER_EARLY_S <= cue.start <= sentence["start_s"] + 0.5, (
                session["file"],
                cue,
            )
            assert sentence["end_s"] <= cue.end <= sentence["end_s"] + RULES.linger_max_s + 0.2, (
                session["file"],
                cue,
            )


def test_sample_cues_keep_the_subtitle_limits(captions: dict[str, tuple[Cue, ...]]) -> None:
    for name, cues in captions.items():
        assert cues, name
        for cue in cues:
            assert 1 <= len(cue.lines) <= RULES.max_lines
            assert all(len(line) <= RULES.max_line_chars for line in cue.lines)
            assert 0 < cue.end - cue.start <= RULES.max_duration_s
        assert all(a.end <= b.start for a, b in itertools.pairwise(cues)), name
