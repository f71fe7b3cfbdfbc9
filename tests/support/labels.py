"""A processed session in a store, made by the real finishing stage from synthetic poses: for the
tests of labels (what the review commands, the derivation and the labels Lambda work on)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from tests.support.narration_table import transcript_of
from tests.support.synthetic import standing
from voice import layout
from voice.config import Settings
from voice.media.probe import VideoInfo
from voice.narration.emotions import extract_events
from voice.narration.windows import event_windows
from voice.people.patient import PatientChoice
from voice.people.track_stats import track_stats
from voice.pose.body25 import Person, PoseFrame
from voice.pose.track import PoseTrack
from voice.records.session import ModelsRecord, SessionMetadata
from voice.session.finish import finish
from voice.session.outputs import SessionOutputs
from voice.session.prepare import Prepared, Run
from voice.session.video_pass import VideoPassResult
from voice.storage import Store

__all__ = ["DURATION", "NARRATION", "PATIENT", "SESSION", "patient_frames", "stored_session"]

PATIENT = "maria"
SESSION = "visit-0123456789"
DURATION = 10.0
#: Words every 0.4 s: "happy" at 0.8 s (a label), "angry?" at 2.0 s (a question: ignored),
#: "sad" at 5.6 s (a label).
NARRATION = transcript_of("Maria is happy. Is she angry? We wait a little while here. She is sad now.")


def patient_frames(*, absent: tuple[float, float] | None = None) -> list[PoseFrame]:
    """Pose samples at 5 a second over the whole video: the patient (#0) on the left, a visitor
    (#1) on the right; the patient out of view between ``absent`` (seconds)."""
    frames = []
    for i in range(int(DURATION * 5)):
        t = round(i * 0.2, 3)
        people: tuple[Person, ...] = (Person(1, standing(470, 100)),)
        if absent is None or not absent[0] <= t <= absent[1]:
            people += (Person(0, standing(160 + i, 100)),)
        frames.append(PoseFrame(i * 5, t, 640, 360, None, people).with_patient(0))
    return frames


def stored_session(
    store: Store,
    *,
    session: str = SESSION,
    frames: list[PoseFrame] | None = None,
    settings: Settings | None = None,
) -> SessionMetadata:
    """Finish a session of ``PATIENT`` as a run does (track, samples from its labels — with any
    reviews already stored —, index, metadata); the upload itself is a placeholder file."""
    settings = settings or Settings()
    frames = frames if frames is not None else patient_frames()
    info = VideoInfo(DURATION, 25.0, 640, 360, int(DURATION * 25), True, "h264")
    upload = layout.parse_upload_key(f"{PATIENT}/{session}.mp4")
    store.write(layout.VIDEOS, upload.key, b"an upload")
    with tempfile.TemporaryDirectory(prefix="voice-test-") as tmp:
        run = Run(store, upload, Path(tmp) / "visit.mp4", settings, sha256="ab" * 32, session=session)
        windows = event_windows(extract_events(NARRATION, patient_names=("maria",)), DURATION, settings)
        prepared = Prepared(
            info, NARRATION, windows, None, None, None, ModelsRecord(whisper="tiny.en", pose="mediapipe")
        )
        stats = track_stats([(f.time_s, [(p.person_id, p.keypoints) for p in f.people]) for f in frames])
        choice = PatientChoice(0, "longest", "in view longest")
        result = VideoPassResult(PoseTrack(frames), [], {"pose": 1.0}, stats, choice)
        return finish(run, prepared, result, SessionOutputs(Path(tmp)))
