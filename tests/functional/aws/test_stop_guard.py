"""The stop guards on a real (local) store: the last attempt's provisional record, the watchdog's
timeout record, and what a normal end removes. The image tier kills a real Lambda container
(tests/images/test_lambda_limits.py); here the same module runs in-process with a fake clock."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from voice.aws.stop_guard import GUARD_ERRORS, Attempt, guarded
from voice.errors import CorruptMediaError
from voice.session.failures import read_failure, record_failure
from voice.storage import LocalStore

KEY = "maria/garden visit.mp4"


def _attempt(number: int) -> Attempt:
    return Attempt(number=number, attempts=3, memory_mb=3538, timeout_s=900)


def _plenty() -> float:
    return 900.0


def test_the_last_attempt_records_that_it_did_not_finish_before_it_starts(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    with guarded(store, KEY, _attempt(3), time_left=_plenty, margin_s=10):
        found = read_failure(store, KEY)
        assert found is not None
        assert found.error_type == "RunStoppedError"
        assert "memory limit (3538 MB" in found.message
        assert "last of 3 attempts" in found.message
    assert read_failure(store, KEY) is None, "a run that ended normally leaves no guard record"


def test_an_earlier_attempt_writes_nothing_in_advance(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    with guarded(store, KEY, _attempt(1), time_left=_plenty, margin_s=10):
        assert read_failure(store, KEY) is None


def test_a_run_killed_on_its_last_attempt_leaves_the_provisional_record(tmp_path: Path) -> None:
    """A kill runs none of the run's code: as here, where the block never returns normally."""
    store = LocalStore(tmp_path)

    class Killed(BaseException):
        pass

    with pytest.raises(Killed), guarded(store, KEY, _attempt(3), time_left=_plenty, margin_s=10):
        raise Killed
    found = read_failure(store, KEY)
    assert found is not None
    assert found.error_type == "RunStoppedError"
    assert found.source.key == KEY


class _Clock:
    """Seconds left of an invocation, running down ``speed`` times faster than real time."""

    def __init__(self, left_s: float, speed: float) -> None:
        self.start, self.left_s, self.speed = time.monotonic(), left_s, speed

    def __call__(self) -> float:
        return self.left_s - (time.monotonic() - self.start) * self.speed


def test_the_watchdog_records_a_timeout_just_before_the_deadline(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    clock = _Clock(left_s=30, speed=50)  # 20 s to the margin in 0.4 s of real time
    seen = threading.Event()

    class Killed(BaseException):
        pass

    def run_until_the_record_appears() -> None:
        deadline = time.monotonic() + 5
        while read_failure(store, KEY) is None and time.monotonic() < deadline:
            time.sleep(0.02)
        seen.set()
        raise Killed  # Lambda stops the invocation at the deadline

    with pytest.raises(Killed), guarded(store, KEY, _attempt(1), time_left=clock, margin_s=10):
        run_until_the_record_appears()
    assert seen.is_set()
    found = read_failure(store, KEY)
    assert found is not None
    assert found.error_type == "RunTimeoutError"
    assert "time limit (900 s)" in found.message
    assert "Attempt 1 of 3: it is tried again." in found.message


def test_a_run_that_finishes_inside_the_margin_removes_the_timeout_record(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    clock = _Clock(left_s=10.5, speed=10)
    with guarded(store, KEY, _attempt(3), time_left=clock, margin_s=10):
        time.sleep(0.5)  # the watchdog fires meanwhile
    assert read_failure(store, KEY) is None


def test_a_finished_run_never_removes_a_record_of_its_own(tmp_path: Path) -> None:
    """A failure the run recorded (a corrupt file, acknowledged) stays; only guard records go."""
    store = LocalStore(tmp_path)
    with guarded(store, KEY, _attempt(3), time_left=_plenty, margin_s=10):
        pass
    record_failure(store, KEY, CorruptMediaError("not a video"), stage="probe")
    with guarded(store, KEY, _attempt(1), time_left=_plenty, margin_s=10):
        pass
    found = read_failure(store, KEY)
    assert found is not None
    assert found.error_type == "CorruptMediaError"
    assert found.error_type not in GUARD_ERRORS
