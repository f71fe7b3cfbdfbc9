"""Processing one uploaded video: ``process_video(store, key)``.

``videos/<patient>/<file>`` becomes narration events, BODY_25 poses, training samples, an
annotated H.264 video, a WebVTT transcript, metadata and an analysis CSV, in these stages:

    probe → transcribe → events → video pass → samples → session outputs

A long video may be processed in segments instead (:mod:`voice.segments.steps`). It is idempotent
(same upload → same keys and bytes; samples are written with put-if-absent) and never modifies
the upload. Bad input raises a :class:`~voice.errors.VoiceError` after
writing a failure record (:mod:`voice.session.failures`).
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from voice import layout
from voice.config import Settings, get_settings
from voice.media.probe import VideoInfo
from voice.people.patient_store import profile_appearance
from voice.people.pin import PersonPin
from voice.people.profile import load_profile
from voice.records.session import SessionMetadata
from voice.segments.local_pool import run_segmented
from voice.segments.steps import HandedOver, LongVideo, SegmentedRun
from voice.session.finish import finish
from voice.session.head_start import HeadStart
from voice.session.outputs import SessionOutputs
from voice.session.prepare import (
    Prepared,
    Run,
    StageCallback,
    open_upload,
    prepare,
    render_plan,
    upload_run,
)
from voice.session.time_budget import check_time_budget, longest_video_s
from voice.session.video_pass import video_pass
from voice.storage import Store
from voice.transcription import early
from voice.transcription.backends import load_in_background, make_transcriber
from voice.transcription.transcript import Transcriber

__all__ = ["Hooks", "LongVideo", "StageCallback", "TimeLeft", "process_video"]

log = logging.getLogger("voice")

#: Seconds this run has left (a Lambda's ``context.get_remaining_time_in_millis() / 1000``).
TimeLeft = Callable[[], float]


@dataclass(frozen=True)
class Hooks:
    """How a caller takes part in a run: a transcriber it keeps loaded across videos, a
    callback told the name of each stage as it starts, the seconds the run has left (a video
    that cannot finish in them fails before any work: :mod:`voice.session.time_budget`), and how a long video
    is processed: in ``workers`` processes here, or handed to ``long_video`` (the AWS video
    Lambda starts the segments' state machine) — see :mod:`voice.segments.steps`."""

    transcriber: Transcriber | None = None
    on_stage: StageCallback | None = None
    time_left: TimeLeft | None = None
    workers: int = 1
    long_video: LongVideo | None = None


def process_video(
    store: Store,
    key: str,
    *,
    settings: Settings | None = None,
    force: bool = False,
    version: str | None = None,
    hooks: Hooks | None = None,
) -> SessionMetadata | HandedOver:
    """Process the upload at ``videos/<key>`` (``version``: that exact object version, where the
    store keeps versions); return its metadata (``docs/design.md``).

    A session that is already complete is not processed again (returns its stored metadata)
    unless ``force``; forced re-runs produce identical bytes, and the first run's metadata
    (with its timings) is kept when nothing but the timings would change. A video longer than
    ``settings.segment_above_s`` is processed in segments when the hooks allow it (module
    :mod:`voice.segments.steps`; with ``hooks.long_video`` the return value is that hook's).
    """
    settings = settings or get_settings()
    hooks = hooks or Hooks()
    with upload_run(store, key, settings=settings, version=version, on_stage=hooks.on_stage) as run:
        return _process(run, hooks, force=force, version=version)


def _segmented(info: VideoInfo, settings: Settings, hooks: Hooks) -> bool:
    """Whether this video goes through segments (module :mod:`voice.segments.steps`)."""
    rate = info.width * info.height * info.fps / 1e6
    # Every stream's length counts against the time budget (the audio is transcribed to its end).
    if hooks.long_video is not None:
        longest = None if hooks.time_left is None else longest_video_s(hooks.time_left(), settings, rate)
        fits = longest is None or info.claimed_s <= longest
        return info.duration_s > settings.segment_above_s or not fits
    if hooks.time_left is not None:
        check_time_budget(info.claimed_s, hooks.time_left(), settings, mpx_per_s=rate)
    return hooks.workers > 1 and info.duration_s > settings.segment_above_s


def _process(run: Run, hooks: Hooks, *, force: bool, version: str | None) -> SessionMetadata | HandedOver:
    opened = open_upload(run, force=force)
    if opened.done is not None:
        return opened.done
    info, pin = opened.info, opened.pin
    assert info is not None
    segmented = _segmented(info, run.settings, hooks)
    if segmented and hooks.long_video is not None:
        return hooks.long_video(SegmentedRun(run.upload.source_key, version, run.session, info.duration_s))
    beside = run.settings.pose_head_start and not segmented
    transcriber = hooks.transcriber or make_transcriber(run.settings, beside_pose=beside)
    if info.has_audio:
        load_in_background(transcriber)  # beside the head start's set-up and the audio's decoding
    else:
        early.drop()  # a model the command began loading (voice.launch) that nothing will use
    head = _head_start(run, info, pin) if beside else None
    try:
        found = prepare(run, info, transcriber, pin)
    except BaseException:
        if head is not None:
            head.discard()
        raise
    if segmented:
        return run_segmented(run, found, workers=hooks.workers, force=force, version=version)
    return _one_pass(run, found, head.stop() if head is not None else None)


def _head_start(run: Run, info: VideoInfo, pin: PersonPin | None) -> HeadStart:
    """Pose begun on the idle core while the narration is transcribed (:mod:`voice.session.head_start`)."""
    appearance = profile_appearance(load_profile(run.store, run.upload.patient))
    # A promoted model means pose runs first, on the pose-only pass's frames (the model itself
    # is loaded, and checked, with the narration; a head start that does not fit is discarded).
    with_model = run.store.exists(layout.PATIENTS, layout.latest_model_key(run.upload.patient))
    return HeadStart(run.source, info, run.settings, pin=pin, appearance=appearance, pose_only=with_model)


def _one_pass(run: Run, found: Prepared, head: HeadStart | None = None) -> SessionMetadata:
    """The whole video in one pass (:mod:`voice.session.video_pass`), then the outputs."""
    with tempfile.TemporaryDirectory(prefix="voice-out-") as work:
        run.stage("pose")
        outputs = SessionOutputs(Path(work))
        plan = replace(render_plan(run.upload.patient, run.session, found), head=head)
        result = video_pass(
            run.source, found.info, plan, model=found.model, settings=run.settings, outputs=outputs
        )
        return finish(run, found, result, outputs)
