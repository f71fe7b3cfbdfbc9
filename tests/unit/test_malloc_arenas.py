"""The allocator cap the video pass sets (voice.malloc_arenas)."""

from __future__ import annotations

import platform
import subprocess
import sys

import pytest

from voice.malloc_arenas import ARENAS, limit_arenas


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="mallopt is glibc's")
def test_the_cap_takes_on_glibc_and_is_set_once() -> None:
    assert limit_arenas() is True
    assert limit_arenas() is True  # cached: mallopt runs once per process


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="mallopt is glibc's")
def test_threads_started_after_the_cap_share_at_most_that_many_arenas() -> None:
    # malloc_stats() prints one block per arena ("Arena N:") to stderr; 8 threads that each
    # allocate would make up to 8 new arenas without the cap.
    code = """
import ctypes, threading
from voice.malloc_arenas import limit_arenas
limit_arenas()
def work():
    bufs = [bytearray(200_000) for _ in range(50)]
    del bufs
ts = [threading.Thread(target=work) for _ in range(8)]
[t.start() for t in ts]; [t.join() for t in ts]
ctypes.CDLL("libc.so.6").malloc_stats()
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    arenas = [line for line in out.stderr.splitlines() if line.startswith("Arena ")]
    assert 1 <= len(arenas) <= ARENAS
