"""A failure record for every upload, whatever stops the video Lambda (docs/cloud.md, "Records").

Lambda ends an invocation that reaches its timeout, and kills one that exceeds its memory, without
running any more of its code: the pipeline's own failure record (:mod:`voice.session.failures`)
is then never written, and after the queue's last delivery the upload would sit in the
dead-letter queue with no word in the bucket. Two guards around each upload's run close that:

- **The last delivery** (the message's receive count has reached the queue's maximum) first
  writes a provisional record, :class:`RunStoppedError`: "stopped before it finished". A run that
  ends in any way the code sees replaces it (its own failure record) or removes it (success); a
  run killed for its memory leaves it — a timeout has its own record (next point), so what the
  provisional record names is the memory limit (or a crash of the process).
- **A watchdog** writes :class:`RunTimeoutError` shortly before the deadline (``margin_s``), on
  every delivery: the next one may try again, and the record says whether one will.

The records are ordinary failure records (``videos/failed/<patient>/<file>.json``): same schema,
same place, the error type says what stopped the run.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from voice.errors import VoiceError
from voice.layout import VIDEOS
from voice.session.failures import failure_record_key, read_failure, record_failure
from voice.storage import Store

__all__ = ["GUARD_ERRORS", "Attempt", "RunStoppedError", "RunTimeoutError", "guarded"]

log = logging.getLogger("voice")


class RunStoppedError(VoiceError):
    """The last attempt at an upload was stopped before it finished, without a word: its memory
    limit (a time limit is recorded as :class:`RunTimeoutError`), or a crash of the process."""

    stage = "run"


class RunTimeoutError(VoiceError):
    """An attempt at an upload reached the function's time limit."""

    stage = "run"


#: The error types of the records this module writes (a finished run removes them).
GUARD_ERRORS = frozenset({RunStoppedError.__name__, RunTimeoutError.__name__})


@dataclass(frozen=True)
class Attempt:
    """One delivery of an upload's message: which one of how many, and the function's limits."""

    number: int
    attempts: int
    memory_mb: int
    timeout_s: float

    @property
    def last(self) -> bool:
        return self.number >= self.attempts

    @property
    def what_next(self) -> str:
        if self.last:
            return (
                f"That was the last of {self.attempts} attempts: split the recording into shorter parts "
                "and upload those, or raise the function's limits and start a new attempt with "
                "`voice cloud reprocess`."
            )
        return f"Attempt {self.number} of {self.attempts}: it is tried again."


def _stopped(attempt: Attempt) -> RunStoppedError:
    return RunStoppedError(
        f"processing stopped before it finished, without an error of its own: most likely the "
        f"function's memory limit ({attempt.memory_mb} MB; a time limit is recorded as such). "
        + attempt.what_next
    )


def _timed_out(attempt: Attempt) -> RunTimeoutError:
    return RunTimeoutError(
        f"processing reached the function's time limit ({attempt.timeout_s:.0f} s) before it finished. "
        + attempt.what_next
    )


class _Watchdog(threading.Thread):
    """Writes the timeout record when ``time_left()`` falls to ``margin_s`` (unless stopped first)."""

    def __init__(self, write: Callable[[], None], time_left: Callable[[], float], margin_s: float) -> None:
        super().__init__(name="voice-stop-guard", daemon=True)
        self._write, self._time_left, self._margin_s = write, time_left, margin_s
        self.stopped = threading.Event()
        self.fired = False

    def run(self) -> None:
        while not self.stopped.wait(max(0.05, min(1.0, self._time_left() - self._margin_s))):
            if self._time_left() <= self._margin_s:
                self.fired = True
                self._write()
                return


@contextlib.contextmanager
def guarded(
    store: Store, key: str, attempt: Attempt, *, time_left: Callable[[], float], margin_s: float
) -> Iterator[None]:
    """Run the block under both guards (module notes). On a normal end, a record the guards wrote
    is removed; an error leaves whatever record is there (write the record of an error the caller
    acknowledges after the block: the watchdog is stopped by then)."""
    if attempt.last:
        record_failure(store, key, _stopped(attempt), stage=RunStoppedError.stage)
    watchdog = _Watchdog(lambda: _write_timeout(store, key, attempt), time_left=time_left, margin_s=margin_s)
    watchdog.start()
    try:
        yield
    finally:
        watchdog.stopped.set()
        watchdog.join()
    _clear(store, key)


def _write_timeout(store: Store, key: str, attempt: Attempt) -> None:
    log.warning("the run is about to reach the function's time limit; recording it")
    record_failure(store, key, _timed_out(attempt), stage=RunTimeoutError.stage)


def _clear(store: Store, key: str) -> None:
    """Remove the guards' record after a run that ended normally (any other record stays)."""
    found = read_failure(store, key)
    if found is not None and found.error_type in GUARD_ERRORS:
        store.delete(VIDEOS, failure_record_key(key))
