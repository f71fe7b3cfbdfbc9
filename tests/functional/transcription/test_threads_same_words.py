"""Whisper's words, times and probabilities are the same with one thread or two (the number the
pass picks depends on the cores and the head start: voice.transcription.backends)."""

from __future__ import annotations

from pathlib import Path

import pytest

from voice.config import Settings
from voice.media.audio import decode_audio
from voice.transcription.backends import make_transcriber


@pytest.mark.parametrize("name", ["park.mp4", "goodbye.mp4"])
def test_one_thread_or_two_give_the_same_words(samples_dir: Path, name: str) -> None:
    audio = decode_audio(samples_dir / name)
    words = []
    for threads in (1, 2):
        transcript = make_transcriber(Settings(whisper_threads=threads)).transcribe(audio)
        words.append([(w.word, w.start, w.end, w.probability) for s in transcript.segments for w in s.words])
    assert len(words[0]) >= 5  # the sample's narration was heard
    assert words[0] == words[1]
