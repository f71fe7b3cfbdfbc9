"""A patient's session records as they stand in the store, one by one: the session indexes
(patients bucket) and the session metadata (videos bucket). A record that cannot be read is
skipped (the metadata with a warning that names no one), so one damaged file never stops a
report, a page or a training run."""

from __future__ import annotations

import logging
from collections.abc import Iterator

from pydantic import ValidationError

from voice import layout
from voice.errors import StorageError
from voice.records.session import SessionIndex, SessionMetadata
from voice.storage import Store

__all__ = ["session_indexes", "session_metadata"]

log = logging.getLogger("voice")


def _keys(store: Store, bucket: str, prefix: str, suffix: str) -> Iterator[str]:
    """The keys right under ``prefix`` (not in folders below it) that end with ``suffix``."""
    for obj in store.list(bucket, prefix):
        rest = obj.key[len(prefix) :]
        if "/" not in rest and rest.endswith(suffix):
            yield obj.key


def session_indexes(store: Store, patient: str) -> Iterator[SessionIndex]:
    """Every readable session index of ``patient`` (``<patient>/.sessions/<session>.json``)."""
    for key in _keys(store, layout.PATIENTS, layout.sessions_prefix(patient), ".json"):
        try:
            yield SessionIndex.model_validate_json(store.read(layout.PATIENTS, key))
        except (StorageError, ValidationError):
            continue


def session_metadata(store: Store, patient: str, *, skipped_in: str) -> Iterator[SessionMetadata]:
    """Every readable session metadata of ``patient`` (``annotated/<patient>/<session>_metadata.json``);
    ``skipped_in`` names the reader in the warning about one that is not."""
    for key in _keys(store, layout.VIDEOS, layout.annotated_prefix(patient), "_metadata.json"):
        try:
            yield SessionMetadata.model_validate_json(store.read(layout.VIDEOS, key))
        except (StorageError, ValidationError):
            log.warning("unreadable session metadata skipped in %s", skipped_in)
