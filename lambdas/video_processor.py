"""SQS batch of S3 "Object Created" events (via EventBridge) → ``process_video`` per upload
(:mod:`voice.run.pipeline`).

Partial batch responses: a record that failed for a reason that may pass (storage, throttling, a
timeout) is reported back (``batchItemFailures``) and retried by SQS up to the queue's
maxReceiveCount, then lands in the DLQ. A record that can never succeed (a corrupt or unsupported
file, an unsafe name, a limit, a video too long to finish before the timeout:
:attr:`voice.errors.VoiceError.permanent`) is acknowledged once its failure record
``videos/failed/...`` is written — only then: a record that cannot be written is retried. The
exact object version the event names is processed, so a later upload under the same name never
replaces it; a version ``voice cloud reprocess`` wrote is processed even if its session is
complete. An event of another bucket is acknowledged without a word.

Whatever stops a run, the upload gets a record (:mod:`voice.aws.stop_guard`): the last delivery
writes a provisional one before it starts (a kill for the memory leaves it), and a watchdog
records the timeout shortly before the deadline.

A video longer than ``settings.segment_above_s`` (or too long for the time left) starts an
execution of the long-video state machine instead and is acknowledged
(:mod:`voice.aws.long_videos`): its segments are processed in parallel by the steps Lambda.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.parser.models import S3EventNotificationEventBridgeModel, SqsRecordModel
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, ConfigDict, Json

from lambdas.env import METRICS_NAMESPACE, VideoProcessorEnv, load_env, ref_keys, video_store
from voice.aws import clients
from voice.config import get_settings
from voice.errors import VoiceError
from voice.layout import decode_event_key, parse_upload_key, session_ref
from voice.media.limits import MediaLimits
from voice.session.failures import record_failure

if TYPE_CHECKING:
    from voice.aws.s3 import S3Store
    from voice.aws.stop_guard import Attempt
    from voice.records.session import SessionMetadata
    from voice.segments.steps import HandedOver, LongVideo

__all__ = ["NOT_OUR_BUCKET", "UploadRecord", "VideoResult", "handler", "record_handler"]

logger = Logger()
metrics = Metrics(namespace=METRICS_NAMESPACE)
#: The error type of an event about another bucket (acknowledged, nothing written).
NOT_OUR_BUCKET = "NotOurBucket"


class UploadRecord(SqsRecordModel):
    """An SQS message whose body is EventBridge's S3 "Object Created" event."""

    body: Json[S3EventNotificationEventBridgeModel]


# A batch whose every record failed is reported like any other partial failure (all item ids)
# instead of raising: the raised error would put exception messages (keys hold patient names)
# into the function log.
processor = BatchProcessor(event_type=EventType.SQS, model=UploadRecord, raise_on_entire_batch_failure=False)


class VideoResult(BaseModel):
    """What the handler answers for one upload, whatever happened: ``ok`` (processed; the
    session's id), ``segmented`` (handed to the long-video state machine; the session's id),
    ``failed`` (refused for good and acknowledged; the error's type)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    status: Literal["ok", "segmented", "failed"]
    session: str | None = None
    error_type: str | None = None


def _acknowledged(exc: VoiceError, ref: str) -> VideoResult:
    logger.warning(
        "upload refused; acknowledged", extra={"patient_ref": ref, "error_type": type(exc).__name__}
    )
    metrics.add_metric(name="UploadsRejected", unit=MetricUnit.Count, value=1)
    return VideoResult(status="failed", error_type=type(exc).__name__)


def _long_video(env: VideoProcessorEnv, ref: str, *, force: bool) -> LongVideo | None:
    """The hook that hands a long upload to the long-video state machine (none when not deployed)."""
    from voice.aws.long_videos import start_execution

    arn = env.long_video_state_machine_arn
    if not arn:
        return None
    return lambda run: start_execution(clients.stepfunctions(), arn, ref, run, force=force)


def _attempt(record: UploadRecord, env: VideoProcessorEnv, context: LambdaContext) -> Attempt:
    from voice.aws.stop_guard import Attempt

    return Attempt(
        number=int(record.attributes.ApproximateReceiveCount),
        attempts=env.upload_max_receives,
        memory_mb=int(context.memory_limit_in_mb),
        timeout_s=context.get_remaining_time_in_millis() / 1000,
    )


def record_handler(record: UploadRecord, lambda_context: LambdaContext) -> VideoResult:
    from voice.aws.stop_guard import guarded
    from voice.segments.steps import HandedOver

    env = load_env(VideoProcessorEnv)
    store = video_store(env.videos_bucket, env.patients_bucket, env.data_key_arn)
    detail = record.body.detail
    if detail.bucket.name != env.videos_bucket:  # the rule names the bucket; the queue takes only it
        logger.warning("event of another bucket; ignored", extra={"error_type": NOT_OUR_BUCKET})
        return VideoResult(status="failed", error_type=NOT_OUR_BUCKET)
    key = decode_event_key(detail.object.key)
    ref = "?"
    try:
        upload = parse_upload_key(key)
        ref = ref_keys(env.ref_secret_arn).ref(upload.patient)
        if detail.object.size is not None:  # before a byte is downloaded
            MediaLimits.from_settings(get_settings()).check_bytes(int(detail.object.size))
        attempt = _attempt(record, env, lambda_context)
        with guarded(
            store,
            key,
            attempt,
            time_left=lambda: lambda_context.get_remaining_time_in_millis() / 1000,
            margin_s=env.stop_guard_s,
        ):
            metadata = _process(env, store, key, detail.object.version_id, ref, lambda_context)
    except VoiceError as exc:
        if not exc.permanent:
            raise  # the pipeline wrote the record; SQS retries
        # Written here, after the guards stopped; a record that cannot be written is retried.
        record_failure(store, key, exc, stage=exc.stage, strict=True)
        return _acknowledged(exc, ref)
    except Exception as exc:
        logger.warning("video failed; retried", extra={"patient_ref": ref, "error_type": type(exc).__name__})
        metrics.add_metric(name="VideosFailed", unit=MetricUnit.Count, value=1)
        raise
    if isinstance(metadata, HandedOver):
        return _handed_over(metadata, ref)
    logger.info(
        "video processed",
        extra={
            "patient_ref": ref,
            "session_ref": session_ref(metadata.session),  # the id holds the file stem
            "events": len(metadata.events),
            "samples": len(metadata.samples),
            "timings_s": metadata.timings_s,
        },
    )
    metrics.add_metric(name="VideosProcessed", unit=MetricUnit.Count, value=1)
    return VideoResult(status="ok", session=metadata.session)


def _process(
    env: VideoProcessorEnv, store: S3Store, key: str, version: str | None, ref: str, context: LambdaContext
) -> SessionMetadata | HandedOver:
    """``process_video`` of this version: forced when ``voice cloud reprocess`` wrote it; a video
    that cannot finish before the timeout fails at once (VideoTooLongError, permanent) or goes to
    the long-video state machine."""
    from voice.aws.reprocess import reprocess_requested
    from voice.run.pipeline import Hooks, process_video

    force = reprocess_requested(store.client, env.videos_bucket, key, version)
    if force:
        logger.info("a new attempt was asked for (voice cloud reprocess)", extra={"patient_ref": ref})
    hooks = Hooks(
        time_left=lambda: context.get_remaining_time_in_millis() / 1000,
        long_video=_long_video(env, ref, force=force),
    )
    return process_video(store, key, version=version, force=force, hooks=hooks)


def _handed_over(started: HandedOver, ref: str) -> VideoResult:
    logger.info(
        "long video handed to the state machine",
        extra={
            "patient_ref": ref,
            "session_ref": session_ref(started.session),
            "duration_s": round(started.duration_s, 1),
        },
    )
    metrics.add_metric(name="LongVideosStarted", unit=MetricUnit.Count, value=1)
    return VideoResult(status="segmented", session=started.session)


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
