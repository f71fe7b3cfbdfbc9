"""The Whisper model of a ``voice process``, loaded from the process's first moment.

A fresh process spends its first 0.3–0.5 s importing the package on one core (the imports hold
the GIL), while CTranslate2 builds a model with the GIL released. So the command begins the load
in a thread (:func:`begin`, from :mod:`voice.launch`) before it imports the rest; the run's
transcriber then takes the model (:func:`take`, in
:meth:`~voice.transcription.backends.FasterWhisperTranscriber.load`) when it asks for the same
one (directory, compute type, threads), and loads its own otherwise. This module imports nothing
but the standard library: it is the first of the package a command loads.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Hashable
from typing import Any

__all__ = ["begin", "drop", "take"]

log = logging.getLogger("voice")

#: What a load makes: the key of the model (what a transcriber asks for) and the model.
Made = tuple[Hashable, Any]

_lock = threading.Lock()
#: The load begun and not yet taken: its thread, and what it made (filled by the thread).
_begun: tuple[threading.Thread, list[Made]] | None = None


def _run(make: Callable[[], Made | None], made: list[Made]) -> None:
    try:
        result = make()
    except Exception as exc:  # the run loads (and reports) for itself
        log.debug("early Whisper load failed (%s); the run loads its own", type(exc).__name__)
        return
    if result is not None:
        made.append(result)


def begin(make: Callable[[], Made | None]) -> None:
    """Run ``make`` (which loads a model) in a thread of its own, unless a load is pending."""
    global _begun
    with _lock:
        if _begun is not None:
            return
        made: list[Made] = []
        thread = threading.Thread(target=_run, args=(make, made), name="voice-whisper-early", daemon=True)
        _begun = (thread, made)
    thread.start()


def take(key: Hashable) -> Any | None:
    """The model loaded early if it is the one ``key`` names (waiting for the load), else None.
    Either way the early one is given up: a model serves one transcriber."""
    global _begun
    with _lock:
        begun, _begun = _begun, None
    if begun is None:
        return None
    thread, made = begun
    thread.join()
    return next((model for k, model in made if k == key), None)


def drop() -> None:
    """Give up the model loaded early, without waiting (a run that will not transcribe): its
    thread ends holding the only reference."""
    global _begun
    with _lock:
        _begun = None
