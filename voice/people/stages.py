"""A pass's pose in two stages on two cores: everyone's body in a thread of its own, the patient's
face and hands in another, one sampled frame behind.

The body stage (detector, landmarks, tracking, smoothing, the patient as known so far) needs
only the frames before; the face and hands of frame N need only frame N's body. So while one
thread finds the face and hands of one sampled frame, the body of the next is found beside it
(LiteRT and OpenCV release the GIL while they compute). Frames come out in order, each sampled
one with its complete pose, exactly as one thread would give them. The body stage is the pass's
critical path: the face-and-hands thread lowers its priority by ``nice``
(:mod:`voice.priority`), so a core goes to the body stage first. With ``threads=1`` both stages
run in the caller's thread, one after the other.
"""

from __future__ import annotations

import contextlib
import queue
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

from voice.config import Settings
from voice.media.frames import Frame
from voice.pose.body25 import PoseFrame
from voice.priority import lower_this_thread

__all__ = ["in_pass", "in_two_stages"]

_END = object()
#: Sampled frames the body stage may run ahead of the face and hands: slack for the threads
#: that give it a core first (docs/performance.md, "The critical path first").
_POSE_AHEAD = 6
#: Frames between the face-and-hands stage and the caller (which only queues them for drawing).
_HANDED = 4

In = TypeVar("In")
Out = TypeVar("Out")
_Staged = tuple[Frame, PoseFrame | None]


def in_two_stages(  # noqa: PLR0913 - keyword-only: the two stages, and how they share the cores
    frames: Iterable[Frame],
    *,
    body: Callable[[Frame], PoseFrame | None],
    parts: Callable[[Frame, PoseFrame], PoseFrame],
    threads: int = 2,
    ahead: int = 12,
    busy: list[float] | None = None,
    nice: int = 0,
) -> Iterator[_Staged]:
    """Every frame with its pose (None between samples): ``body(frame)`` is None on frames that
    are not sampled, else everyone's pose; ``parts(frame, pose)`` completes it. With two
    threads the body stage runs at most ``ahead`` frames ahead of the face and hands, whose
    thread runs ``nice`` steps lower; ``busy[0]`` accumulates the seconds the body stage was at
    work."""

    def timed_body(fr: Frame) -> _Staged:
        t0 = time.perf_counter()
        pose = body(fr)
        if busy is not None and pose is not None:
            busy[0] += time.perf_counter() - t0
        return fr, pose

    def complete(item: _Staged) -> _Staged:
        fr, pose = item
        return fr, None if pose is None else parts(fr, pose)

    if threads < 2:
        yield from map(complete, map(timed_body, frames))
        return
    # Both threads start here, at the first frame asked for, in the caller's thread (at its
    # priority); closing this generator stops them.
    bodies = _ahead(frames, timed_body, ahead=ahead, name="voice-pose")
    yield from _ahead(bodies, complete, ahead=_HANDED, name="voice-face-hands", nice=nice)


def in_pass(
    frames: Iterable[Frame],
    *,
    body: Callable[[Frame], PoseFrame | None],
    parts: Callable[[Frame, PoseFrame], PoseFrame],
    stride: int,
    settings: Settings,
    busy: list[float] | None = None,
) -> Iterator[_Staged]:
    """:func:`in_two_stages` as a video pass runs it (pose on every ``stride``-th frame): the
    settings' threads and priority, the body stage up to six samples ahead."""
    return in_two_stages(
        frames,
        body=body,
        parts=parts,
        threads=settings.pose_threads,
        ahead=_POSE_AHEAD * stride + 2,
        busy=busy,
        nice=settings.pass_nice,
    )


def _ahead(
    items: Iterable[In], fn: Callable[[In], Out], *, ahead: int, name: str, nice: int = 0
) -> Iterator[Out]:
    """``fn(item)`` for every item, computed in a thread of its own (``nice`` steps lower), at
    most ``ahead`` items ahead of the caller. The thread starts now, in the caller's thread, so
    it starts at the caller's priority (a thread inherits its starter's)."""
    out: queue.Queue[object] = queue.Queue(maxsize=max(2, ahead))
    stop = threading.Event()

    def put(item: object) -> None:
        while not stop.is_set():
            with contextlib.suppress(queue.Full):
                out.put(item, timeout=0.1)
                return

    def work() -> None:
        lower_this_thread(nice)
        try:
            for item in items:
                if stop.is_set():
                    break
                put(fn(item))
            put(_END)
        except BaseException as exc:  # surfaced in the caller's thread
            put(exc)
        finally:
            close = getattr(items, "close", None)
            if close is not None:
                close()

    thread = threading.Thread(target=work, name=name, daemon=True)
    thread.start()
    return _results(out, stop, thread)


def _results(out: queue.Queue[object], stop: threading.Event, thread: threading.Thread) -> Iterator[Any]:
    """What a stage's thread puts in ``out``, until it ends; closing it stops the thread."""
    try:
        while (item := out.get()) is not _END:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        while thread.is_alive():
            with contextlib.suppress(queue.Empty):
                out.get(timeout=0.05)
        thread.join()
