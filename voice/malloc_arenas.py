"""Keep glibc's allocator from fragmenting memory across threads during a video pass.

The pass allocates a frame-sized buffer per frame in one thread (decode) and frees it in
others (pose, drawing, encoding), while Whisper's, PyAV's and the pose graph's threads allocate
too. glibc gives threads their own arenas (up to 8 per core) and raises its mmap threshold after
the first large free, so frame buffers come from many arenas and the freed space is scattered
over them: resident memory grew with the video's length although the live data does not (the
10-minute 640×480 benchmark input: 1,002 MB peak vs ~750 MB for 1 minute; Python's own objects
were 90 MB of it). Two arenas keep it nearly flat (826 MB at 10 minutes) at the same CPU time
(138 CPU-s either way); a fixed mmap threshold also helps but costs ~18 % more CPU on 1080p60
(the page faults of a fresh mapping per frame). Measured on this project's machine, 2026-12-01.

:func:`limit_arenas` runs when the ``voice`` package is imported, before any thread of ours or
of a library allocates: set later it does not help (threads then share the arenas already made,
however many; measured: 1,023 MB). Elsewhere than glibc (macOS, musl) it does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import sys

__all__ = ["ARENAS", "limit_arenas"]

ARENAS = 2
_M_ARENA_MAX = -8  # glibc malloc.h


@functools.cache
def limit_arenas(arenas: int = ARENAS) -> bool:
    """Cap glibc's malloc arenas for this process (once); True when the setting took."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc
        return False
    return bool(mallopt(ctypes.c_int(_M_ARENA_MAX), ctypes.c_int(arenas)))
