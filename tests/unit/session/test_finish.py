"""The stage after the video pass: samples from the patient's poses in each counting window, every
output the pass collected, the subtitles (the cues the video shows) and the events VTT, the CSV,
the session index, and the metadata last; reasons when a window does not show the patient or
nobody was seen."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from tests.support.captions import parse_cues
from tests.support.narration_table import transcript_of
from tests.support.synthetic import standing
from voice import layout
from voice.config import Settings
from voice.drawing.timeline import Timeline
from voice.media.probe import VideoInfo
from voice.narration.emotions import extract_events
from voice.narration.event_ids import event_ids
from voice.narration.windows import EventWindow, event_windows
from voice.people.patient import PatientChoice
from voice.people.profile import load_profile
from voice.people.track_stats import track_stats
from voice.pose.body25 import Person, PoseFrame
from voice.pose.track import PoseTrack
from voice.pose.track_file import decode_track
from voice.records.reviews import ReviewRecord, ReviewsDoc
from voice.records.session import ModelsRecord
from voice.session.finish import TIMINGS, finish
from voice.session.outputs import SessionOutputs
from voice.session.prepare import Prepared, Run
from voice.session.video_pass import VideoPassResult
from voice.storage import LocalStore, json_bytes

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


def windows_of(meta: dict[str, Any]) -> list[EventWindow]:
    """The event windows of the narration, as the run found them (checked against the metadata)."""
    windows = event_windows(extract_events(NARRATION, patient_names=("maria",)), INFO.duration_s, SETTINGS)
    assert [[w.start, w.end] for w in windows] == [e["window"] for e in meta["events"]]
    return windows


def _finish(
    tmp_path: Path,
    frames: list[PoseFrame],
    choice: PatientChoice,
    *,
    appearance: np.ndarray | None = None,
    info: VideoInfo = INFO,
) -> tuple[dict[str, Any], RecordingStore]:
    store = RecordingStore(tmp_path / "data")
    upload = layout.parse_upload_key("maria/visit.mp4")
    run = Run(store, upload, tmp_path / "visit.mp4", SETTINGS, sha256="ab" * 32, session=SESSION)
    run.add_time("decode", 0.5)
    windows = event_windows(extract_events(NARRATION, patient_names=("maria",)), info.duration_s, SETTINGS)
    prepared = Prepared(info, NARRATION, windows, None, None, None, MODELS)
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
    shown = Timeline.of(NARRATION, windows_of(meta)).cues
    assert [c.text for c in shown] == ["Oh, Maria is happy.", "She is calm now."], "a cue per sentence"
    expected = [(round(c.start, 3), round(c.end, 3), list(c.lines)) for c in shown]
    assert parse_cues(vtt) == expected, "the cues the video shows"
    srt = store.read(layout.VIDEOS, layout.srt_key("maria", SESSION)).decode()
    assert parse_cues(srt) == expected
    assert srt.startswith("1\n00:00:00,000 --> ")
    events = parse_cues(store.read(layout.VIDEOS, layout.events_vtt_key("maria", SESSION)).decode())
    assert [lines for _, _, lines in events] == [
        ["Maria: happiness (happy), counted"],
        ["She: neutral (calm), counted"],
    ]
    assert [
        (start <= e["time"] <= end) for (start, end, _), e in zip(events, meta["events"], strict=True)
    ] == [
        True,
        True,
    ]
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


def test_the_whole_track_is_kept_and_events_have_their_stable_ids(tmp_path: Path) -> None:
    meta, store = _finish(tmp_path, _frames(), PatientChoice(0, "longest", "in view longest"))
    track = decode_track(store.read(layout.PATIENTS, layout.pose_track_key("maria", SESSION)))
    assert len(track.frames) == 50
    assert [len(f.people) for f in track.frames] == [len(f.people) for f in _frames()], (
        "everyone, not the patient only"
    )
    ids = [e["id"] for e in meta["events"]]
    assert ids == event_ids([(e["text"], e["keyword"], e["time"]) for e in meta["events"]])
    assert [s["label"] for s in meta["samples"]] == ids
    track_key = layout.pose_track_key("maria", SESSION)
    assert store.written.index(track_key) < store.written.index(layout.metadata_key("maria", SESSION))


def test_a_rerun_applies_the_reviews_people_made_and_reports_the_orphans(tmp_path: Path) -> None:
    meta, store = _finish(tmp_path, _frames(), PatientChoice(0, "longest", "in view longest"))
    happy = meta["events"][0]["id"]
    reviews = ReviewsDoc(
        session=SESSION,
        reviews=[
            ReviewRecord(event=happy, action="reject", author="anna", at="2026-01-01T10:00:00Z"),
            # An event an earlier run found and this one does not: kept, never applied elsewhere.
            ReviewRecord(
                event="e0000000000",
                action="set",
                emotion="anger",
                author="anna",
                at="2026-01-01T10:00:01Z",
                event_time=7.0,
            ),
        ],
    )
    store.write(layout.PATIENTS, layout.reviews_key("maria", SESSION), json_bytes(reviews.json_doc()))
    again, _ = _finish(tmp_path, _frames(), PatientChoice(0, "longest", "in view longest"))
    assert [s["emotion"] for s in again["samples"]] == ["neutral"]
    assert again["events"] == meta["events"], "the narration record never changes"
    assert again["reasons"] == [
        "1 review(s) refer to events this run did not find: kept as orphans, not applied "
        "(voice labels list shows them)"
    ]
    assert not list(store.list(layout.PATIENTS, "maria/happiness/"))
    assert store.exists(layout.PATIENTS, layout.reviews_key("maria", SESSION)), "reviews are kept"


def test_the_recording_time_is_the_containers_else_the_uploads(tmp_path: Path) -> None:
    container = replace(INFO, created_at="2026-03-01T08:15:00+01:00")
    meta, _ = _finish(tmp_path / "a", _frames(), PatientChoice(0, "longest", ""), info=container)
    assert meta["recorded_at"] == {"time": "2026-03-01T08:15:00+01:00", "source": "container"}
    store = LocalStore(tmp_path / "b" / "data")
    store.write(layout.VIDEOS, "maria/visit.mp4", b"an upload")
    stored = store.stat(layout.VIDEOS, "maria/visit.mp4")
    assert stored is not None
    meta, _ = _finish(tmp_path / "b", _frames(), PatientChoice(0, "longest", ""))
    assert meta["recorded_at"]["source"] == "upload"
    assert datetime.fromisoformat(meta["recorded_at"]["time"]) == stored.modified.replace(microsecond=0)
    meta, _ = _finish(tmp_path / "c", _frames(), PatientChoice(0, "longest", ""))
    assert meta["recorded_at"] is None, "no creation time and no upload to ask"
