"""Long videos on AWS: the steps of the long-video state machine, and how an upload gets there.

The video Lambda processes a short upload in one invocation. One longer than
``settings.segment_above_s`` (or too long for the invocation's time left) is handed over instead
(:func:`start_execution`, the ``long_video`` hook of :func:`voice.run.pipeline.process_video`): it
starts one execution of the long-video state machine (``infra/components/long_videos.py``)::

    Plan ─ already processed? ─→ Done
      └→ Segments (Map, MaxConcurrency) ─→ Join ─→ Redraws (Map) ─→ Merge ─→ Processed
    any step's error (after its retries) ─→ [not recorded yet: RecordFailure] ─→ Failed

Each task is one call of the steps Lambda (``lambdas/long_video.py``) with ``{"step": ...}``,
which runs one step of :mod:`voice.segments.steps` through :func:`run_step`. A segment's error is
caught inside the Map (its ``segment_<i>_error.json`` keeps it), so every segment runs; the join
then fails with :class:`~voice.segments.steps.SegmentFailedError` naming each failed segment, and the
session gets its failure record and no outputs. A new upload of the same file reuses the
segments that finished (same plan id).

**What the state holds.** Execution input, task payloads and results hold keys (which name the
patient, like every key in the buckets), the patient's keyed reference, indices and error
names — never narration. A step that fails records the upload's failure record in the bucket
and raises :class:`StepFailed` / :class:`StepRetryable` whose message is only the error's type
and stage, so the execution history (visible in the console) never shows an error message.
Executions are encrypted with the stack's data key and log no execution data.

**Per patient.** An execution's name is ``<patient ref>-<digest of key, version, session>``:
the same upload event delivered twice starts one execution. The plan step admits at most
``per_patient`` running executions of one patient, first come first served (:func:`admit`);
later ones raise :class:`PatientBusyError`, which the state machine retries with backoff.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from voice import layout
from voice.aws.long_video_flow import (
    ExecutionInput,
    FailOutput,
    IndexOutput,
    JoinOutput,
    MergeOutput,
    PlanOutput,
    StepEvent,
    StepOutput,
)
from voice.config import Settings
from voice.errors import VoiceError
from voice.layout import VIDEOS
from voice.segments.steps import (
    HandedOver,
    SegmentedRun,
    draw_step,
    draws_failed,
    join_step,
    load_plan,
    make_plan,
    segment_step,
)
from voice.session.failures import FailureNotRecordedError, record_failure, recording_failures
from voice.session.prepare import open_upload, prepare, upload_run
from voice.storage import Store
from voice.transcription.transcript import Transcriber

if TYPE_CHECKING:
    from mypy_boto3_stepfunctions import SFNClient

__all__ = [
    "RECORDED",
    "LongVideoStepError",
    "PatientBusyError",
    "StepFailed",
    "StepNotRecorded",
    "StepRetryable",
    "admit",
    "execution_name",
    "run_step",
    "start_execution",
]

log = logging.getLogger("voice")


class StepFailed(Exception):
    """A step failed for good; its failure record is written (message: the error type only)."""


class StepRetryable(Exception):
    """A step failed for a reason that may pass (storage, throttling); the state machine retries it.
    The failure record is written already (it stays if every retry fails)."""


class StepNotRecorded(Exception):
    """A step failed and its failure record could not be written: retried; after the retries the
    state machine's RecordFailure step writes the record (message: the error type only)."""


class PatientBusyError(Exception):
    """The patient already has ``per_patient`` long videos in progress; retried later."""


class LongVideoStepError(VoiceError):
    """A step of the long-video state machine ended without a word of its own (its time or
    memory limit, a Lambda service error after the retries, the admission's patience)."""

    stage = "annotate"


def execution_name(patient_ref: str, run: SegmentedRun) -> str:
    """``<ref>-<digest>``: one name per upload version and session (no name or file stem in it)."""
    digest = hashlib.sha256(f"{run.key}\0{run.version or ''}\0{run.session}".encode()).hexdigest()
    return f"{patient_ref}-{digest[:32]}"


def start_execution(
    sfn: SFNClient, state_machine_arn: str, patient_ref: str, run: SegmentedRun, *, force: bool = False
) -> HandedOver:
    """Start the upload's execution (an event delivered again finds it started); returns what
    the video Lambda reports for it. ``force``: a new attempt asked for (``voice cloud
    reprocess``), processed even if the session is complete."""
    name = execution_name(patient_ref, run)
    payload = ExecutionInput(key=run.key, version=run.version, patient_ref=patient_ref, force=force)
    try:
        sfn.start_execution(stateMachineArn=state_machine_arn, name=name, input=payload.model_dump_json())
    except sfn.exceptions.ExecutionAlreadyExists:
        log.info("session %s: its execution exists already", layout.session_ref(run.session))
    return HandedOver(run.session, name, run.duration_s)


def admit(sfn: SFNClient, state_machine_arn: str, execution: str, per_patient: int) -> None:
    """Raise :class:`PatientBusyError` while ``per_patient`` executions of the same patient that
    started before this one are running (first come, first served; nothing to release)."""
    prefix = execution.split("-", 1)[0] + "-"
    running: list[tuple[datetime, str]] = []
    pages = sfn.get_paginator("list_executions").paginate(
        stateMachineArn=state_machine_arn, statusFilter="RUNNING"
    )
    for page in pages:
        running += [(e["startDate"], e["name"]) for e in page["executions"] if e["name"].startswith(prefix)]
    mine = next((r for r in running if r[1] == execution), (datetime.now(UTC), execution))
    earlier = sum(1 for r in running if r < mine)
    if earlier >= per_patient:
        raise PatientBusyError(f"{earlier} earlier executions of this patient are running")


# --- the steps ------------------------------------------------------------------------------


def _plan(store: Store, event: StepEvent, settings: Settings, transcriber: Transcriber | None) -> PlanOutput:
    """Download, identify, probe, transcribe, plan (``status``: ``done`` when already processed)."""
    from voice.transcription.backends import make_transcriber

    assert event.input is not None
    version = event.input.version
    with upload_run(store, event.input.key, settings=settings, version=version) as run:
        opened = open_upload(run, force=event.input.force)
        if opened.done is not None:
            return PlanOutput(status="done")
        assert opened.info is not None
        # The narration alone: no pose runs beside it here (the segments come after the plan).
        transcriber = transcriber or make_transcriber(settings, beside_pose=False)
        found = prepare(run, opened.info, transcriber, opened.pin)
        doc = make_plan(run, found, version=version, force=False)
    segments = list(range(len(doc.plan.segments)))
    return PlanOutput(status="planned", plan=doc.workspace.plan, segments=segments)


def _segment(store: Store, event: StepEvent, settings: Settings) -> IndexOutput:
    """One segment's pass (none when its result is stored: a retry or a new execution)."""
    doc = load_plan(store, event.plan)
    if not store.exists(VIDEOS, doc.workspace.segment(event.index)):
        with store.download(VIDEOS, doc.upload_key, version=doc.version) as source:
            segment_step(store, doc, event.index, source=source, settings=settings)
    return IndexOutput(index=event.index)


def _join(store: Store, event: StepEvent, settings: Settings) -> JoinOutput:
    """The join; a failed segment makes it fail with the record naming every failed one."""
    doc = load_plan(store, event.plan)
    errors = {s.index: s.error for s in event.segments if s.error}
    with recording_failures(store, doc.upload_key):
        redraw = join_step(store, doc, settings=settings, errors=errors)
    return JoinOutput(redraw=redraw)


def _draw(store: Store, event: StepEvent, settings: Settings) -> IndexOutput:
    """One segment drawn again; a failure is caught in the Redraws map (its error file says what)
    and the merge then names every failed one."""
    doc = load_plan(store, event.plan)
    if not store.exists(VIDEOS, doc.workspace.drawn(event.index)):
        with store.download(VIDEOS, doc.upload_key, version=doc.version) as source:
            draw_step(store, doc, event.index, source=source, settings=settings)
    return IndexOutput(index=event.index)


def _merge(store: Store, event: StepEvent, settings: Settings) -> MergeOutput:
    from voice.segments.merge_step import merge_step

    doc = load_plan(store, event.plan)
    failed = {d.index: d.error for d in event.draws if d.error}
    with recording_failures(store, doc.upload_key):
        if failed:
            raise draws_failed(store, doc, failed)
        meta = merge_step(store, doc, settings=settings)
    return MergeOutput(
        session_ref=layout.session_ref(meta.session), events=len(meta.events), samples=len(meta.samples)
    )


#: What a failure record says about an error the handlers did not record themselves.
_UNRECORDED = {
    "PatientBusyError": "this patient's other long videos kept every processing slot busy for hours",
}


#: The errors a handler raises once the failure record is written (or, for a segment, its error file).
RECORDED = ("StepFailed", "StepRetryable")


def _fail(store: Store, event: StepEvent, settings: Settings) -> FailOutput:
    """The failure record of an error no handler recorded (a step's time or memory limit, ...)."""
    if event.error in RECORDED:
        return FailOutput(recorded=False)
    why = _UNRECORDED.get(event.error, f"a step ended with {event.error}")
    error = LongVideoStepError(
        f"processing in segments stopped: {why}. The segments that finished are kept and reused when "
        "this upload is processed again."
    )
    # A record that cannot be written fails the step, which the state machine retries.
    record_failure(store, event.key, error, stage=error.stage, strict=True)
    return FailOutput(recorded=True)


_STEPS: dict[str, Callable[[Store, StepEvent, Settings], StepOutput]] = {
    "segment": _segment,
    "join": _join,
    "draw": _draw,
    "merge": _merge,
    "fail": _fail,
}


def run_step(
    store: Store,
    event: StepEvent,
    *,
    settings: Settings,
    sfn: Callable[[], SFNClient],
    per_patient: int,
    transcriber: Transcriber | None = None,
) -> StepOutput:
    """One task of the state machine. Errors come out as :class:`StepFailed` or
    :class:`StepRetryable` with the error's type and stage only (module notes)."""
    if event.step == "plan":  # before any work; its errors are left to the fail step to record
        admit(sfn(), event.state_machine, event.execution, per_patient)
    try:
        if event.step == "plan":
            return _plan(store, event, settings, transcriber)
        return _STEPS[event.step](store, event, settings)
    except FailureNotRecordedError as exc:  # retried, and RecordFailure writes it if need be
        log.warning("long-video %s step failed and its record too", event.step)
        raise StepNotRecorded(f"{type(exc).__name__} at {exc.stage}") from None
    except Exception as exc:
        stage = getattr(exc, "stage", event.step)
        log.warning("long-video %s step failed at %s: %s", event.step, stage, type(exc).__name__)
        failed = StepFailed if getattr(exc, "permanent", False) else StepRetryable
        raise failed(f"{type(exc).__name__} at {stage}") from None
