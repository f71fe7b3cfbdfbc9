"""A long video in segments (issue 15), on real media: a 36 s narrated visit with two people, cut
into three segments of ~12 s, processed by two worker processes (``voice process --workers 2``)
and in one pass; a segment that fails, and the retry that reuses the others; a video without
sound (the joined parts get a silent track of the video's length).

Orange is in view the whole time; blue comes in at 5 s and leaves at 30 s, so blue crosses both
cuts (ids linked across them) and is in view for the whole middle segment (where, alone, the
middle segment would choose blue: nearer the centre). The narration is the bundled samples'
(six events).
"""

from __future__ import annotations

import concurrent.futures as futures
import contextlib
import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.support import scenes
from tests.support.media import long_narrated_video
from voice import layout
from voice.cli import main
from voice.config import Settings, get_settings
from voice.media.probe import probe
from voice.pose.track_file import decode_track
from voice.run.batch import stage_upload
from voice.run.pipeline import Hooks, process_video
from voice.segments import local_pool, steps
from voice.segments.steps import SegmentFailedError
from voice.storage import LocalStore

pytestmark = pytest.mark.slow

SECONDS = 36.0
SEGMENTS = {"VOICE_SEGMENT_S": "12", "VOICE_SEGMENT_ABOVE_S": "10"}
SEGMENT_PASS = steps.segment_pass


def _settings() -> Settings:
    return Settings(segment_s=12, segment_above_s=10)


def _blue_path(t: float) -> tuple[float, float, float] | None:
    return (470 + 6 * np.sin(1.5 * t + 1), 205.0, 290.0) if 5.0 <= t < 30.0 else None


VISIT = scenes.Scene(
    (
        scenes.Actor("orange", "orange", lambda t: (180 + 8 * np.sin(2 * t), 200.0, 300.0)),
        scenes.Actor("blue", "blue", _blue_path),
    ),
    SECONDS,
)


@pytest.fixture(scope="module")
def visit(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("visit")
    narration = long_narrated_video(folder / "narration.mp4", SECONDS, 320, 240, preset="ultrafast")
    return scenes.render(VISIT, folder / "visit.mp4", audio_from=narration)


def _outputs(data: Path, session: str) -> dict[str, Any]:
    """The session's metadata, its output keys and the sample files, as stored."""
    annotated = data / "videos" / "annotated" / "maria"
    patients = data / "patients" / "maria"
    track = decode_track((patients / ".sessions" / f"{session}.track.npz").read_bytes())
    return {
        "track": [(f.frame, f.patient_id, [p.person_id for p in f.people]) for f in track.frames],
        "meta": json.loads((annotated / f"{session}_metadata.json").read_text()),
        "keys": sorted(p.relative_to(data).as_posix() for p in annotated.rglob("*") if p.is_file()),
        "samples": sorted(p.relative_to(data).as_posix() for p in patients.rglob("*") if p.is_file()),
        "video": annotated / f"{session}.mp4",
    }


@pytest.fixture(scope="module")
def one_pass(visit: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    data = tmp_path_factory.mktemp("one-pass")
    store = LocalStore(data)
    key = stage_upload(store, visit, "maria")
    meta = process_video(store, key, settings=_settings(), hooks=Hooks(workers=1)).json_doc()
    return _outputs(data, meta["session"])


@contextlib.contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    with pytest.MonkeyPatch.context() as mp:
        for name, value in values.items():
            mp.setenv(name, value)
        get_settings.cache_clear()
        try:
            yield
        finally:
            get_settings.cache_clear()


@pytest.fixture(scope="module")
def two_workers(visit: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """``voice process VIDEO --workers 2 --json`` (the real CLI, spawned worker processes), with
    the segment settings from the environment; counts the segmented runs."""
    data = tmp_path_factory.mktemp("two-workers")
    runs: list[int] = []
    real = local_pool.run_segmented

    def counted(*args: Any, **kwargs: Any) -> dict[str, Any]:
        runs.append(kwargs["workers"])
        return real(*args, **kwargs)

    out = io.StringIO()
    with _environment(SEGMENTS), pytest.MonkeyPatch.context() as mp, contextlib.redirect_stdout(out):
        mp.setattr("voice.run.pipeline.run_segmented", counted)
        code = main(
            ["process", str(visit), "--patient", "maria", "--data-dir", str(data), "--workers", "2", "--json"]
        )
    (result,) = json.loads(out.getvalue())
    return {"exit": code, "result": result, "runs": runs, **_outputs(data, result["session"]), "data": data}


def _events(meta: dict[str, Any]) -> list[tuple[str, float]]:
    return [(e["emotion"], e["time"]) for e in meta["events"]]


def test_two_workers_give_the_one_pass_events_samples_and_keys(
    one_pass: dict[str, Any], two_workers: dict[str, Any]
) -> None:
    assert two_workers["exit"] == 0, two_workers["result"]
    assert two_workers["runs"] == [2], "processed in segments by two workers"
    one, seg = one_pass["meta"], two_workers["meta"]
    assert len(_events(one)) == 6
    assert [e for e, _ in _events(seg)] == [e for e, _ in _events(one)]
    assert all(abs(a - b) <= 0.05 for (_, a), (_, b) in zip(_events(seg), _events(one), strict=True))
    assert seg["samples"]
    assert two_workers["samples"] == one_pass["samples"]
    assert two_workers["keys"] == one_pass["keys"], "the same outputs, no intermediate file left"
    assert not (two_workers["data"] / "videos" / "annotated" / "maria" / "segments").exists()
    # The same people with the same ids (blue linked across both cuts), the same patient.
    assert [p["id"] for p in seg["people"]] == [p["id"] for p in one["people"]] == [0, 1]
    assert [p["frames"] for p in seg["people"]] == [p["frames"] for p in one["people"]]
    assert seg["patient_track"]["id"] == one["patient_track"]["id"] == 0
    assert seg["poses"]["frames"] == one["poses"]["frames"] == SECONDS * 5
    # The middle segment alone chose blue and found blue's face; the redraw found orange's.
    assert seg["poses"]["faces"] >= 0.95 * one["poses"]["faces"]


def test_both_ways_keep_the_whole_pose_track_of_everyone(
    one_pass: dict[str, Any], two_workers: dict[str, Any]
) -> None:
    """The segmented run keeps the same whole track as one pass: every sampled frame, everyone in
    it with the final ids, the patient marked."""
    assert len(one_pass["track"]) == SECONDS * 5
    assert two_workers["track"] == one_pass["track"]
    assert {pid for _, pid, _ in one_pass["track"]} == {0}
    assert any(people == [0, 1] for _, _, people in one_pass["track"]), "blue is kept, not only the patient"


def test_the_joined_video_is_one_h264_aac_file_of_the_source_length(
    visit: Path, one_pass: dict[str, Any], two_workers: dict[str, Any]
) -> None:
    import av

    source = probe(visit)
    with av.open(str(two_workers["video"])) as container:
        kinds = [(s.type, s.codec_context.name) for s in container.streams]
        frames = sum(1 for _ in container.decode(container.streams.video[0]))
    assert kinds == [("video", "h264"), ("audio", "aac")]
    assert abs(probe(two_workers["video"]).duration_s - source.duration_s) <= 0.1
    with av.open(str(one_pass["video"])) as container:
        one_frames = sum(1 for _ in container.decode(container.streams.video[0]))
    assert frames == one_frames == round(SECONDS * 25), "every frame once: the parts join frame-exactly"


def _face_detail(frame: np.ndarray, nose: tuple[float, float], side: float) -> float:
    """The median absolute Laplacian over the face around ``nose`` (an actor ``side`` pixels tall):
    the detail left, robust to the few pixels skeleton lines are drawn on."""
    import cv2

    x, y = nose
    x0, x1, y0, y1 = (
        round(x - 0.09 * side),
        round(x + 0.09 * side),
        round(y - 0.13 * side),
        round(y + 0.07 * side),
    )
    grey = cv2.cvtColor(frame[y0:y1, x0:x1], cv2.COLOR_BGR2GRAY).astype(np.float64)
    return float(np.median(np.abs(cv2.Laplacian(grey, cv2.CV_64F))))


def test_bystanders_are_blurred_alike_in_one_pass_and_in_segments_after_their_redraw(
    visit: Path, one_pass: dict[str, Any], two_workers: dict[str, Any]
) -> None:
    """Blue is blurred and orange (the patient) is not, over the whole visit, in both runs; in the
    middle segment, which alone chose blue and drew it so, after that segment was drawn again."""
    import av

    def frames(path: Path) -> dict[int, np.ndarray]:
        with av.open(str(path)) as container:
            decoded = enumerate(container.decode(container.streams.video[0]))
            return {i: f.to_ndarray(format="bgr24") for i, f in decoded if i % 25 == 12}

    source, one, seg = frames(visit), frames(one_pass["video"]), frames(two_workers["video"])
    assert sorted(one) == sorted(seg) == sorted(source)
    checked = 0
    for i in sorted(source):
        if not 6 <= i / 25 < 29:  # blue is found within a second of coming in, and leaves at 30 s
            continue
        noses = scenes.truth(VISIT, i / 25)
        sharp_blue = _face_detail(source[i], noses["blue"], 290.0)
        sharp_orange = _face_detail(source[i], noses["orange"], 300.0)
        for run, video in (("one pass", one), ("segments", seg)):
            # Blurred: about a seventh of the source's detail here; shown: more (the face contour).
            assert _face_detail(video[i], noses["blue"], 290.0) <= 0.3 * sharp_blue, f"{run} {i}: blue"
            assert _face_detail(video[i], noses["orange"], 300.0) >= 0.7 * sharp_orange, f"{run} {i}: orange"
            checked += 1
    assert checked == 2 * 23, "every second from 6 to 29 s, the middle segment among them"


class _Failing:
    """The segment pass, failing for the segments in ``fail``; records which segments ran."""

    def __init__(self, fail: set[int]) -> None:
        self.fail, self.ran = fail, []

    def __call__(self, source: Path, info: Any, job: Any, *, settings: Settings) -> Any:
        self.ran.append(job.segment.index)
        if job.segment.index in self.fail:
            raise RuntimeError("injected fault")
        return SEGMENT_PASS(source, info, job, settings=settings)


def test_a_failing_segment_fails_the_upload_and_a_retry_reuses_the_others(
    visit: Path,
    two_workers: dict[str, Any],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    # One worker thread in this process, so the fault injected here reaches the segment pass.
    monkeypatch.setattr(local_pool, "_pool", lambda size: futures.ThreadPoolExecutor(max_workers=1))
    store = LocalStore(tmp_path)
    key = stage_upload(store, visit, "maria")
    failing = _Failing({1})
    monkeypatch.setattr(steps, "segment_pass", failing)
    with pytest.raises(SegmentFailedError):
        process_video(store, key, settings=_settings(), hooks=Hooks(workers=2))
    assert sorted(failing.ran) == [0, 1, 2]
    record = json.loads((tmp_path / "videos" / "failed" / "maria" / "visit.mp4.json").read_text())
    assert record["error_type"] == "SegmentFailedError"
    assert record["message"].startswith("segment 2 of 3 (")
    assert "RuntimeError: injected fault" in record["message"]
    # Nothing of the session: no metadata, CSV, VTT, annotated video, key frames or samples.
    annotated = tmp_path / "videos" / "annotated" / "maria"
    assert not annotated.exists() or [p for p in annotated.rglob("*") if p.is_file()] == []
    assert not (tmp_path / "patients" / "maria").exists()
    work = tmp_path / "videos" / layout.WORK / "segments" / "maria"
    kept = sorted(p.name for p in work.rglob("segment_*"))
    assert kept == [
        "segment_000.json",
        "segment_000.mp4",
        "segment_001_error.json",
        "segment_002.json",
        "segment_002.mp4",
    ]

    retry = _Failing(set())
    monkeypatch.setattr(steps, "segment_pass", retry)
    meta = process_video(store, key, settings=_settings(), hooks=Hooks(workers=2)).json_doc()
    assert retry.ran == [1], "the segments that finished are not run again"
    session = layout.session_id("visit.mp4", meta["source"]["sha256"])
    done = _outputs(tmp_path, session)
    assert done["samples"] == two_workers["samples"]
    assert done["keys"] == two_workers["keys"]
    assert not work.exists() or not any(work.rglob("segment_*")), "deleted once the session is complete"
    # Logs name neither the patient nor the file, nor what was said (the segments' lines included).
    text = "\n".join(r.getMessage() for r in caplog.records).lower()
    assert "segments joined" in text
    for secret in ("maria", "visit", "happy", "sad"):
        assert secret not in text, secret


def test_a_video_without_sound_gets_a_silent_track_of_its_length(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(local_pool, "_pool", lambda size: futures.ThreadPoolExecutor(max_workers=1))
    scene = scenes.Scene(
        (scenes.Actor("orange", "orange", lambda t: (320 + 8 * np.sin(2 * t), 200.0, 300.0)),), 21.0
    )
    video = scenes.render(scene, tmp_path / "quiet.mp4")
    store = LocalStore(tmp_path / "data")
    key = stage_upload(store, video, "maria")
    passes = _Failing(set())
    monkeypatch.setattr(steps, "segment_pass", passes)
    meta = process_video(store, key, settings=_settings(), hooks=Hooks(workers=2)).json_doc()
    assert sorted(passes.ran) == [0, 1], "two segments"
    assert meta["events"] == []
    assert "the video has no audio track: no narration to find" in meta["reasons"]
    assert meta["poses"]["frames"] == 21 * 5
    out = tmp_path / "data" / "videos" / "annotated" / "maria" / f"{meta['session']}.mp4"
    import av

    with av.open(str(out)) as container:
        kinds = [(s.type, s.codec_context.name) for s in container.streams]
        frames = sum(1 for _ in container.decode(container.streams.video[0]))
    assert kinds == [("video", "h264"), ("audio", "aac")]
    assert frames == 21 * 25
    assert abs(probe(out).duration_s - 21.0) <= 0.1
