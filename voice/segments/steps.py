"""A long video in segments, in parallel: plan → segments → join → draws → merge.

One plan (:func:`voice.segments.plan.plan_segments`), then one step per stage, each reading and
writing the session's intermediate files (:mod:`voice.segments.workspace`) in the store:

1. **plan** (:func:`make_plan`): after the shared stages (:func:`voice.session.prepare.prepare`: the
   narration is transcribed once over the whole audio), the segments, ``plan.json`` and the
   audio track;
2. **segment** ``i`` (:func:`segment_step`, all in parallel): the video pass on its range
   (:mod:`voice.segments.segment_pass`); a segment whose result is already stored is not run again;
3. **join** (:func:`join_step`): every segment's result present (else the failure record names
   the segments that failed), track ids across the cuts, the patient over the whole video, the
   model's predictions, which segments to draw again (:mod:`voice.segments.joining`);
4. **draw** ``i`` (:func:`draw_step`, in parallel): those segments drawn again from the joined poses
   (and the patient's face and hands found where the segment had chosen someone else);
5. **merge** (:func:`merge_step`): the parts joined without re-encoding (:mod:`voice.media.concat`),
   key frames, then the same outputs as one pass (:func:`voice.session.finish.finish`: samples, CSV,
   VTT, session index, metadata last), then the intermediate files are deleted.

Locally :func:`run_segmented` runs the steps with a pool of worker processes (``voice process
--workers N``); on AWS each step is a Lambda task of a state machine (``lambdas/long_video.py``,
``infra/components/long_videos.py``). Nothing of the session is written before every segment
succeeded; a failed run keeps the segments that finished and a retry reuses them.
"""

from __future__ import annotations

import json
import logging
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from voice import layout
from voice.config import Settings
from voice.errors import VoiceError
from voice.layout import VIDEOS
from voice.media.concat import encode_audio
from voice.records.session import PredictionRecord
from voice.segments.joining import Joined, join_segments, parts_to_find, segment_frames
from voice.segments.plan import plan_segments
from voice.segments.segment_pass import SegmentJob, SegmentResult, draw_segment, segment_pass
from voice.segments.workspace import (
    PlanDoc,
    frames_to_json,
    key_frames_to_json,
    segment_from_json,
    segment_to_json,
)
from voice.session.prepare import Prepared, Run, render_plan
from voice.storage import Store

__all__ = [
    "HandedOver",
    "LongVideo",
    "SegmentFailedError",
    "SegmentedRun",
    "delete_workspaces",
    "draw_step",
    "draws_failed",
    "join_step",
    "joined_results",
    "load_plan",
    "make_plan",
    "segment_label",
    "segment_step",
    "stored_predictions",
]

log = logging.getLogger("voice")


@dataclass(frozen=True)
class SegmentedRun:
    """A long upload handed to another runner (the AWS video Lambda starts the state machine)."""

    key: str
    version: str | None
    session: str
    duration_s: float


@dataclass(frozen=True)
class HandedOver:
    """What ``process_video`` returns for a long upload another runner took (the execution the
    AWS video Lambda started for it), instead of the session's metadata."""

    session: str
    execution: str
    duration_s: float


#: Takes a long upload instead of processing it here.
LongVideo = Callable[[SegmentedRun], HandedOver]


class SegmentFailedError(VoiceError):
    """Segments of a long video failed; the message names each, with its error. The segments
    that finished are kept and reused when the upload is processed again."""

    stage = "annotate"


def load_plan(store: Store, key: str) -> PlanDoc:
    return PlanDoc.from_json(store.read(VIDEOS, key))


def make_plan(run: Run, found: Prepared, *, version: str | None, force: bool) -> PlanDoc:
    """The segments and ``plan.json`` (and the audio track); an identical stored plan is reused."""
    run.stage("plan")
    plan = plan_segments(found.info, run.settings, transcript=found.transcript, windows=found.windows)
    doc = PlanDoc(run.upload.source_key, version, run.state, found, plan)
    if force:  # recompute everything: no earlier plan of this session is reused
        delete_workspaces(run.store, run.upload.patient, run.session)
    ws = doc.workspace
    if not run.store.exists(VIDEOS, ws.plan):
        if found.info.has_audio:
            with tempfile.TemporaryDirectory(prefix="voice-audio-") as tmp:
                audio = Path(tmp) / "audio.m4a"
                encode_audio(run.source, audio, until_s=found.info.decode_until_s)
                run.store.upload(VIDEOS, ws.audio, audio, content_type="audio/mp4")
        run.store.write(VIDEOS, ws.plan, doc.to_json(), content_type="application/json")
    return doc


def delete_workspaces(store: Store, patient: str, session: str) -> None:
    """Every intermediate file of the session (every plan's)."""
    for obj in list(store.list(VIDEOS, layout.segments_prefix(patient, session))):
        store.delete(VIDEOS, obj.key)


def _job(
    doc: PlanDoc, index: int, workdir: Path, *, draw: bool, predictions: Sequence[PredictionRecord] = ()
) -> SegmentJob:
    render = render_plan(doc.patient, doc.session, doc.prepared)
    return SegmentJob(doc.plan, doc.plan.segments[index], render, workdir, draw, tuple(predictions))


def stored_predictions(join: dict[str, Any]) -> list[PredictionRecord]:
    """The model's predictions stored in ``join.json``."""
    return [PredictionRecord.model_validate(p) for p in join["predictions"]]


def segment_step(store: Store, doc: PlanDoc, index: int, *, source: Path, settings: Settings) -> None:
    """Segment ``index``'s pass; its result and annotated part stored (not run again if stored)."""
    ws = doc.workspace
    if store.exists(VIDEOS, ws.segment(index)):
        return
    with tempfile.TemporaryDirectory(prefix="voice-segment-") as work:
        job = _job(doc, index, Path(work), draw=not doc.draws_later)
        try:
            result = segment_pass(source, doc.prepared.info, job, settings=settings)
        except Exception as exc:
            store.write(VIDEOS, ws.segment(index, "_error.json"), _error_file(exc))
            raise
        if result.video is not None:
            store.upload(VIDEOS, ws.segment(index, ".mp4"), result.video, content_type="video/mp4")
        store.delete(VIDEOS, ws.segment(index, "_error.json"))
        store.write(VIDEOS, ws.segment(index), segment_to_json(result, doc.plan_id))


def segment_label(doc: PlanDoc, index: int) -> str:
    """``segment 2 of 3 (40.0–80.0 s)``: how failure messages name a segment."""
    seg = doc.plan.segments[index]
    return f"segment {index + 1} of {len(doc.plan.segments)} ({seg.start_s:.1f}–{seg.end_s:.1f} s)"


def _failure(
    store: Store, doc: PlanDoc, missing: Sequence[int], errors: dict[int, str], *, draws: bool = False
) -> SegmentFailedError:
    """The error naming every segment without a result (``errors``: what the runner saw fail; the
    error files the steps wrote say more). ``draws``: the segments whose redraw failed."""
    ws, plan = doc.workspace, doc.plan
    parts, stages, permanent = [], [], True
    for i in missing:
        what = errors.get(i, "it did not finish")
        error_file = ws.drawn(i, "_error.json") if draws else ws.segment(i, "_error.json")
        if store.exists(VIDEOS, error_file):
            stored = json.loads(store.read(VIDEOS, error_file))
            what = f"{stored['error_type']}: {stored['message']}"
            stages.append(stored["stage"])
            permanent = permanent and bool(stored.get("permanent", True))
        else:
            permanent = False
        verb = "drawing it again failed" if draws else "failed"
        parts.append(f"{segment_label(doc, i)} {verb}: {what}")
    done = len(plan.segments) - (0 if draws else len(missing))
    error = SegmentFailedError(
        "; ".join(parts) + f". The {done} segment(s) that finished are kept and reused when this upload is "
        "processed again.",
        stage=stages[0] if stages else "annotate",
    )
    error.permanent = permanent and bool(stages)
    return error


def draws_failed(store: Store, doc: PlanDoc, errors: dict[int, str]) -> SegmentFailedError:
    """The error naming every segment whose redraw failed (``errors``: by index)."""
    return _failure(store, doc, sorted(errors), errors, draws=True)


def _error_file(exc: BaseException) -> bytes:
    """What a step's error file holds: the error's type, stage, message and whether it may pass."""
    return json.dumps(
        {
            "error_type": type(exc).__name__,
            "stage": getattr(exc, "stage", "annotate"),
            "message": str(exc),
            "permanent": bool(getattr(exc, "permanent", False)),
        }
    ).encode()


def _results(store: Store, doc: PlanDoc, errors: dict[int, str]) -> list[SegmentResult]:
    """Every segment's stored result; :class:`SegmentFailedError` naming those without one."""
    ws = doc.workspace
    count = len(doc.plan.segments)
    missing = [i for i in range(count) if not store.exists(VIDEOS, ws.segment(i))]
    if missing:
        raise _failure(store, doc, missing, errors)
    return [segment_from_json(store.read(VIDEOS, ws.segment(i))) for i in range(count)]


def joined_results(store: Store, doc: PlanDoc, errors: dict[int, str]) -> tuple[list[SegmentResult], Joined]:
    """Every segment's result, and the segments joined."""
    results = _results(store, doc, errors)
    size = (doc.prepared.info.width, doc.prepared.info.height)
    return results, join_segments(
        doc.plan, results, size=size, pin=doc.prepared.pin, appearance=doc.prepared.appearance
    )


def join_step(
    store: Store, doc: PlanDoc, *, settings: Settings, errors: dict[int, str] | None = None
) -> list[int]:
    """Join the segments (module notes, 3); returns the segments to draw again."""
    from voice.model.predict import predict_track, prediction_records
    from voice.model.registry import load_run_model

    _, joined = joined_results(store, doc, errors or {})
    predictions: list[PredictionRecord] = []
    run_id = doc.prepared.models.patient
    if run_id is not None:
        model = load_run_model(store, doc.patient, run_id)
        predictions = prediction_records(predict_track(model, joined.track.frames, settings=settings))
    join = {
        "ids": [{str(k): v for k, v in m.items()} for m in joined.ids],
        "patient": joined.patient.track_id,
        "redraw": joined.redraw,
        "predictions": [p.json_doc() for p in predictions],
    }
    store.write(VIDEOS, doc.workspace.join, json.dumps(join).encode())
    log.info(
        "session %s: %d segments joined, %d drawn again, %d people",
        layout.session_ref(doc.session),
        len(doc.plan.segments),
        len(joined.redraw),
        len(joined.people),
    )
    return list(joined.redraw)


def draw_step(store: Store, doc: PlanDoc, index: int, *, source: Path, settings: Settings) -> None:
    """Segment ``index`` drawn again from the joined poses (not again if already drawn); a failure
    leaves its error file (``draw_<i>_error.json``) for :func:`draws_failed`."""
    ws = doc.workspace
    if store.exists(VIDEOS, ws.drawn(index)):
        return
    try:
        _draw(store, doc, index, source, settings)
    except Exception as exc:
        store.write(VIDEOS, ws.drawn(index, "_error.json"), _error_file(exc))
        raise
    store.delete(VIDEOS, ws.drawn(index, "_error.json"))


def _draw(store: Store, doc: PlanDoc, index: int, source: Path, settings: Settings) -> None:
    ws = doc.workspace
    join = json.loads(store.read(VIDEOS, ws.join))
    mapping = {int(k): int(v) for k, v in join["ids"][index].items()}
    result = segment_from_json(store.read(VIDEOS, ws.segment(index)))
    frames = segment_frames(doc.plan, result, mapping, join["patient"])
    wanted = parts_to_find(doc.plan, result, mapping, join["patient"])
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="voice-draw-") as work:
        job = _job(doc, index, Path(work), draw=True, predictions=stored_predictions(join))
        drawn = draw_segment(source, doc.prepared.info, job, frames, settings=settings, find_parts=wanted)
        assert drawn.video is not None
        store.upload(VIDEOS, ws.drawn(index, ".mp4"), drawn.video, content_type="video/mp4")
    record = {
        "key_frames": key_frames_to_json(drawn.key_frames),
        "shown": drawn.shown,
        "seconds": time.perf_counter() - t0,
        "frames": frames_to_json([f for f in drawn.frames if f.frame in wanted]),
    }
    store.write(VIDEOS, ws.drawn(index), json.dumps(record).encode())
