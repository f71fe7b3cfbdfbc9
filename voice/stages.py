"""The stages of processing one upload that every way of running it shares.

``prepare`` runs before the video pass (transcription, events and their windows, the profile,
the pin, the patient's model); ``finish`` after it (samples, metadata, CSV, VTT, session index,
every output the pass collected; the metadata last). The one-pass pipeline
(:mod:`voice.pipeline`) and the segmented one (:mod:`voice.segmented`: worker processes locally,
Lambda steps on AWS) run the same stages around their different video passes.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from voice import audio, layout
from voice.config import Settings
from voice.emotions import extract_events
from voice.errors import VoiceError
from voice.layout import VIDEOS
from voice.limits import MediaLimits
from voice.media import VideoInfo
from voice.model import PatientModel
from voice.patient_store import absent_patient_reasons, learn_appearance, profile_appearance, read_pin
from voice.people import MODEL_NAME
from voice.pin import PersonPin
from voice.poses import face_hands_model_name, sample_stride
from voice.profile import load_profile, patient_names
from voice.render import RenderPlan, VideoPassResult
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
from voice.transcript import Transcriber, Transcript, transcribe_chunks, webvtt

__all__ = [
    "TIMINGS",
    "Prepared",
    "Run",
    "StageCallback",
    "check_size_before_download",
    "finish",
    "identify",
    "pin_of",
    "prepare",
    "render_plan",
]

log = logging.getLogger("voice")

#: Called with the name of each stage as it starts (the CLI's progress bar shows it).
StageCallback = Callable[[str], None]

TIMINGS = ("decode", "transcribe", "pose", "annotate", "upload", "total")


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
    models: dict[str, str | None]


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


def prepare(run: Run, info: VideoInfo, transcriber: Transcriber, pin: PersonPin | None) -> Prepared:
    """Transcribe, find the events and their windows, read the profile and the patient's model."""
    run.stage("transcribe")
    transcript = _transcribe(run, info, transcriber)
    profile = load_profile(run.store, run.upload.patient)
    names = patient_names(run.upload.patient, profile)
    events = extract_events(transcript, patient_names=names)
    windows = event_windows(events, info.duration_s, run.settings)
    model = _patient_model(run.store, run.upload.patient)
    models = {
        "whisper": transcriber.name,
        "pose": MODEL_NAME,
        "face_hands": face_hands_model_name(run.settings),
        "patient": model.run_id if model is not None else None,
    }
    return Prepared(info, transcript, windows, pin, profile_appearance(profile), model, models)


def pin_of(metadata: dict[str, Any]) -> PersonPin | None:
    """The pin a finished session was processed with (a new pin means processing it again)."""
    pin = (metadata.get("patient_track") or {}).get("pin")
    return None if pin is None else PersonPin.from_dict(pin)


def check_size_before_download(store: Store, key: str, settings: Settings) -> None:
    """Refuse an upload over the size limit before a byte of it is copied."""
    size = next((o.size for o in store.list(VIDEOS, key) if o.key == key), None)
    if size is not None:
        MediaLimits.from_settings(settings).check_bytes(size)


def identify(run: Run, *, force: bool) -> tuple[PersonPin | None, dict[str, Any] | None]:
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


def render_plan(run: Run, found: Prepared) -> RenderPlan:
    """What the video pass needs to know about the session."""
    return RenderPlan(
        run.upload.patient, run.session, found.transcript, tuple(found.windows), found.pin, found.appearance
    )


def _samples(run: Run, windows: list[EventWindow], result: VideoPassResult) -> list[dict[str, Any]]:
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


def _metadata(
    run: Run, found: Prepared, result: VideoPassResult, samples: list[dict[str, Any]]
) -> dict[str, Any]:
    """The session's metadata document (``docs/design.md``, "Session metadata")."""
    info, track = found.info, result.track
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
        "people": [t.to_dict() for t in result.people],
        "patient_track": {**result.patient.to_dict(), "pin": found.pin.to_dict() if found.pin else None},
        "samples": samples,
        "predictions": result.predictions,
        "models": found.models,
        "reasons": run.reasons,
        "timings_s": {},
        "status": "ok",
    }


def _write_outputs(
    run: Run, doc: dict[str, Any], found: Prepared, result: VideoPassResult, outputs: SessionOutputs
) -> None:
    """The session index, VTT, CSV and everything the video pass collected (metadata comes last)."""
    patient, session = run.upload.patient, run.session
    write_session_index(run.store, doc)
    outputs.add(layout.vtt_key(patient, session), webvtt(found.transcript.segments).encode(), "text/vtt")
    csv = analysis_csv(session, found.windows, result.track, result.predictions)
    outputs.add(layout.analysis_key(patient, session), csv, "text/csv")
    run.stage("upload")
    t0 = time.perf_counter()
    outputs.write_all(run.store)
    run.timings["upload"] = time.perf_counter() - t0


def finish(run: Run, found: Prepared, result: VideoPassResult, outputs: SessionOutputs) -> dict[str, Any]:
    """Samples, then every output, the session index, and the metadata last; returns the metadata."""
    for name, seconds in result.timings.items():
        run.add_time(name, seconds)
    run.stage("samples")
    doc = _metadata(run, found, result, _samples(run, found.windows, result))
    if result.patient.rule == "pinned" and result.appearance is not None:
        learn_appearance(run.store, run.upload.patient, result.appearance)
    _write_outputs(run, doc, found, result, outputs)
    run.timings["total"] = time.time() - run.started
    doc["timings_s"] = {k: round(run.timings.get(k, 0.0), 3) for k in TIMINGS}
    write_metadata(run.store, layout.metadata_key(run.upload.patient, run.session), doc)
    log.info(
        "session %s ok: %d events, %d samples, %d/%d poses, %.1fs",
        layout.session_ref(run.session),
        len(found.windows),
        len(doc["samples"]),
        result.track.detected,
        len(result.track.frames),
        run.timings["total"],
    )
    return doc
