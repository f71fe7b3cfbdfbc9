"""The stage after the video pass, the same for every way of running: samples, then every output
the pass collected, the VTT, the CSV, the session index, and the metadata last (it marks the
session complete)."""

from __future__ import annotations

import logging
import time

from voice import layout
from voice.layout import VIDEOS
from voice.media.frames import sample_stride
from voice.narration.windows import EventWindow
from voice.people.patient_store import absent_patient_reasons, learn_appearance
from voice.records.session import PosesRecord, SampleRecord, SessionMetadata, SourceRecord
from voice.session.lease import session_lease
from voice.session.outputs import (
    SessionOutputs,
    analysis_csv,
    write_metadata,
    write_samples,
    write_session_index,
)
from voice.session.prepare import Prepared, Run
from voice.session.video_pass import VideoPassResult
from voice.transcription.transcript import webvtt

__all__ = ["TIMINGS", "finish"]

log = logging.getLogger("voice")

TIMINGS = ("decode", "transcribe", "pose", "annotate", "upload", "total")


def _samples(run: Run, windows: list[EventWindow], result: VideoPassResult) -> list[SampleRecord]:
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
    run: Run, found: Prepared, result: VideoPassResult, samples: list[SampleRecord]
) -> SessionMetadata:
    """The session's metadata (``docs/design.md``, "Session metadata")."""
    info, track = found.info, result.track
    return SessionMetadata(
        session=run.session,
        patient=run.upload.patient,
        source=SourceRecord(bucket=VIDEOS, key=run.upload.source_key, sha256=run.sha256),
        video=info.record(),
        transcript=found.transcript.record(),
        events=[w.event.record((w.start, w.end)) for w in found.windows],
        poses=PosesRecord(
            sampled_fps=round(info.fps / sample_stride(info.fps, run.settings.pose_fps), 3),
            frames=len(track.frames),
            detected=track.detected,
            detection_rate=round(track.detected / len(track.frames), 4) if track.frames else 0.0,
            faces=track.faces,
            hands=track.hands,
        ),
        people=[t.record() for t in result.people],
        patient_track=result.patient.record(found.pin),
        samples=samples,
        predictions=result.predictions,
        models=found.models,
        reasons=run.reasons,
    )


def _write_outputs(
    run: Run, doc: SessionMetadata, found: Prepared, result: VideoPassResult, outputs: SessionOutputs
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


def finish(run: Run, found: Prepared, result: VideoPassResult, outputs: SessionOutputs) -> SessionMetadata:
    """Samples, then every output, the session index, and the metadata last, under the session's
    lease (:mod:`voice.session.lease`: one writer at a time); returns the metadata."""
    for name, seconds in result.timings.items():
        run.add_time(name, seconds)
    hold_s = run.settings.session_lease_s
    with session_lease(run.store, run.upload.patient, run.session, hold_s=hold_s):
        return _finish(run, found, result, outputs)


def _finish(run: Run, found: Prepared, result: VideoPassResult, outputs: SessionOutputs) -> SessionMetadata:
    run.stage("samples")
    doc = _metadata(run, found, result, _samples(run, found.windows, result))
    if result.patient.rule == "pinned" and result.appearance is not None:
        learn_appearance(run.store, run.upload.patient, result.appearance)
    _write_outputs(run, doc, found, result, outputs)
    run.timings["total"] = time.time() - run.started
    doc.timings_s = {k: round(run.timings.get(k, 0.0), 3) for k in TIMINGS}
    write_metadata(run.store, layout.metadata_key(run.upload.patient, run.session), doc)
    log.info(
        "session %s ok: %d events, %d samples, %d/%d poses, %.1fs",
        layout.session_ref(run.session),
        len(found.windows),
        len(doc.samples),
        result.track.detected,
        len(result.track.frames),
        run.timings["total"],
    )
    return doc
