"""A pass's pose in two stages on two cores: everyone's body in a thread of its own, the patient's
face and hands in the caller's thread, one sampled frame behind.

The body stage (detector, landmarks, tracking, smoothing, the patient as known so far) needs
only the frames before; the face and hands of frame N need only frame N's body. So while the
caller finds the face and hands of one sampled frame, the body of the next is found beside it
(LiteRT and OpenCV release the GIL while they compute). Frames come out in order, each sampled
one with its complete pose, exactly as one thread would give them. With ``threads=1`` both
stages run in the caller's thread, one after the other.
"""

from __future__ import annotations

import contextlib
import queue
import threading
import time
from collections.abc import Callable, Iterable, Iterator

from voice.media.frames import Frame
from voice.pose.body25 import PoseFrame

__all__ = ["in_two_stages"]

_END = object()


def in_two_stages(
    frames: Iterable[Frame],
    *,
    body: Callable[[Frame], PoseFrame | None],
    parts: Callable[[Frame, PoseFrame], PoseFrame],
    threads: int = 2,
    ahead: int = 12,
    busy: list[float] | None = None,
) -> Iterator[tuple[Frame, PoseFrame | None]]:
    """Every frame with its pose (None between samples): ``body(frame)`` is None on frames that
    are not sampled, else everyone's pose; ``parts(frame, pose)`` completes it. With two
    threads the body stage runs at most ``ahead`` frames ahead; ``busy[0]`` accumulates the
    seconds it was at work."""

    def timed_body(fr: Frame) -> PoseFrame | None:
        t0 = time.perf_counter()
        pose = body(fr)
        if busy is not None and pose is not None:
            busy[0] += time.perf_counter() - t0
        return pose

    bodies = (
        map(lambda fr: (fr, timed_body(fr)), frames) if threads < 2 else _ahead(frames, timed_body, ahead)
    )
    for fr, pose in bodies:
        yield fr, None if pose is None else parts(fr, pose)


def _ahead(
    frames: Iterable[Frame], body: Callable[[Frame], PoseFrame | None], ahead: int
) -> Iterator[tuple[Frame, PoseFrame | None]]:
    """``(frame, body(frame))`` computed in a thread of its own, at most ``ahead`` frames ahead."""
    out: queue.Queue[object] = queue.Queue(maxsize=max(2, ahead))
    stop = threading.Event()

    def put(item: object) -> None:
        while not stop.is_set():
            with contextlib.suppress(queue.Full):
                out.put(item, timeout=0.1)
                return

    def work() -> None:
        try:
            for fr in frames:
                if stop.is_set():
                    break
                put((fr, body(fr)))
            put(_END)
        except BaseException as exc:  # surfaced in the caller's thread
            put(exc)
        finally:
            close = getattr(frames, "close", None)
            if close is not None:
                close()

    thread = threading.Thread(target=work, name="voice-pose", daemon=True)
    thread.start()
    try:
        while (item := out.get()) is not _END:
            if isinstance(item, BaseException):
                raise item
            yield item  # type: ignore[misc]
    finally:
        stop.set()
        while thread.is_alive():
            with contextlib.suppress(queue.Empty):
                out.get(timeout=0.05)
        thread.join()
