"""The stage after the video pass, the same for every way of running: the whole pose track, the
samples from the session's labels (its narration and the reviews people made, which survive a
re-run: :mod:`voice.labels`), then every output the pass collected, the subtitles (``.vtt``,
``.srt``: the cues the video shows) and the events ``.vtt``, the CSV, the session index, and the
metadata last (it marks the session complete)."""

from __future__ import annotations

import logging
import time
from datetime import UTC

from voice import layout
from voice.drawing.timeline import Timeline
from voice.labels.derive import Applied, apply_labels, label_index
from voice.labels.stored import read_index, read_reviews, write_track
from voice.layout import VIDEOS
from voice.media.frames import sample_stride
from voice.media.probe import VideoInfo
from voice.narration.event_ids import with_ids
from voice.narration.windows import EventWindow
from voice.people.patient_store import absent_patient_reasons, learn_appearance
from voice.records.session import PosesRecord, RecordedAtRecord, SessionIndex, SessionMetadata, SourceRecord
from voice.session.lease import session_lease
from voice.session.outputs import SessionOutputs, analysis_csv, write_metadata, write_session_index
from voice.session.prepare import Prepared, Run
from voice.session.video_pass import VideoPassResult
from voice.transcription.captions import srt, webvtt

__all__ = ["TIMINGS", "finish"]

log = logging.getLogger("voice")

TIMINGS = ("decode", "transcribe", "pose", "annotate", "upload", "total")


def _person_reasons(run: Run, windows: list[EventWindow], result: VideoPassResult) -> None:
    track = result.track
    if not any(f.people or f.keypoints is not None for f in track.frames):
        run.reasons.append("no person detected in any sampled frame: no training samples")
    elif result.patient.track_id is None:
        run.reasons.append(f"no patient: {result.patient.reason}")
    run.reasons.extend(absent_patient_reasons(windows, track, result.patient))


def _label_reasons(run: Run, windows: list[EventWindow], result: VideoPassResult, applied: Applied) -> None:
    """Why the labels gave fewer samples than a reader would expect (ids only, never words)."""
    changes, orphans = applied.changes, applied.resolution.orphans
    if windows and not changes.samples and result.track.detected:
        run.reasons.append(
            "no event window held a detected pose, or no event counted "
            "(negated, or not a present statement about the patient)"
        )
    added = [i for i in changes.no_patient if i.startswith("a")]
    if added:
        run.reasons.append(f"added label(s) {', '.join(added)}: the patient is not in view: no sample")
    if orphans:
        run.reasons.append(
            f"{len(orphans)} review(s) refer to events this run did not find: kept as orphans, not applied "
            "(voice labels list shows them)"
        )


def _recorded_at(run: Run, info: VideoInfo) -> RecordedAtRecord | None:
    """The container's creation time, else when the upload was stored."""
    if info.created_at is not None:
        return RecordedAtRecord(time=info.created_at, source="container")
    stored = run.store.stat(VIDEOS, run.upload.source_key)
    if stored is None:
        return None
    return RecordedAtRecord(
        time=stored.modified.astimezone(UTC).isoformat(timespec="seconds"), source="upload"
    )


def _metadata(run: Run, found: Prepared, result: VideoPassResult) -> SessionMetadata:
    """The session's metadata (``docs/design.md``, "Session metadata"); its samples come next."""
    info, track = found.info, result.track
    return SessionMetadata(
        session=run.session,
        patient=run.upload.patient,
        source=SourceRecord(bucket=VIDEOS, key=run.upload.source_key, sha256=run.sha256),
        recorded_at=_recorded_at(run, info),
        video=info.record(),
        transcript=found.transcript.record(),
        events=with_ids([w.event.record((w.start, w.end)) for w in found.windows]),
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
        samples=[],
        predictions=result.predictions,
        models=found.models,
    )


def _labelled(run: Run, doc: SessionMetadata, result: VideoPassResult) -> tuple[Applied, SessionIndex]:
    """The whole pose track stored, then the samples from the session's labels; returns them and
    the session index to write once every other output is."""
    patient, session = run.upload.patient, run.session
    track = write_track(run.store, patient, session, result.track)
    reviews, version = read_reviews(run.store, patient, session)
    index = read_index(run.store, patient, session)
    applied = apply_labels(run.store, doc, track, reviews, settings=run.settings, index=index)
    doc.samples = applied.changes.samples
    return applied, label_index(doc, applied, track, version)


def _write_outputs(
    run: Run, index: SessionIndex, found: Prepared, result: VideoPassResult, outputs: SessionOutputs
) -> None:
    """The session index, subtitles, CSV and everything the video pass collected (metadata comes
    last). The subtitles are the cues the video shows (the same :class:`Timeline`)."""
    patient, session = run.upload.patient, run.session
    write_session_index(run.store, patient, index)
    shown = Timeline.of(found.transcript, found.windows)
    outputs.add(layout.vtt_key(patient, session), webvtt(shown.cues).encode(), "text/vtt")
    outputs.add(layout.srt_key(patient, session), srt(shown.cues).encode(), "application/x-subrip")
    events = webvtt(shown.event_cues(), cue_settings="line:0").encode()
    outputs.add(layout.events_vtt_key(patient, session), events, "text/vtt")
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
    _person_reasons(run, found.windows, result)
    doc = _metadata(run, found, result)
    applied, index = _labelled(run, doc, result)
    _label_reasons(run, found.windows, result, applied)
    doc.reasons = list(run.reasons)
    if result.patient.rule == "pinned" and result.appearance is not None:
        learn_appearance(run.store, run.upload.patient, result.appearance)
    _write_outputs(run, index, found, result, outputs)
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
