"""The stage after the video pass: samples from the patient's poses in each counting window, every
output the pass collected, the VTT, the CSV, the session index, and the metadata last; reasons when
a window does not show the patient or nobody was seen."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from tests.support.narration_table import transcript_of
from tests.support.synthetic import standing
from voice import layout
from voice.config import Settings
from voice.media.probe import VideoInfo
from voice.narration.emotions import extract_events
from voice.narration.windows import event_windows
from voice.people.patient import PatientChoice
from voice.people.profile import load_profile
from voice.people.track_stats import track_stats
from voice.pose.body25 import Person, PoseFrame
from voice.pose.track import PoseTrack
from voice.records.session import ModelsRecord
from voice.session.finish import TIMINGS, finish
from voice.session.outputs import SessionOutputs
from voice.session.prepare import Prepared, Run
from voice.session.video_pass import VideoPassResult
from voice.storage import LocalStore

SETTINGS = Settings()
SESSION = "visit-0123456789"
INFO = VideoInfo(10.0, 25.0, 640, 360, 250, True, "h264")
MODELS = ModelsRecord(whisper="tiny.en", pose="mediapipe-0.10.14/full-multi")
#: "happy" at 1.2 s (a label), "calm" at 2.4 s (a label); words every 0.4 s.
NARRATION = transcript_of("Oh, Maria is happy. She is calm now.")


class RecordingStore(LocalStore):
    """A local store that remembers the order of the keys written."""

    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self.written: list[str] = []

    def write(self, bucket: str, key: str, data: bytes, **kwargs: Any) -> None:
        super().write(bucket, key, data, **kwargs)
        self.written.append(key)


def _frames(
    *, visitor_from_s: float | None = 5.0, patient: int | None = 0, nobody: bool = False
) -> list[PoseFrame]:
    """Pose samples at 5 a second: #0 on the left all along, #1 on the right from ``visitor_from_s``."""
    frames = []
    for i in range(50):
        t = i * 0.2
        people: tuple[Person, ...] = () if nobody else (Person(0, standing(160, 100)),)
        if not nobody and visitor_from_s is not None and t >= visitor_from_s:
            people += (Person(1, standing(470, 100)),)
        frames.append(PoseFrame(i * 5, t, 640, 360, None, people).with_patient(patient))
    return frames


def _finish(
    tmp_path: Path, frames: list[PoseFrame], choice: PatientChoice, *, appearance: np.ndarray | None = None
) -> tuple[dict[str, Any], RecordingStore]:
    store = RecordingStore(tmp_path / "data")
    upload = layout.parse_upload_key("maria/visit.mp4")
    run = Run(store, upload, tmp_path / "visit.mp4", SETTINGS, sha256="ab" * 32, session=SESSION)
    run.add_time("decode", 0.5)
    windows = event_windows(extract_events(NARRATION, patient_names=("maria",)), INFO.duration_s, SETTINGS)
    prepared = Prepared(INFO, NARRATION, windows, None, None, None, MODELS)
    stats = track_stats([(f.time_s, [(p.person_id, p.keypoints) for p in f.people]) for f in frames])
    result = VideoPassResult(PoseTrack(frames), [], {"pose": 1.5, "annotate": 2.0}, stats, choice, appearance)
    outputs = SessionOutputs(tmp_path)
    outputs.add(layout.annotated_video_key("maria", SESSION), b"an annotated video", "video/mp4")
    return finish(run, prepared, result, outputs).json_doc(), store


def test_each_counting_window_becomes_a_sample_and_the_metadata_comes_last(tmp_path: Path) -> None:
    meta, store = _finish(tmp_path, _frames(), PatientChoice(0, "longest", "in view longest"))
    assert meta["status"] == "ok"
    assert [(e["emotion"], e["window"]) for e in meta["events"]] == [
        ("happiness", [0.0, 2.4]),
        ("neutral", [1.2, 4.9]),
    ]
    assert [(s["emotion"], s["poses"]) for s in meta["samples"]] == [("happiness", 13), ("neutral", 19)]
    for sample in meta["samples"]:
        folder = tmp_path / "data" / sample["prefix"]
        assert len(list(folder.glob("pose_*.json"))) == sample["poses"]
    assert meta["poses"] == {
        "sampled_fps": 5.0, "frames": 50, "detected": 50, "detection_rate": 1.0, "faces": 0, "hands": 0
    }  # fmt: skip
    assert [p["id"] for p in meta["people"]] == [0, 1]
    assert meta["patient_track"] == {"id": 0, "rule": "longest", "reason": "in view longest", "pin": None}
    assert meta["reasons"] == []
    assert set(meta["timings_s"]) == set(TIMINGS)
    assert (meta["timings_s"]["decode"], meta["timings_s"]["pose"], meta["timings_s"]["annotate"]) == (
        0.5,
        1.5,
        2.0,
    )
    meta_key = layout.metadata_key("maria", SESSION)
    # Every output is written under the session's lease: taken first, released (expired) last.
    lease = layout.session_lease_key("maria", SESSION)
    assert (store.written[0], store.written[-1]) == (lease, lease)
    assert json.loads(store.read(layout.VIDEOS, lease))["expires_at"] == 0
    outputs = [k for k in store.written if k != lease]
    assert outputs[-1] == meta_key, "the metadata marks the session complete"
    assert json.loads(store.read(layout.VIDEOS, meta_key)) == meta
    index = layout.session_index_key("maria", SESSION)
    assert store.written.index(index) > max(store.written.index(k) for k in store.written if "/pose_" in k)
    assert store.read(layout.VIDEOS, layout.annotated_video_key("maria", SESSION)) == b"an annotated video"
    vtt = store.read(layout.VIDEOS, layout.vtt_key("maria", SESSION)).decode()
    assert vtt.startswith("WEBVTT")
    assert "Maria is happy." in vtt
    csv = store.read(layout.VIDEOS, layout.analysis_key("maria", SESSION)).decode().splitlines()
    assert len(csv) == 3, "a header and one row per event"


def test_a_window_without_the_patient_gives_no_sample_and_says_why(tmp_path: Path) -> None:
    meta, _ = _finish(tmp_path, _frames(visitor_from_s=3.0, patient=1), PatientChoice(1, "pinned", "pinned"))
    assert [s["emotion"] for s in meta["samples"]] == ["neutral"], "never a sample of someone else"
    assert meta["reasons"] == [
        "event 0 (happiness at 1.2 s): the patient (#1) is not in view, only #0: no sample"
    ]


def test_nobody_in_the_video_is_a_reason_not_an_error(tmp_path: Path) -> None:
    meta, store = _finish(tmp_path, _frames(nobody=True), PatientChoice(None, "none", "nobody was detected"))
    assert meta["samples"] == []
    assert meta["reasons"][0] == "no person detected in any sampled frame: no training samples"
    assert meta["poses"]["detected"] == 0
    assert store.exists(layout.VIDEOS, layout.metadata_key("maria", SESSION))


def test_a_pinned_patients_colours_are_learnt_into_the_profile(tmp_path: Path) -> None:
    colours = np.full(72, 1 / 72)
    _, store = _finish(tmp_path, _frames(), PatientChoice(0, "pinned", "pinned"), appearance=colours)
    profile = load_profile(store, "maria")
    assert profile.appearance is not None
    assert profile.appearance.videos == 1
    _, store = _finish(tmp_path / "unpinned", _frames(), PatientChoice(0, "longest", ""), appearance=colours)
    assert load_profile(store, "maria").appearance is None, "only a pin says who the patient is"
