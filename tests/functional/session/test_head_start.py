"""Pose begun while the narration is transcribed: the pass continues it, and its results are those
of one pass whatever the head start reached (real models, a bundled sample)."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

from tests.support import media
from voice.config import Settings
from voice.media.probe import probe
from voice.session.head_start import HeadStart
from voice.session.outputs import SessionOutputs
from voice.session.video_pass import RenderPlan, VideoPassResult, video_pass
from voice.transcription.transcript import Transcript

pytestmark = pytest.mark.slow

SETTINGS = Settings()


def _pass(source: Path, tmp: Path, head: HeadStart | None) -> VideoPassResult:
    plan = RenderPlan("maria", "session", Transcript(language="en"), (), head=head)
    tmp.mkdir(parents=True, exist_ok=True)
    return video_pass(source, probe(source), plan, model=None, settings=SETTINGS, outputs=SessionOutputs(tmp))


def _poses(result: VideoPassResult) -> list[tuple[int, list[int], np.ndarray]]:
    return [
        (f.frame, [p.person_id for p in f.people], np.stack([p.keypoints for p in f.people]))
        for f in result.track.frames
    ]


def _same(a: VideoPassResult, b: VideoPassResult) -> None:
    assert a.patient == b.patient
    assert [s.record() for s in a.people] == [s.record() for s in b.people]
    for (fa, ida, kpa), (fb, idb, kpb) in zip(_poses(a), _poses(b), strict=True):
        assert (fa, ida) == (fb, idb)
        assert np.array_equal(kpa, kpb), fa
    faces = [(f.face is None, None if f.face is None else f.face.tobytes()) for f in a.track.frames]
    assert faces == [(f.face is None, None if f.face is None else f.face.tobytes()) for f in b.track.frames]


def test_the_pass_continues_a_head_start_with_the_results_of_one_pass(tmp_path: Path) -> None:
    source = media.sample("park.mp4")
    alone = _pass(source, tmp_path / "alone", None)
    for wait_s in (0.0, 0.6, 30.0):  # stopped at once, part-way, after the whole video
        head = HeadStart(source, probe(source), SETTINGS, pin=None, appearance=None)
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline and head.posed < len(alone.track.frames):
            time.sleep(0.05)
        reached = head.posed
        started = head.stop()
        assert started is not None
        continued = _pass(source, tmp_path / f"head{wait_s}", started)
        _same(alone, continued)
        if wait_s >= 30.0:
            assert reached == len(alone.track.frames), "the head start reached the end"
        assert continued.timings["pose"] >= started.busy_s


def test_a_head_start_that_fails_is_dropped_and_the_pass_starts_afresh(tmp_path: Path) -> None:
    """A file the head start cannot read: it stops quietly, and the pass (which meets the same
    problem and reports it) gets nothing from it."""
    head = HeadStart(media.not_a_video(tmp_path), probe(media.sample()), SETTINGS, pin=None, appearance=None)
    assert head.stop() is None
    assert head.failed
    assert head.posed == 0


def test_with_a_patient_model_the_pose_only_pass_continues_a_head_start_begun_for_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With a model, pose runs first on the pose-only pass's frames (their own size): a head start
    begun on those is continued by that pass, with the results of one pass."""
    from voice.session import video_pass as vp

    seen: list[int] = []

    def predict(model: object, frames: list[object], *, settings: Settings) -> list[object]:
        seen.append(len(frames))
        return []  # no predictions: the pass then only draws

    monkeypatch.setattr(vp, "predict_track", predict)
    source = media.sample("park.mp4")

    def run(head: HeadStart | None, name: str) -> VideoPassResult:
        plan = RenderPlan("maria", "session", Transcript(language="en"), (), head=head)
        (tmp_path / name).mkdir()
        outputs = SessionOutputs(tmp_path / name)
        return video_pass(source, probe(source), plan, model=object(), settings=SETTINGS, outputs=outputs)  # type: ignore[arg-type]

    alone = run(None, "alone")
    head = HeadStart(source, probe(source), SETTINGS, pin=None, appearance=None, pose_only=True)
    deadline = time.monotonic() + 0.6
    while time.monotonic() < deadline and not head.posed:
        time.sleep(0.05)
    started = head.stop()
    assert started is not None
    assert started.people.done, "the head start found some poses"
    continued = run(started, "head")
    assert started.people.done, "continued, not discarded (discarding clears it)"
    assert continued.timings["pose"] >= started.busy_s
    _same(alone, continued)
    assert seen == [len(alone.track.frames)] * 2


def test_a_head_start_for_the_other_kind_of_pass_is_discarded(tmp_path: Path) -> None:
    """With a model, pose runs on the pose-only pass's frames: a head start begun on the drawing
    pass's frames does not fit and is dropped."""
    source = media.sample("garden.mp4")
    head = HeadStart(source, probe(source), SETTINGS, pin=None, appearance=None)
    plan = RenderPlan("maria", "session", Transcript(language="en"), (), head=head.stop())

    class Reached(Exception):
        pass

    class Model:
        """A stand-in: the pass reaches it after its pose-only pass, and stops there."""

        def __getattr__(self, name: str) -> object:
            raise Reached(name)

    with pytest.raises(Reached):
        video_pass(
            source, probe(source), plan, model=Model(), settings=SETTINGS, outputs=SessionOutputs(tmp_path)
        )  # type: ignore[arg-type]
    assert head.posed == 0, "discarded"


def test_a_head_start_stops_where_the_pass_would_on_frames_past_the_header(tmp_path: Path) -> None:
    """Ten minutes of frames behind a header of 2 s: the head start stops at the pass's limit
    (and is dropped: the pass reports the file) instead of decoding on while Whisper runs."""
    from tests.support import hostile

    path = hostile.frames_past_their_header(tmp_path)
    info = probe(path)
    head = HeadStart(path, info, SETTINGS, pin=None, appearance=None)
    head._thread.join(60)  # it ends by itself, well before ten minutes of frames
    assert not head._thread.is_alive()
    assert max(head.people.done, default=0) <= info.decode_until_s * info.fps
    assert head.stop() is None
    assert head.failed


def test_the_models_load_in_the_head_starts_own_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    """Loading the pose models (a tenth of a second) is work the idle core takes over: the caller
    goes on to the transcription at once."""
    import threading

    import voice.session.head_start as module

    built_in: list[str] = []
    real = module.PeoplePass

    class Recorded(real):  # type: ignore[misc, valid-type]
        def __init__(self, *args: object, **kwargs: object) -> None:
            built_in.append(threading.current_thread().name)
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(module, "PeoplePass", Recorded)
    source = media.sample("park.mp4")
    head = HeadStart(source, probe(source), SETTINGS, pin=None, appearance=None)
    started = head.stop()
    assert started is not None
    assert built_in == ["voice-head-start"]
    started.discard()
