"""Failure records: what went wrong with one upload, at ``videos/failed/<patient>/<file>.json``.

Every way an upload can fail ends here: the pipeline, the batch runner and the video Lambda all
call :func:`record_failure`. Uploads whose names are unsafe never become keys: their record goes
to ``failed/_invalid/<hash>.json``.
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Iterator

from voice import layout
from voice.errors import StorageError, VoiceError
from voice.layout import VIDEOS
from voice.records.failure import FAILURE_SCHEMA, FailureRecord, ObjectRef
from voice.storage import Store

__all__ = [
    "FAILURE_SCHEMA",
    "FailureNotRecordedError",
    "Stage",
    "failure_record_key",
    "read_failure",
    "record_failure",
    "recording_failures",
]

log = logging.getLogger("voice")


def failure_record_key(key: str) -> str:
    """Where the failure record of upload ``key`` goes; unsafe names map to ``failed/_invalid/``."""
    try:
        upload = layout.parse_upload_key(key)
        return layout.failure_key(upload.patient, upload.file_name)
    except VoiceError:
        parts = key.split("/")
        try:
            if len(parts) != 2:
                return layout.invalid_failure_key(key)
            # A valid name with an unsupported extension still gets its record beside the others.
            layout.validate_name(parts[0], what="patient name")
            layout.validate_name(parts[1], what="file name")
            return layout.failure_key(parts[0], parts[1])
        except VoiceError:
            return layout.invalid_failure_key(key)


def _printable(key: str) -> str:
    """The key as valid UTF-8: bytes that were not UTF-8 (surrogate escapes) become ``\\xNN``."""
    return key.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


class FailureNotRecordedError(StorageError):
    """An upload failed and its failure record could not be written either: nothing may then
    acknowledge it (a queue retries the message, a state machine the step). The message names both
    errors by type only."""


def record_failure(store: Store, key: str, exc: BaseException, *, stage: str, strict: bool = False) -> str:
    """Write the failure record for upload ``key``; returns its key. Never raises, unless
    ``strict``: then a record that cannot be written raises :class:`FailureNotRecordedError`."""
    fkey = layout.invalid_failure_key(key)
    try:
        fkey = failure_record_key(key)
        record = FailureRecord(
            source=ObjectRef(bucket=VIDEOS, key=_printable(key)),
            stage=exc.stage if isinstance(exc, VoiceError) else stage,
            error_type=type(exc).__name__,
            message=_printable(str(exc)),
        )
        data = (json.dumps(record.json_doc(), indent=2, ensure_ascii=False) + "\n").encode()
        store.write(VIDEOS, fkey, data, content_type="application/json")
    except Exception as write_exc:  # the original error matters more than a failed record
        log.error("could not write a failure record (%s)", type(write_exc).__name__)
        if strict:
            raise FailureNotRecordedError(
                f"the failure record could not be written ({type(write_exc).__name__}) after "
                f"{type(exc).__name__} at {stage}; the upload is tried again."
            ) from exc
    return fkey


def read_failure(store: Store, key: str) -> FailureRecord | None:
    """The failure record of upload ``key``, if there is one this version reads."""
    fkey = failure_record_key(key)
    try:
        found = store.read_versioned(VIDEOS, fkey)
        return None if found is None else FailureRecord.model_validate_json(found.data)
    except (VoiceError, ValueError):
        return None


class Stage:
    """The stage a run is in, for a failure that is not a VoiceError (which names its own)."""

    def __init__(self, name: str = "validate") -> None:
        self.name = name


@contextlib.contextmanager
def recording_failures(store: Store, key: str) -> Iterator[Stage]:
    """Any error inside gets the upload's failure record, a log line (its type only: messages and
    tracebacks can hold keys, and keys hold patient names), and goes on. When the record itself
    cannot be written, :class:`FailureNotRecordedError` goes on instead (never acknowledged)."""
    stage = Stage()
    try:
        yield stage
    except FailureNotRecordedError:
        raise
    except VoiceError as exc:
        log.warning("video failed at %s: %s", exc.stage, type(exc).__name__)
        record_failure(store, key, exc, stage=exc.stage, strict=True)
        raise
    except Exception as exc:
        log.error("video failed at %s with an unexpected %s", stage.name, type(exc).__name__)
        record_failure(store, key, exc, stage=stage.name, strict=True)
        raise
