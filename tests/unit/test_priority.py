"""Lowering a thread's priority: only the calling thread's, never below 19; a child process
started through :func:`voice.priority.lowered` inherits it, the caller keeps its own."""

from __future__ import annotations

import os
import subprocess
import sys
import threading

import pytest

from voice.priority import MAX_NICE, lower_this_thread, lowered

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="nice is per thread on Linux")


def _nice() -> int:
    return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())


def _in_a_thread(by: int) -> int:
    seen: list[int] = []

    def run() -> None:
        lower_this_thread(by)
        seen.append(_nice())

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    return seen[0]


def test_only_the_calling_thread_is_lowered() -> None:
    base = _nice()
    assert _in_a_thread(3) == min(MAX_NICE, base + 3)
    assert _nice() == base


def test_lowering_stops_at_the_lowest_priority() -> None:
    assert _in_a_thread(MAX_NICE + 5) == MAX_NICE


def test_zero_leaves_the_priority_as_it_is() -> None:
    assert _in_a_thread(0) == _nice()


def test_a_child_started_lowered_runs_lower_and_the_caller_keeps_its_priority() -> None:
    base = _nice()
    proc = lowered(
        4,
        lambda: subprocess.Popen(
            [sys.executable, "-c", "import os; print(os.nice(0))"], stdout=subprocess.PIPE, text=True
        ),
    )
    out, _ = proc.communicate(timeout=30)
    assert int(out) == min(MAX_NICE, base + 4)
    assert _nice() == base


def test_an_error_in_the_lowered_call_reaches_the_caller() -> None:
    def fail() -> None:
        raise FileNotFoundError("no such encoder")

    with pytest.raises(FileNotFoundError, match="no such encoder"):
        lowered(4, fail)
