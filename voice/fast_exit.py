"""Ending a process whose work is done without tearing the interpreter down.

After a run, Python's own exit frees every model and module and collects what is left: 0.1–0.15 s
on one core (docs/performance.md), longer than some of the run's stages. :func:`exit_now` flushes
what the process wrote and leaves, as mypy's command does. The ``voice`` command ends this way
(:func:`voice.cli.run`).
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from typing import NoReturn

__all__ = ["exit_now"]


def exit_now(code: int) -> NoReturn:
    """End this process with ``code``: the standard streams flushed and logging shut down, the
    interpreter not torn down. Threads still running are cut off, and ``atexit`` functions do not
    run: only for a process whose every thread has finished its work."""
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # closed, or its reader gone: nothing to keep
            stream.flush()
    os._exit(code)
