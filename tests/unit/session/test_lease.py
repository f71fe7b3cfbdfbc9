"""A session's lease on the local store (its conditional write is a file lock there): one holder
at a time, waited for, expiring, released; two writers never interleave."""

from __future__ import annotations

import itertools
import json
import threading
import time
from pathlib import Path

import pytest

from voice import layout
from voice.session.lease import SessionBusyError, session_lease
from voice.storage import LocalStore

PATIENT, SESSION = "maria", "visit-0123456789"


def _lease(store: LocalStore) -> dict[str, float | str]:
    return dict(json.loads(store.read(layout.VIDEOS, layout.session_lease_key(PATIENT, SESSION))))


def test_a_second_run_waits_for_the_lease_then_gives_up_to_be_retried(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    with session_lease(store, PATIENT, SESSION, hold_s=60):
        held = _lease(store)
        assert float(held["expires_at"]) > time.time()
        t0 = time.monotonic()
        with (
            pytest.raises(SessionBusyError, match="tried again"),
            session_lease(store, PATIENT, SESSION, hold_s=60, wait_s=0.3),
        ):
            pass
        assert time.monotonic() - t0 >= 0.3, "it waited before it gave up"
        assert _lease(store) == held, "the holder's lease is untouched"
    assert float(_lease(store)["expires_at"]) == 0, "released when the block ended"
    with session_lease(store, PATIENT, SESSION, hold_s=60, wait_s=0):
        pass  # free at once


def test_a_lease_whose_holder_died_expires(tmp_path: Path) -> None:
    """A run killed while writing never releases: the next one takes the lease once it expired."""
    store = LocalStore(tmp_path)
    now = [1000.0]
    died = session_lease(store, PATIENT, SESSION, hold_s=900, clock=lambda: now[0])
    died.__enter__()  # and never __exit__: the process was killed
    with (
        pytest.raises(SessionBusyError),
        session_lease(store, PATIENT, SESSION, hold_s=900, wait_s=0, clock=lambda: now[0]),
    ):
        pass
    now[0] += 901
    with session_lease(store, PATIENT, SESSION, hold_s=900, wait_s=0, clock=lambda: now[0]):
        assert float(_lease(store)["expires_at"]) == now[0] + 900


def test_two_writers_of_one_session_never_interleave(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    inside: list[str] = []
    spans: list[tuple[float, float]] = []

    def write(name: str) -> None:
        with session_lease(store, PATIENT, SESSION, hold_s=60, wait_s=10):
            inside.append(name)
            start = time.monotonic()
            time.sleep(0.2)  # writing the outputs
            spans.append((start, time.monotonic()))
            inside.remove(name)

    threads = [threading.Thread(target=write, args=(f"run {i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(spans) == 4, "every run got its turn"
    spans.sort()
    assert all(a_end <= b_start for (_, a_end), (b_start, _) in itertools.pairwise(spans))
