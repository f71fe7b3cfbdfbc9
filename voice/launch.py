"""The ``voice`` command's first moment (its console script): what begins before the package loads.

``voice process`` and ``voice demo`` transcribe, and a fresh process spends its first few tenths of
a second importing :mod:`voice.cli` and all it needs on one core. So for those two commands the
Whisper model starts loading here, in a thread (:mod:`voice.transcription.early`), and the run
takes it when it transcribes; every other command starts as before.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any, NoReturn

__all__ = ["TRANSCRIBING", "begin_whisper", "command", "run"]

#: The commands whose runs transcribe with the settings' Whisper model.
TRANSCRIBING = frozenset({"process", "demo"})


def command(argv: Sequence[str]) -> str | None:
    """The sub-command ``argv`` names (its first word that is not an option), if any."""
    return next((a for a in argv if not a.startswith("-")), None)


def begin_whisper(**overrides: Any) -> None:
    """Begin loading the Whisper model a run with the settings (and ``overrides``) will ask for."""
    from voice.transcription import early

    def load() -> tuple[tuple[str, str, int], Any] | None:
        from voice.transcription.backends import early_model  # in the early thread

        return early_model(**overrides)

    early.begin(load)


def run() -> NoReturn:
    """Begin the Whisper load for a transcribing command, then :func:`voice.cli.run`."""
    if command(sys.argv[1:]) in TRANSCRIBING:
        begin_whisper()
    from voice.cli import run as cli_run

    cli_run()
