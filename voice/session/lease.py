"""One writer of a session's outputs at a time: a lease taken with the store's conditional write.

Two runs of the same upload (a message delivered twice, a retry while the first run still writes)
must not interleave their writes: the second would delete the samples and the index the first
just wrote (:func:`voice.session.outputs.write_samples` replaces a session's samples as one unit)
and could then die, leaving the first run's metadata beside a session without samples. Before the
first output is written, :func:`session_lease` takes ``videos/work/leases/<patient>/<session>.json``
— ``{"owner", "expires_at"}`` written with ``If-None-Match`` (no lease yet) or ``If-Match`` (the
lease read, expired or released) — so only one run holds it; it expires after ``hold_s`` (a run
killed while writing holds nobody up for longer) and is released when the outputs are written
(``{"owner": "", "expires_at": 0}``: the file stays, a work file that expires on AWS).

A run that finds the lease held waits for it (up to ``wait_s``), then gives up with
:class:`SessionBusyError`, which is retried (a queue redelivers, a state machine retries the step).
"""

from __future__ import annotations

import contextlib
import json
import logging
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from voice import layout
from voice.errors import ConflictError, StorageError
from voice.layout import VIDEOS
from voice.storage import Store, Versioned, json_bytes

__all__ = ["SessionBusyError", "session_lease"]

log = logging.getLogger("voice")


class SessionBusyError(StorageError):
    """Another run is writing this session's outputs; this one is tried again later."""


@dataclass(frozen=True)
class _Held:
    owner: str
    expires_at: float

    @classmethod
    def read(cls, found: Versioned | None) -> _Held | None:
        if found is None:
            return None
        try:
            doc = json.loads(found.data)
            return cls(str(doc["owner"]), float(doc["expires_at"]))
        except (ValueError, KeyError, TypeError):
            return None  # not a lease this version reads: as good as expired


def _try_take(store: Store, key: str, owner: str, hold_s: float, now: float) -> bool:
    found = store.read_versioned(VIDEOS, key)
    held = _Held.read(found)
    if held is not None and held.owner != owner and held.expires_at > now:
        return False
    doc = json_bytes({"owner": owner, "expires_at": now + hold_s})
    try:
        store.write_if(VIDEOS, key, doc, etag=None if found is None else found.etag)
    except ConflictError:
        return False  # someone took (or released) it between our read and our write
    return True


def _release(store: Store, key: str, owner: str) -> None:
    """Expire the lease now if this run still holds it (never someone else's)."""
    try:
        found = store.read_versioned(VIDEOS, key)
        held = _Held.read(found)
        if found is not None and held is not None and held.owner == owner:
            # Always the same bytes: a forced re-run leaves the data folder byte-identical.
            store.write_if(VIDEOS, key, json_bytes({"owner": "", "expires_at": 0}), etag=found.etag)
    except StorageError as exc:  # it expires on its own
        log.warning("could not release a session lease (%s)", type(exc).__name__)


@contextlib.contextmanager
def session_lease(
    store: Store,
    patient: str,
    session: str,
    *,
    hold_s: float,
    wait_s: float = 60.0,
    clock: Callable[[], float] = time.time,
) -> Iterator[None]:
    """Hold the session's lease for the block (module notes)."""
    key = layout.session_lease_key(patient, session)
    owner = uuid.uuid4().hex
    deadline = clock() + wait_s
    while not _try_take(store, key, owner, hold_s, clock()):
        if clock() >= deadline:
            raise SessionBusyError(
                "another run is writing this session's outputs; this one is tried again later."
            )
        time.sleep(min(2.0, max(0.0, deadline - clock())))
    try:
        yield
    finally:
        _release(store, key, owner)
