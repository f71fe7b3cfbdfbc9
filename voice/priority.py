"""Lower priority for the threads off a video pass's critical path.

In a pass, everyone's body is found sample after sample in one thread (each sample's regions
come from the landmarks of the one before): that chain sets the pace. Decoding, the patient's
face and hands, drawing and x264 have slack: they may fall behind it by a few samples. The
kernel shares the two cores fairly among whoever is ready, so the body thread waited for a core
a quarter of the pass while work that could wait ran, and at other moments it ran alone while
everything else waited for its next sample (docs/performance.md, "The critical path first").
Those threads lower their own priority (a higher nice value: the kernel then gives a core to
the body thread first whenever it is ready); the rest of the time they take what it leaves.

Raising one's own nice value needs no privilege; on Linux it is per thread, and a thread or child
process inherits the value of the thread that starts it. Elsewhere (macOS), or where it is
refused, nothing changes.

:func:`cores` is how many cores the stages may share (Whisper's threads and libav's are
counted from it).
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable
from typing import TypeVar

__all__ = ["MAX_NICE", "cores", "lower_this_thread", "lowered"]

#: The lowest priority a Linux thread can have.
MAX_NICE = 19

T = TypeVar("T")


def cores() -> int:
    """The cores this process may run on (a container's CPU set, not the host's)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def lower_this_thread(by: int) -> None:
    """Raise the calling thread's nice value by ``by`` (at most to 19); 0 leaves it as it is."""
    if by <= 0 or not sys.platform.startswith("linux"):
        return
    tid = threading.get_native_id()
    try:
        os.setpriority(os.PRIO_PROCESS, tid, min(MAX_NICE, os.getpriority(os.PRIO_PROCESS, tid) + by))
    except OSError:  # refused (a sandbox without the call): the thread keeps its priority
        return


def lowered(by: int, start: Callable[[], T]) -> T:
    """``start()`` called in a short-lived thread lowered by ``by``: a child process it starts
    (the encoder) runs at that priority, without lowering the caller's own."""
    if by <= 0:
        return start()
    result: list[T] = []
    error: list[BaseException] = []

    def run() -> None:
        lower_this_thread(by)
        try:
            result.append(start())
        except BaseException as exc:  # re-raised in the caller's thread
            error.append(exc)

    thread = threading.Thread(target=run, name="voice-lowered")
    thread.start()
    thread.join()
    if error:
        raise error[0]
    return result[0]
