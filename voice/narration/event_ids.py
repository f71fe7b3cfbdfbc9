"""Stable ids of narrated events: derived from what was said and when, never from list positions.

An event's id is ``e`` + 10 hex digits of the SHA-256 of its normalised sentence (NFKC, case
folded, every run of characters that are not letters or digits one space), its keyword, and its
time in whole buckets of :data:`BUCKET_S` seconds. A re-run that hears the same sentence about the
same time gives the same id, whatever else it finds or misses; a statement that is gone leaves its
id unused (reviews of it become orphans, never another event's). Two events alike in all three (a
sentence that repeats its emotion word) are told apart by their order among themselves.

A statement whose time moves across a bucket boundary between two runs (another Whisper model)
gets a new id; :func:`near_ids` names the ids it would have had in the buckets next to its own, so
a review can still find it: the same sentence and keyword, at most :data:`NEAR_S` from where it was
when reviewed, and the only such event (``docs/labels.md``).
"""

from __future__ import annotations

import hashlib
import math
import re
import unicodedata
from collections.abc import Sequence

from voice.records.session import EventRecord

__all__ = ["BUCKET_S", "NEAR_S", "event_id", "event_ids", "near_ids", "normalise_sentence", "with_ids"]

#: Width of the time buckets in an id, seconds.
BUCKET_S = 2.0
#: How far (seconds) a statement may have moved since it was reviewed and still be found by a
#: neighbouring bucket's id (:func:`near_ids`).
NEAR_S = 1.0
_NOT_WORD = re.compile(r"[\W_]+")


def normalise_sentence(text: str) -> str:
    """NFKC, case folded, punctuation and spacing reduced to single spaces: "Maria is  HAPPY!" →
    "maria is happy"."""
    return _NOT_WORD.sub(" ", unicodedata.normalize("NFKC", text).casefold()).strip()


def _bucket(time_s: float) -> int:
    return math.floor(time_s / BUCKET_S)


def event_id(text: str, keyword: str, bucket: int, repeat: int = 0) -> str:
    """The id of the ``repeat``-th event with this sentence and keyword in time bucket ``bucket``."""
    parts = [normalise_sentence(text), normalise_sentence(keyword), str(bucket)]
    if repeat:
        parts.append(str(repeat))
    return "e" + hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:10]


def event_ids(events: Sequence[tuple[str, str, float]]) -> list[str]:
    """Ids of events given as (sentence, keyword, time in seconds), in their order."""
    seen: dict[tuple[str, str, int], int] = {}
    ids = []
    for text, keyword, time_s in events:
        key = (normalise_sentence(text), normalise_sentence(keyword), _bucket(time_s))
        repeat = seen.get(key, 0)
        seen[key] = repeat + 1
        ids.append(event_id(text, keyword, key[2], repeat))
    return ids


def near_ids(text: str, keyword: str, time_s: float) -> tuple[str, str]:
    """The ids the event would have in the buckets just before and after its own."""
    b = _bucket(time_s)
    return event_id(text, keyword, b - 1), event_id(text, keyword, b + 1)


def with_ids(events: Sequence[EventRecord]) -> list[EventRecord]:
    """The events with their ids: as stored, or computed for records that have none (files written
    before ids existed get the ids a re-run would give them)."""
    ids = event_ids([(e.text, e.keyword, e.time) for e in events])
    return [
        e if e.id is not None else e.model_copy(update={"id": i}) for e, i in zip(events, ids, strict=True)
    ]
