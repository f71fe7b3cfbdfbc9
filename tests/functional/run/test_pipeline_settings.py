"""Settings change what the pipeline does: pose rate, annotated size, windows."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest

from voice.config import Settings
from voice.media.probe import probe
from voice.run.demo import samples_dir
from voice.run.pipeline import process_video
from voice.storage import LocalStore

pytestmark = pytest.mark.slow


def test_pose_rate_window_and_annotated_size_follow_the_settings(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    store.upload("videos", "maria/swing.mp4", samples_dir() / "swing.mp4")
    settings = Settings(
        data_dir=tmp_path, pose_fps=2.5, annotate_max_short_side=240, window_before_s=1.0, window_after_s=1.0
    )
    meta = process_video(store, "maria/swing.mp4", settings=settings).json_doc()
    assert meta["poses"]["sampled_fps"] == pytest.approx(2.5)
    assert meta["poses"]["frames"] == pytest.approx(meta["video"]["duration_s"] * 2.5, abs=1)
    (event,) = meta["events"]
    assert event["window"] == [
        pytest.approx(event["time"] - 1.0, abs=1e-3),
        pytest.approx(event["time"] + 1.0, abs=1e-3),
    ]
    out = tmp_path / "videos" / "annotated" / "maria" / f"{meta['session']}.mp4"
    info = probe(out)
    assert (info.width, info.height) == (320, 240)
    assert abs(info.duration_s - meta["video"]["duration_s"]) <= 0.1
    (sample,) = meta["samples"]
    files = sorted((tmp_path / "patients" / sample["prefix"].removeprefix("patients/")).glob("pose_*.json"))
    assert len(files) == sample["poses"] == 5  # 2 s window at 2.5 fps, both ends inclusive
    times = [json.loads(f.read_text())["voice"]["time_s"] for f in files]
    assert all(event["window"][0] <= t <= event["window"][1] for t in times)


def test_long_audio_is_transcribed_in_chunks_with_the_right_times(tmp_path: Path) -> None:
    from tests.support.media import long_narrated_video, long_video_events

    video = long_narrated_video(tmp_path / "long.mp4", 45.0, 480, 360, preset="ultrafast")
    store = LocalStore(tmp_path / "data")
    store.upload("videos", "maria/long.mp4", video)
    # 20 s chunks cut at pauses: three chunks, events on both sides of every cut.
    meta = process_video(
        store, "maria/long.mp4", settings=Settings(transcribe_chunk_s=20.0, pose_fps=1.0)
    ).json_doc()
    expected = long_video_events(45.0)
    found = meta["events"]
    assert [e["emotion"] for e in found] == [e["emotion"] for e in expected]
    for got, want in zip(found, expected, strict=True):
        assert abs(got["time"] - want["time_s"]) <= 1.5, (got, want)
    starts = [s["start"] for s in meta["transcript"]["segments"]]
    assert starts == sorted(starts)
    assert starts[-1] > 30.0


def test_phone_video_stored_sideways_with_a_rotation_is_processed_upright(tmp_path: Path) -> None:
    from tests.support.media import ffmpeg

    sideways = tmp_path / "sideways.mp4"
    ffmpeg("-i", samples_dir() / "rain.mp4", "-vf", "transpose=1", "-c:a", "copy", sideways)
    phone = tmp_path / "IMG_2044.MOV"  # what a phone writes: pixels sideways, display rotation 90°
    ffmpeg("-display_rotation", "90", "-i", sideways, "-c", "copy", phone)
    info = probe(phone)
    # Stored 360×480 with the person lying on her side; shown 480×360 and upright.
    assert (info.rotation, info.width, info.height) == (90, 480, 360)

    store = LocalStore(tmp_path / "data")
    store.upload("videos", "maria/IMG_2044.MOV", phone)
    meta = process_video(store, "maria/IMG_2044.MOV", settings=Settings(pose_fps=2.5)).json_doc()
    assert (meta["video"]["width"], meta["video"]["height"]) == (480, 360)
    assert meta["poses"]["detection_rate"] > 0.9, "the person is found upright"
    out = probe(tmp_path / "data" / "videos" / "annotated" / "maria" / f"{meta['session']}.mp4")
    assert (out.width, out.height, out.rotation) == (480, 360, 0)
    (sample,) = meta["samples"]
    first = sorted(
        (tmp_path / "data" / "patients" / sample["prefix"].removeprefix("patients/")).glob("*.json")
    )[0]
    kp = json.loads(first.read_text())["people"][0]["pose_keypoints_2d"]
    assert kp[2 * 3] < kp[5 * 3], "RShoulder left of LShoulder: frontal and upright"
    assert kp[1] < kp[8 * 3 + 1] or kp[8 * 3 + 2] < 0.3, "the nose is above the hips (or the hips are unseen)"


def test_a_forced_rerun_replaces_the_sessions_samples_as_one_unit(tmp_path: Path) -> None:
    """After a settings change, no sample folder mixes old and new frames; leftovers of a failed
    run (samples without an index) are gone; the session index is back once the samples are."""
    store = LocalStore(tmp_path)
    store.upload("videos", "maria/swing.mp4", samples_dir() / "swing.mp4")
    first = process_video(
        store, "maria/swing.mp4", settings=Settings(data_dir=tmp_path, pose_fps=2.5)
    ).json_doc()
    session = first["session"]
    stray = tmp_path / "patients" / "maria" / "anger" / f"{session}_e7" / "pose_000003.json"
    stray.parent.mkdir(parents=True)
    stray.write_text("{}")  # what a run that failed half way could leave
    again = process_video(
        store, "maria/swing.mp4", settings=Settings(data_dir=tmp_path, pose_fps=6.25), force=True
    ).json_doc()
    assert not stray.exists()
    files = sorted((tmp_path / "patients" / "maria").glob(f"*/{session}_e*/pose_*.json"))
    (sample,) = again["samples"]
    assert len(files) == sample["poses"]
    times = sorted(json.loads(f.read_text())["voice"]["time_s"] for f in files)
    steps = {round(b - a, 2) for a, b in itertools.pairwise(times)}
    assert steps == {0.16}, "only the frames of the 6.25 fps re-run, none of the 2.5 fps ones"
    assert (tmp_path / "patients" / "maria" / ".sessions" / f"{session}.json").is_file()


def test_a_video_without_sound_gives_up_the_model_begun_early_at_once(tmp_path: Path) -> None:
    """``voice process`` begins loading Whisper before it knows the video (voice.launch); a video
    with no audio track drops that load without waiting for it, and the model is not kept."""
    import threading

    from tests.support.media import video_no_audio
    from voice.transcription import early

    release = threading.Event()
    early.begin(lambda: (release.wait(30), ("tiny", "never used"))[1])
    store = LocalStore(tmp_path / "data")
    store.upload("videos", "maria/quiet.mp4", video_no_audio(tmp_path))
    try:
        meta = process_video(store, "maria/quiet.mp4", settings=Settings(data_dir=tmp_path / "data"))
        assert meta.reasons[0] == "the video has no audio track: no narration to find"
        assert early.take("tiny") is None, "dropped by the run, which did not wait for it"
    finally:
        release.set()
