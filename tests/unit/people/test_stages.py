"""Body and face/hands in two stages: the same frames, poses and order as one thread gives."""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterator

import numpy as np
import pytest

from voice.media.frames import Frame
from voice.people.stages import in_two_stages
from voice.pose.body25 import PoseFrame


def _frames(n: int) -> Iterator[Frame]:
    for i in range(n):
        yield Frame(i, i / 25, np.zeros((4, 4, 3), np.uint8))


class _Recorder:
    """Fake stages: the body of every 5th frame, parts that note the order and their thread."""

    def __init__(self) -> None:
        self.parts_order: list[int] = []
        self.threads: set[str] = set()
        self.parts_threads: set[str] = set()

    def body(self, fr: Frame) -> PoseFrame | None:
        self.threads.add(threading.current_thread().name)
        return PoseFrame(fr.index, fr.time_s, 4, 4, None) if fr.index % 5 == 0 else None

    def parts(self, fr: Frame, pose: PoseFrame) -> PoseFrame:
        self.parts_order.append(fr.index)
        self.parts_threads.add(threading.current_thread().name)
        return PoseFrame(pose.frame, pose.time_s, 4, 4, np.ones((25, 3)))


@pytest.mark.parametrize("threads", [1, 2])
def test_every_frame_comes_out_in_order_with_its_complete_pose(threads: int) -> None:
    rec = _Recorder()
    busy = [0.0]
    out = list(in_two_stages(_frames(23), body=rec.body, parts=rec.parts, threads=threads, busy=busy))
    assert [fr.index for fr, _ in out] == list(range(23))
    assert [fr.index for fr, pose in out if pose is not None] == [0, 5, 10, 15, 20]
    assert all(pose.keypoints is not None for _, pose in out if pose is not None)
    assert rec.parts_order == [0, 5, 10, 15, 20]
    assert busy[0] > 0.0
    assert rec.threads == ({"voice-pose"} if threads == 2 else {threading.current_thread().name})
    assert rec.parts_threads == ({"voice-face-hands"} if threads == 2 else {threading.current_thread().name})


def _nice() -> int:
    return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="nice is per thread on Linux")
def test_the_body_stage_keeps_the_callers_priority_and_face_and_hands_run_lower() -> None:
    seen: dict[str, set[int]] = {"body": set(), "parts": set()}

    def body(fr: Frame) -> PoseFrame | None:
        seen["body"].add(_nice())
        return PoseFrame(fr.index, fr.time_s, 4, 4, None) if fr.index % 5 == 0 else None

    def parts(fr: Frame, pose: PoseFrame) -> PoseFrame:
        seen["parts"].add(_nice())
        return pose

    base = _nice()
    assert len(list(in_two_stages(_frames(12), body=body, parts=parts, nice=6))) == 12
    assert seen == {"body": {base}, "parts": {min(19, base + 6)}}
    assert _nice() == base


def test_an_error_in_the_body_stage_reaches_the_caller() -> None:
    def body(fr: Frame) -> PoseFrame | None:
        if fr.index == 7:
            raise ValueError("broken frame")
        return None

    with pytest.raises(ValueError, match="broken frame"):
        list(in_two_stages(_frames(20), body=body, parts=lambda fr, pose: pose))


def test_stopping_early_stops_the_body_stage_and_closes_the_frames() -> None:
    closed = threading.Event()

    def frames() -> Iterator[Frame]:
        try:
            yield from _frames(10_000)
        finally:
            closed.set()

    rec = _Recorder()
    stream = in_two_stages(frames(), body=rec.body, parts=rec.parts, ahead=4)
    first = [next(stream) for _ in range(3)]
    stream.close()
    assert [fr.index for fr, _ in first] == [0, 1, 2]
    assert closed.wait(5)
    assert not any(t.name in ("voice-pose", "voice-face-hands") for t in threading.enumerate())


def test_no_thread_starts_before_the_first_frame_is_asked_for() -> None:
    stream = in_two_stages(_frames(10), body=_Recorder().body, parts=_Recorder().parts)
    assert not any(t.name in ("voice-pose", "voice-face-hands") for t in threading.enumerate())
    assert next(stream)[0].index == 0
    stream.close()
    assert not any(t.name in ("voice-pose", "voice-face-hands") for t in threading.enumerate())
