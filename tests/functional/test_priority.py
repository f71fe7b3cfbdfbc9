"""A real video pass (bundled sample, real models): its body stage keeps the caller's priority,
decoding, face and hands, drawing and the encoder run ``pass_nice`` steps lower, and the results
are the same whatever the priorities (``VOICE_PASS_NICE=0``: all alike)."""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest

from tests.support import media
from voice.config import Settings
from voice.media.probe import probe
from voice.priority import MAX_NICE
from voice.session.outputs import SessionOutputs
from voice.session.video_pass import RenderPlan, VideoPassResult, video_pass
from voice.transcription.transcript import Transcript

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="nice is per thread on Linux"),
]

THREADS = ("voice-pose", "voice-face-hands", "voice-decode", "voice-draw")


def _nice_of(tid: int) -> int | None:
    try:
        return os.getpriority(os.PRIO_PROCESS, tid)
    except OSError:  # it ended meanwhile
        return None


def _is_encoder(pid: str) -> bool:
    """The review copy's ffmpeg (x264), not another child (``ffmpeg -version`` when it is located)."""
    try:
        return b"libx264" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


@contextmanager
def _priorities() -> Iterator[dict[str, set[int]]]:
    """The nice values seen, by thread name ("encoder": the ffmpeg child of x264), every 10 ms."""
    seen: dict[str, set[int]] = {}
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(0.01):
            for thread in threading.enumerate():
                if thread.name in THREADS and thread.native_id is not None:
                    nice = _nice_of(thread.native_id)
                    if nice is not None:
                        seen.setdefault(thread.name, set()).add(nice)
            for task in Path("/proc/self/task").iterdir():
                try:
                    children = (task / "children").read_text().split()
                except OSError:
                    continue
                for pid in children:
                    nice = _nice_of(int(pid))
                    if nice is not None and _is_encoder(pid):
                        seen.setdefault("encoder", set()).add(nice)

    sampler = threading.Thread(target=sample, name="test-sampler")
    sampler.start()
    try:
        yield seen
    finally:
        stop.set()
        sampler.join()


def _pass(source: Path, tmp: Path, settings: Settings) -> tuple[VideoPassResult, dict[str, set[int]]]:
    plan = RenderPlan("maria", "session", Transcript(language="en"), ())
    tmp.mkdir(parents=True)
    with _priorities() as seen:
        result = video_pass(
            source, probe(source), plan, model=None, settings=settings, outputs=SessionOutputs(tmp)
        )
    return result, seen


def test_the_pass_gives_its_body_stage_a_core_first_with_the_same_results(tmp_path: Path) -> None:
    source = media.sample("park.mp4")
    base = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    lower = min(MAX_NICE, base + 10)
    lowered, seen = _pass(source, tmp_path / "lowered", Settings())
    assert seen == {
        "voice-pose": {base},
        "voice-face-hands": {lower},
        "voice-decode": {lower},
        "voice-draw": {lower},
        "encoder": {lower},
    }
    alike, seen = _pass(source, tmp_path / "alike", Settings(pass_nice=0))
    assert set(seen) == {*THREADS, "encoder"}
    assert all(values == {base} for values in seen.values()), seen
    assert lowered.patient == alike.patient
    assert [s.record() for s in lowered.people] == [s.record() for s in alike.people]
    for a, b in zip(lowered.track.frames, alike.track.frames, strict=True):
        assert a.frame == b.frame
        assert [p.person_id for p in a.people] == [p.person_id for p in b.people]
        assert np.array_equal(
            np.stack([p.keypoints for p in a.people]), np.stack([p.keypoints for p in b.people])
        )
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == base
