"""The stage before the video pass, the same for every way of running one upload.

:func:`identify` hashes the upload and finds a session already done; :func:`prepare` transcribes,
finds the events and their windows, reads the profile, the pin and the patient's model. The
one-pass pipeline (:mod:`voice.run.pipeline`) and the segmented one (:mod:`voice.segments.steps`:
worker processes locally, Lambda steps on AWS) run it, then their own video pass, then
:func:`voice.session.finish.finish`.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from voice import layout
from voice.config import Settings
from voice.errors import VoiceError
from voice.layout import VIDEOS
from voice.media import audio
from voice.media.limits import MediaLimits
from voice.media.probe import VideoInfo, probe
from voice.model.patient_model import PatientModel
from voice.model.registry import load_latest_model
from voice.narration.emotions import extract_events
from voice.narration.windows import EventWindow, event_windows
from voice.people.estimator import MODEL_NAME
from voice.people.patient_store import (
    profile_appearance,
    read_pin,
)
from voice.people.pin import PersonPin
from voice.people.profile import load_profile, patient_names
from voice.pose.face_hands import face_hands_model_name
from voice.records.session import ModelsRecord, SessionMetadata
from voice.session.failures import recording_failures
from voice.session.outputs import (
    completed_metadata,
)
from voice.session.video_pass import RenderPlan
from voice.storage import Store
from voice.transcription.transcript import Transcriber, Transcript, transcribe_chunks

__all__ = [
    "Opened",
    "Prepared",
    "Run",
    "RunState",
    "StageCallback",
    "check_size_before_download",
    "identify",
    "open_upload",
    "pin_of",
    "prepare",
    "render_plan",
    "upload_run",
]

log = logging.getLogger("voice")

#: Called with the name of each stage as it starts (the CLI's progress bar shows it).
StageCallback = Callable[[str], None]


@dataclass(frozen=True)
class RunState:
    """What a run has learnt before its video pass that a later step carries on with (the
    segments' merge, in another process or Lambda): the session, the upload's hash, reasons and
    timings so far, and when the run started."""

    session: str
    sha256: str
    reasons: tuple[str, ...]
    timings: dict[str, float]
    started: float


@dataclass
class Run:
    """One processing run: the upload, its identity, and what the stages learn on the way."""

    store: Store
    upload: layout.Upload
    source: Path
    settings: Settings
    on_stage: StageCallback | None = None
    sha256: str = ""
    session: str = ""
    timings: dict[str, float] = field(default_factory=dict)
    reasons: list[str] = field(default_factory=list)
    started: float = field(default_factory=time.time)

    def stage(self, name: str) -> None:
        if self.on_stage is not None:
            self.on_stage(name)

    def add_time(self, name: str, seconds: float) -> None:
        self.timings[name] = self.timings.get(name, 0.0) + seconds

    @property
    def state(self) -> RunState:
        return RunState(self.session, self.sha256, tuple(self.reasons), dict(self.timings), self.started)

    @classmethod
    def resumed(
        cls,
        store: Store,
        upload_key: str,
        source: Path,
        settings: Settings,
        on_stage: StageCallback | None,
        state: RunState,
    ) -> Run:
        """The run a later step carries on (its file: what that step works on)."""
        upload = layout.parse_upload_key(upload_key)
        return cls(
            store, upload, source, settings, on_stage, state.sha256, state.session,
            dict(state.timings), list(state.reasons), state.started,
        )  # fmt: skip


@dataclass(frozen=True)
class Prepared:
    """What is known before the video pass: the video, the narration, its events and their
    windows, who the patient is (pin, profile colours), the patient's model, the model names."""

    info: VideoInfo
    transcript: Transcript
    windows: list[EventWindow]
    pin: PersonPin | None
    appearance: np.ndarray | None
    model: PatientModel | None
    models: ModelsRecord


def _transcribe(run: Run, info: VideoInfo, transcriber: Transcriber) -> Transcript:
    """The narration with word timestamps; audio decoded and transcribed a minute at a time."""
    run.timings["decode"] = 0.0
    run.timings["transcribe"] = 0.0
    if not info.has_audio:
        run.reasons.append("the video has no audio track: no narration to find")
        return Transcript(language=run.settings.language)
    t0 = time.perf_counter()
    decode_s = 0.0

    def chunks() -> Iterator[tuple[float, np.ndarray]]:
        # Memory is flat in length: one chunk of audio at a time.
        nonlocal decode_s
        source = audio.iter_audio_chunks(
            run.source, chunk_s=run.settings.transcribe_chunk_s, until_s=info.decode_until_s
        )
        while True:
            t_dec = time.perf_counter()
            item = next(source, None)
            decode_s += time.perf_counter() - t_dec
            if item is None:
                return
            if item[1].size:
                yield item

    transcript = transcribe_chunks(transcriber, chunks())
    run.timings["decode"] += decode_s
    run.timings["transcribe"] = time.perf_counter() - t0 - decode_s
    if not transcript.segments:
        run.reasons.append("no speech detected (silence or music only)")
    return transcript


def _patient_model(store: Store, patient: str) -> PatientModel | None:
    """The patient's promoted model, if any; an unusable one turns predictions off, with a warning."""
    try:
        return load_latest_model(store, patient)
    except VoiceError as exc:
        log.warning("patient model not usable (%s); continuing without predictions", type(exc).__name__)
        return None


def prepare(run: Run, info: VideoInfo, transcriber: Transcriber, pin: PersonPin | None) -> Prepared:
    """Transcribe, find the events and their windows, read the profile and the patient's model."""
    run.stage("transcribe")
    transcript = _transcribe(run, info, transcriber)
    profile = load_profile(run.store, run.upload.patient)
    names = patient_names(run.upload.patient, profile)
    events = extract_events(transcript, patient_names=names)
    windows = event_windows(events, info.duration_s, run.settings)
    model = _patient_model(run.store, run.upload.patient)
    models = ModelsRecord(
        whisper=transcriber.name,
        pose=MODEL_NAME,
        face_hands=face_hands_model_name(run.settings),
        patient=model.run_id if model is not None else None,
    )
    return Prepared(info, transcript, windows, pin, profile_appearance(profile), model, models)


def pin_of(metadata: SessionMetadata) -> PersonPin | None:
    """The pin a finished session was processed with (a new pin means processing it again)."""
    pin = metadata.patient_track.pin
    return None if pin is None else PersonPin(pin.x, pin.y, pin.t)


def check_size_before_download(store: Store, key: str, settings: Settings) -> None:
    """Refuse an upload over the size limit before a byte of it is copied."""
    size = next((o.size for o in store.list(VIDEOS, key) if o.key == key), None)
    if size is not None:
        MediaLimits.from_settings(settings).check_bytes(size)


def identify(run: Run, *, force: bool) -> tuple[PersonPin | None, SessionMetadata | None]:
    """The upload's hash and session id, its pin, and its metadata if this very upload with this
    pin is already processed (None with ``force``)."""
    run.sha256 = layout.sha256_file(str(run.source))
    run.session = layout.session_id(run.upload.file_name, run.sha256)
    pin = read_pin(run.store, run.upload)
    meta_key = layout.metadata_key(run.upload.patient, run.session)
    done = None if force else completed_metadata(run.store, meta_key, run.sha256)
    if done is not None and pin_of(done) == pin:
        log.info("session %s already processed; skipping", layout.session_ref(run.session))
        return pin, done
    return pin, None


def render_plan(patient: str, session: str, found: Prepared) -> RenderPlan:
    """What the video pass needs to know about the session."""
    return RenderPlan(patient, session, found.transcript, tuple(found.windows), found.pin, found.appearance)


@contextlib.contextmanager
def upload_run(
    store: Store,
    key: str,
    *,
    settings: Settings,
    version: str | None = None,
    on_stage: StageCallback | None = None,
) -> Iterator[Run]:
    """The opening every way of processing an upload shares: the failure record if anything in
    the block fails (:mod:`voice.session.failures`), the key and the size checked before a byte is
    copied, the upload (``version``: that exact object version) downloaded for the run."""
    with recording_failures(store, key) as stage:
        upload = layout.parse_upload_key(key)
        stage.name = "storage"
        check_size_before_download(store, key, settings)
        with store.download(VIDEOS, key, version=version) as local:
            yield Run(store, upload, local, settings, on_stage)


@dataclass(frozen=True)
class Opened:
    """An upload identified and probed: its pin and video, or the metadata of this very upload
    with this pin already processed (``done``)."""

    pin: PersonPin | None
    info: VideoInfo | None = None
    done: SessionMetadata | None = None


def open_upload(run: Run, *, force: bool) -> Opened:
    """Identify the upload (:func:`identify`) and, unless it is done, probe it under the limits."""
    pin, done = identify(run, force=force)
    if done is not None:
        return Opened(pin, done=done)
    run.stage("probe")
    return Opened(pin, info=probe(run.source, MediaLimits.from_settings(run.settings)))
