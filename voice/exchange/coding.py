"""A researcher's coding as read from a file (ELAN, BORIS, CSV), before it becomes labels.

Each reader gives :class:`CodedFile`: the media it names, which of its tiers VOICE made (they are
never imported back), and its coded tiers — each an author, a media name and the annotations as
found (time order and overlaps are checked later, with the session's duration).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any

from voice.errors import ConfigError

__all__ = ["MAX_FILE_BYTES", "CodedFile", "CodedSpan", "CodedTier", "research_module"]

#: A coding file larger than this is refused before it is parsed.
MAX_FILE_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True)
class CodedSpan:
    """One coded interval, seconds, with the value the coder gave."""

    start: float
    end: float
    value: str


@dataclass
class CodedTier:
    """One coder's tier: its name, author (ANNOTATOR, PARTICIPANT or the file name), the media
    file it codes (None: the file's only medium), whether VOICE made it, and its spans."""

    name: str
    author: str
    media: str | None = None
    voice: bool = False
    spans: list[CodedSpan] = field(default_factory=list)


@dataclass
class CodedFile:
    """What a coding file holds: its media file names, the session VOICE exported it for (if it
    says), and its tiers."""

    media: list[str]
    tiers: list[CodedTier]
    session: str | None = None


def research_module(name: str) -> Any:
    """Import one of the ``research`` extra's libraries, or say how to install it."""
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        raise ConfigError(
            f"{name} is not installed: voice export/import/agreement need pip install 'voice[research]'."
        ) from exc
