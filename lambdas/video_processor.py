"""SQS batch of S3 "Object Created" events (via EventBridge) → ``voice.pipeline.process_video`` per upload.

Partial batch responses: a failed record is reported back (``batchItemFailures``) and retried
by SQS up to the queue's maxReceiveCount, then lands in the DLQ; the others are done. The
pipeline writes the failure record ``videos/failed/<patient>/<file>.json`` before it raises.
Keys that are not uploads (invalid names) and videos too long to finish before the timeout
(``VideoTooLongError``, checked before any work) are acknowledged, not retried: retrying cannot
fix them.
"""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from lambdas.env import METRICS_NAMESPACE, VideoProcessorEnv, load_env, patient_ref

logger = Logger()
metrics = Metrics(namespace=METRICS_NAMESPACE)
# A batch whose every record failed is reported like any other partial failure (all item ids)
# instead of raising: the raised error would put exception messages (keys hold patient names)
# into the function log.
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)

_store: Any = None


def _get_store() -> Any:
    """One S3Store per container (boto3 clients are reused across invocations)."""
    global _store
    if _store is None:
        import boto3

        from voice.storage import S3Store

        env = load_env(VideoProcessorEnv)
        _store = S3Store(
            boto3.client("s3"), videos_bucket=env.videos_bucket, patients_bucket=env.patients_bucket
        )
    return _store


def upload_key_from_event(body: str) -> str:
    """The upload key (relative to the videos bucket, URL-decoded) of an EventBridge S3 event."""
    from voice.layout import decode_event_key

    event = json.loads(body)
    return decode_event_key(event["detail"]["object"]["key"])


def record_handler(record: SQSRecord, lambda_context: LambdaContext) -> dict[str, Any]:
    from voice.errors import InvalidNameError, UnsupportedFormatError, VideoTooLongError
    from voice.failures import record_failure
    from voice.layout import parse_upload_key, session_ref
    from voice.pipeline import RunHooks, process_video

    key = upload_key_from_event(record.body)
    try:
        patient = parse_upload_key(key).patient
    except (InvalidNameError, UnsupportedFormatError) as exc:
        # Record why (videos/failed/...), and do not let SQS retry what cannot succeed.
        record_failure(_get_store(), key, exc, stage=exc.stage)
        logger.warning("not an upload key; acknowledged", extra={"error_type": type(exc).__name__})
        metrics.add_metric(name="UploadsRejected", unit=MetricUnit.Count, value=1)
        return {"status": "rejected", "error_type": type(exc).__name__}

    ref = patient_ref(patient)
    # A video that cannot finish before the timeout fails at once, with its failure record.
    hooks = RunHooks(time_left=lambda: lambda_context.get_remaining_time_in_millis() / 1000)
    try:
        metadata = process_video(_get_store(), key, hooks=hooks)
    except VideoTooLongError as exc:
        # Retrying cannot make it shorter: acknowledged, not retried (the record says why).
        logger.warning("video too long for one run", extra={"patient_ref": ref, "error_type": exc.error_type})
        metrics.add_metric(name="VideosTooLong", unit=MetricUnit.Count, value=1)
        return {"status": "too_long", "error_type": exc.error_type}
    except Exception as exc:
        logger.warning("video failed", extra={"patient_ref": ref, "error_type": type(exc).__name__})
        metrics.add_metric(name="VideosFailed", unit=MetricUnit.Count, value=1)
        raise
    logger.info(
        "video processed",
        extra={
            "patient_ref": ref,
            "session_ref": session_ref(str(metadata.get("session", ""))),  # the id holds the file stem
            "events": len(metadata.get("events", [])),
            "samples": len(metadata.get("samples", [])),
            "timings_s": metadata.get("timings_s", {}),
        },
    )
    metrics.add_metric(name="VideosProcessed", unit=MetricUnit.Count, value=1)
    return {"status": metadata.get("status", "ok"), "session": metadata.get("session")}


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
