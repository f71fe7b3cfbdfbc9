"""What a transcription is: words with timestamps, segments, the backend interface, chunking.
Captions and subtitle files are :mod:`voice.transcription.captions`.

Both backends (:mod:`voice.transcription.backends` for faster-whisper,
:mod:`voice.transcription.openai_backend`) return a
:class:`Transcript`; :mod:`voice.narration.emotions` and the session outputs read one. This module
imports nothing heavy.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from voice.records.session import SegmentRecord, TranscriptRecord, WordRecord

__all__ = ["Segment", "Transcriber", "Transcript", "Word", "transcribe_chunks"]


@dataclass(frozen=True)
class Word:
    word: str
    start: float
    end: float
    probability: float = 1.0


@dataclass(frozen=True)
class Segment:
    start: float
    end: float
    text: str
    words: tuple[Word, ...] = ()


@dataclass(frozen=True)
class Transcript:
    language: str = "en"
    segments: tuple[Segment, ...] = field(default_factory=tuple)

    @property
    def text(self) -> str:
        return " ".join(s.text.strip() for s in self.segments).strip()

    @property
    def words(self) -> list[Word]:
        return [w for s in self.segments for w in s.words]

    def record(self) -> TranscriptRecord:
        """The transcript in the session metadata (times and probabilities to 3 places)."""
        return TranscriptRecord(
            language=self.language,
            text=self.text,
            segments=[
                SegmentRecord(
                    start=round(s.start, 3),
                    end=round(s.end, 3),
                    text=s.text.strip(),
                    words=[
                        WordRecord(
                            word=w.word,
                            start=round(w.start, 3),
                            end=round(w.end, 3),
                            probability=round(w.probability, 3),
                        )
                        for w in s.words
                    ],
                )
                for s in self.segments
            ],
        )


def transcribe_chunks(transcriber: Transcriber, chunks: Iterable[tuple[float, np.ndarray]]) -> Transcript:
    """Transcribe audio given as (offset seconds, samples) chunks; times are shifted back."""
    segments: list[Segment] = []
    language = "en"
    for offset, audio in chunks:
        part = transcriber.transcribe(audio)
        language = part.language
        for seg in part.segments:
            words = tuple(Word(w.word, w.start + offset, w.end + offset, w.probability) for w in seg.words)
            segments.append(Segment(seg.start + offset, seg.end + offset, seg.text, words))
    return Transcript(language=language, segments=tuple(segments))


class Transcriber(Protocol):
    """Turns 16 kHz mono float32 audio into a :class:`Transcript` with word timestamps."""

    name: str

    def transcribe(self, audio: np.ndarray) -> Transcript: ...
