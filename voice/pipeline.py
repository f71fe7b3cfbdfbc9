"""Processing one uploaded video: ``process_video(store, key)``.

``videos/<patient>/<file>`` becomes narration events, BODY_25 poses, training samples, an
annotated H.264 video, a WebVTT transcript, metadata and an analysis CSV, in these stages:

    probe → transcribe → events → video pass → samples → session outputs

It is idempotent (same upload → same keys and bytes; samples are written with put-if-absent)
and never modifies the upload. Bad input raises a :class:`~voice.errors.VoiceError` after
writing a failure record (:mod:`voice.failures`).
"""

from __future__ import annotations

import logging
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from voice import audio, layout, media
from voice.budget import check_time_budget
from voice.config import Settings, get_settings
from voice.emotions import extract_events
from voice.errors import VoiceError
from voice.failures import record_failure
from voice.layout import VIDEOS
from voice.limits import MediaLimits
from voice.media import VideoInfo
from voice.model import PatientModel
from voice.patient_store import absent_patient_reasons, learn_appearance, profile_appearance, read_pin
from voice.people import MODEL_NAME
from voice.pin import PersonPin
from voice.poses import face_hands_model_name, sample_stride
from voice.profile import load_profile, patient_names
from voice.render import RenderPlan, VideoPassResult, video_pass
from voice.runs import load_latest_model
from voice.session import (
    METADATA_SCHEMA,
    EventWindow,
    SessionOutputs,
    analysis_csv,
    completed_metadata,
    event_windows,
    write_metadata,
    write_samples,
    write_session_index,
)
from voice.storage import Store
from voice.transcribe import make_transcriber
from voice.transcript import Transcriber, Transcript, transcribe_chunks, webvtt

__all__ = ["Hooks", "StageCallback", "TimeLeft", "process_video"]

log = logging.getLogger("voice")

#: Called with the name of each stage as it starts (the CLI's progress bar shows it).
StageCallback = Callable[[str], None]

#: Seconds this run has left (a Lambda's ``context.get_remaining_time_in_millis() / 1000``).
TimeLeft = Callable[[], float]

_TIMINGS = ("decode", "transcribe", "pose", "annotate", "upload", "total")


@dataclass
class _Run:
    """One processing run: the upload, its identity, and what the stages learn on the way."""

    store: Store
    upload: layout.Upload
    source: Path
    settings: Settings
    on_stage: StageCallback | None
    time_left: TimeLeft | None = None
    sha256: str = ""
    session: str = ""
    timings: dict[str, float] = field(default_factory=dict)
    reasons: list[str] = field(default_factory=list)

    def stage(self, name: str) -> None:
        if self.on_stage is not None:
            self.on_stage(name)

    def add_time(self, name: str, seconds: float) -> None:
        self.timings[name] = self.timings.get(name, 0.0) + seconds


@dataclass(frozen=True)
class Hooks:
    """How a caller takes part in a run: a transcriber it keeps loaded across videos, a
    callback told the name of each stage as it starts, and the seconds the run has left (a
    video that cannot finish in them fails before any work: :mod:`voice.budget`)."""

    transcriber: Transcriber | None = None
    on_stage: StageCallback | None = None
    time_left: TimeLeft | None = None


def process_video(
    store: Store,
    key: str,
    *,
    settings: Settings | None = None,
    force: bool = False,
    version: str | None = None,
    hooks: Hooks | None = None,
) -> dict[str, Any]:
    """Process the upload at ``videos/<key>`` (``version``: that exact object version, where the
    store keeps versions); return its metadata (``docs/design.md``).

    A session that is already complete is not processed again (returns its stored metadata)
    unless ``force``; forced re-runs produce identical bytes, and the first run's metadata
    (with its timings) is kept when nothing but the timings would change.
    """
    settings = settings or get_settings()
    hooks = hooks or Hooks()
    stage = "validate"
    try:
        upload = layout.parse_upload_key(key)
        stage = "storage"
        _check_size_before_download(store, key, settings)
        with store.download(VIDEOS, key, version=version) as local:
            run = _Run(store, upload, local, settings, hooks.on_stage, hooks.time_left)
            return _process(run, hooks.transcriber or make_transcriber(settings), force=force)
    except VoiceError as exc:
        record_failure(store, key, exc, stage=exc.stage)
        log.warning("video failed at %s: %s", exc.stage, type(exc).__name__)
        raise
    except Exception as exc:
        record_failure(store, key, exc, stage=stage)
        # Type only: messages and tracebacks can hold keys, and keys hold patient names.
        log.error("video failed at %s with an unexpected %s", stage, type(exc).__name__)
        raise


@dataclass(frozen=True)
class _Findings:
    """What the stages found: the video, the narration, the events and the video pass's result."""

    info: VideoInfo
    transcript: Transcript
    windows: list[EventWindow]
    result: VideoPassResult
    models: dict[str, str | None]


def _check_size_before_download(store: Store, key: str, settings: Settings) -> None:
    """Refuse an upload over the size limit before a byte of it is copied."""
    size = next((o.size for o in store.list(VIDEOS, key) if o.key == key), None)
    if size is not None:
        MediaLimits.from_settings(settings).check_bytes(size)


def _process(run: _Run, transcriber: Transcriber, *, force: bool) -> dict[str, Any]:
    t_total = time.perf_counter()
    run.sha256 = layout.sha256_file(str(run.source))
    run.session = layout.session_id(run.upload.file_name, run.sha256)
    meta_key = layout.metadata_key(run.upload.patient, run.session)
    pin = read_pin(run.store, run.upload)
    done = None if force else completed_metadata(run.store, meta_key, run.sha256)
    if done is not None and _pin_of(done) == pin:
        log.info("session %s already processed; skipping", layout.session_ref(run.session))
        return done

    run.stage("probe")
    info = media.probe(run.source, MediaLimits.from_settings(run.settings))
    if run.time_left is not None:
        rate = info.width * info.height * info.fps / 1e6
        check_time_budget(info.duration_s, run.time_left(), run.settings, mpx_per_s=rate)
    run.stage("transcribe")
    transcript = _transcribe(run, info, transcriber)
    profile = load_profile(run.store, run.upload.patient)
    names = patient_names(run.upload.patient, profile)
    events = extract_events(transcript, patient_names=names)
    windows = event_windows(events, info.duration_s, run.settings)
    model = _patient_model(run.store, run.upload.patient)
    with tempfile.TemporaryDirectory(prefix="voice-out-") as work:
        run.stage("pose")
        outputs = SessionOutputs(Path(work))
        plan = RenderPlan(
            run.upload.patient, run.session, transcript, tuple(windows), pin, profile_appearance(profile)
        )
        result = video_pass(run.source, info, plan, model=model, settings=run.settings, outputs=outputs)
        for name, seconds in result.timings.items():
            run.add_time(name, seconds)
        models = {
            "whisper": transcriber.name,
            "pose": MODEL_NAME,
            "face_hands": face_hands_model_name(run.settings),
            "patient": _run_id(model),
        }
        found = _Findings(info, transcript, windows, result, models)
        run.stage("samples")
        doc = _metadata(run, found, _samples(run, windows, result))
        doc["patient_track"]["pin"] = None if pin is None else pin.to_dict()
        if result.patient.rule == "pinned" and result.appearance is not None:
            learn_appearance(run.store, run.upload.patient, result.appearance)
        _write_outputs(run, doc, found, outputs)
        run.timings["total"] = time.perf_counter() - t_total
        doc["timings_s"] = {k: round(run.timings.get(k, 0.0), 3) for k in _TIMINGS}
        write_metadata(run.store, meta_key, doc)
    log.info(
        "session %s ok: %d events, %d samples, %d/%d poses, %.1fs",
        layout.session_ref(run.session),
        len(windows),
        len(doc["samples"]),
        result.track.detected,
        len(result.track.frames),
        run.timings["total"],
    )
    return doc


def _transcribe(run: _Run, info: VideoInfo, transcriber: Transcriber) -> Transcript:
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
        source = audio.iter_audio_chunks(run.source, chunk_s=run.settings.transcribe_chunk_s)
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


def _run_id(model: PatientModel | None) -> str | None:
    return model.run_id if model is not None else None


def _pin_of(metadata: dict[str, Any]) -> PersonPin | None:
    """The pin a finished session was processed with (a new pin means processing it again)."""
    pin = (metadata.get("patient_track") or {}).get("pin")
    return None if pin is None else PersonPin.from_dict(pin)


def _samples(run: _Run, windows: list[EventWindow], result: VideoPassResult) -> list[dict[str, Any]]:
    track = result.track
    if not any(f.people or f.keypoints is not None for f in track.frames):
        run.reasons.append("no person detected in any sampled frame: no training samples")
    elif result.patient.track_id is None:
        run.reasons.append(f"no patient: {result.patient.reason}")
    run.reasons.extend(absent_patient_reasons(windows, track, result.patient))
    samples = write_samples(run.store, run.upload.patient, run.session, windows, track)
    if windows and not samples and track.detected:
        run.reasons.append(
            "no event window held a detected pose, or no event counted "
            "(negated, or not a present statement about the patient)"
        )
    return samples


def _metadata(run: _Run, found: _Findings, samples: list[dict[str, Any]]) -> dict[str, Any]:
    """The session's metadata document (``docs/design.md``, "Session metadata")."""
    info, track = found.info, found.result.track
    return {
        "schema": METADATA_SCHEMA,
        "session": run.session,
        "patient": run.upload.patient,
        "source": {"bucket": VIDEOS, "key": run.upload.source_key, "sha256": run.sha256},
        "video": info.to_dict(),
        "transcript": found.transcript.to_dict(),
        "events": [
            {**w.event.to_dict(), "window": [round(w.start, 3), round(w.end, 3)]} for w in found.windows
        ],
        "poses": {
            "sampled_fps": round(info.fps / sample_stride(info.fps, run.settings.pose_fps), 3),
            "frames": len(track.frames),
            "detected": track.detected,
            "detection_rate": round(track.detected / len(track.frames), 4) if track.frames else 0.0,
            "faces": track.faces,
            "hands": track.hands,
        },
        "people": [t.to_dict() for t in found.result.people],
        "patient_track": found.result.patient.to_dict(),
        "samples": samples,
        "predictions": found.result.predictions,
        "models": found.models,
        "reasons": run.reasons,
        "timings_s": {},
        "status": "ok",
    }


def _write_outputs(run: _Run, doc: dict[str, Any], found: _Findings, outputs: SessionOutputs) -> None:
    """The session index, VTT, CSV and everything the video pass collected (metadata comes last)."""
    patient, session = run.upload.patient, run.session
    write_session_index(run.store, doc)
    outputs.add(layout.vtt_key(patient, session), webvtt(found.transcript.segments).encode(), "text/vtt")
    csv = analysis_csv(session, found.windows, found.result.track, found.result.predictions)
    outputs.add(layout.analysis_key(patient, session), csv, "text/csv")
    run.stage("upload")
    t0 = time.perf_counter()
    outputs.write_all(run.store)
    run.timings["upload"] = time.perf_counter() - t0
