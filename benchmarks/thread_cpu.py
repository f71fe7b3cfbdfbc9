"""CPU seconds per thread of this process while something runs, by thread name (Linux ``/proc``).

Python threads are named by their ``threading`` name (``voice-decode``, ``voice-pose``,
``voice-draw``, ``MainThread``); native threads (libav's decoder threads, CTranslate2's, LiteRT's)
by their kernel name (``comm``). A sampler reads ``/proc/self/task/*/stat`` every 50 ms and keeps
each thread's last reading, so a thread that ends is counted up to its last sample (≤ 50 ms
lost). Child processes (ffmpeg: x264 and AAC) are added once they have been waited for
(``RUSAGE_CHILDREN``).
"""

from __future__ import annotations

import os
import resource
import threading
import time
from collections import defaultdict

__all__ = ["ThreadCpu", "read_proc"]

_TICK = os.sysconf("SC_CLK_TCK")


def read_proc(path: str) -> bytes:
    """A ``/proc`` file's bytes, or b"" when its process or thread has ended (the samplers run 20
    times a second on the cores they measure: one unbuffered read, nothing more)."""
    try:
        with open(path, "rb", buffering=0) as f:
            return f.read()
    except OSError:
        return b""


def _task_seconds(tid: str) -> float | None:
    data = read_proc(f"/proc/self/task/{tid}/stat")
    if not data:
        return None
    fields = data.rsplit(b")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICK  # utime, stime


class ThreadCpu:
    """``with ThreadCpu() as cpu: ...`` then ``cpu.by_name()``: CPU seconds per thread name."""

    def __init__(self, every_s: float = 0.05) -> None:
        self.every_s = every_s
        self._seen: dict[str, tuple[str, float]] = {}
        self._names: dict[str, str] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="bench-sampler", daemon=True)
        self._children0 = 0.0
        self.wall_s = 0.0

    def _sample(self) -> None:
        python_names = {str(t.native_id): t.name for t in threading.enumerate()}
        for tid in os.listdir("/proc/self/task"):
            seconds = _task_seconds(tid)
            if seconds is None:
                continue
            name = python_names.get(tid) or self._names.get(tid)
            if name is None:  # a native thread: its kernel name, read once
                name = read_proc(f"/proc/self/task/{tid}/comm").decode(errors="replace").strip() or "?"
            self._names[tid] = name
            self._seen[tid] = (name, seconds)

    def _run(self) -> None:
        while not self._stop.wait(self.every_s):
            self._sample()

    def __enter__(self) -> ThreadCpu:
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        self._children0 = usage.ru_utime + usage.ru_stime
        self._sample()
        self._base = dict(self._seen)
        self._t0 = time.perf_counter()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._sample()
        self._stop.set()
        self._thread.join()
        self.wall_s = time.perf_counter() - self._t0
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        self.children_s = usage.ru_utime + usage.ru_stime - self._children0

    def by_name(self) -> dict[str, float]:
        """CPU seconds per thread name (threads of one name summed), and ``ffmpeg (children)``."""
        out: dict[str, float] = defaultdict(float)
        for tid, (name, seconds) in self._seen.items():
            if name != "bench-sampler":
                out[name] += seconds - self._base.get(tid, (name, 0.0))[1]
        out["ffmpeg (children)"] = self.children_s
        return {k: round(v, 2) for k, v in sorted(out.items(), key=lambda kv: -kv[1]) if v >= 0.005}
