"""A reviews file written → the session's samples follow its labels (the derivation ``voice labels`` runs).

Trigger: EventBridge "Object Created" of ``<patient>/reviews/<session>.json`` in the patients
bucket (the review page, ``voice labels … --store s3``, an importer). The derivation
(:func:`voice.labels.derive.derive`) rewrites only the sample folders that changed and then the
session index; the index's "Object Created" starts the training gate, as a processed upload's does.
Nothing returned or logged names the patient or the session's file.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.parser.models import S3EventNotificationEventBridgeModel
from aws_lambda_powertools.utilities.typing import LambdaContext

from lambdas.env import METRICS_NAMESPACE, LabelsEnv, load_env, ref_keys, video_store
from lambdas.handler_errors import clean_errors
from voice import layout
from voice.config import get_settings
from voice.errors import InvalidNameError

__all__ = ["handler", "session_from_key"]

logger = Logger()
metrics = Metrics(namespace=METRICS_NAMESPACE)


def session_from_key(raw_key: str) -> tuple[str, str]:
    """``<patient>/reviews/<session>.json`` (URL-encoded, as in S3 events) → (patient, session)."""
    parts = layout.decode_event_key(raw_key).split("/")
    if len(parts) != 3 or parts[1] != "reviews" or not parts[2].endswith(".json"):
        raise InvalidNameError("the key is not '<patient>/reviews/<session>.json'.")
    patient = layout.validate_name(parts[0], what="patient name")
    session = layout.validate_name(parts[2].removesuffix(".json"), what="session id")
    return patient, session


def _ref(event: dict[str, Any], *_: object) -> str:
    env = load_env(LabelsEnv)
    patient, _session = session_from_key(str(event["detail"]["object"]["key"]))
    return ref_keys(env.ref_secret_arn).ref(patient)


@logger.inject_lambda_context
@metrics.log_metrics
@clean_errors(logger, _ref)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    from voice.labels.derive import derive  # numpy: kept off the cold start of a bad event

    env = load_env(LabelsEnv)
    parsed = S3EventNotificationEventBridgeModel.model_validate(event)
    patient, session = session_from_key(parsed.detail.object.key)
    ref = ref_keys(env.ref_secret_arn).ref(patient)
    store = video_store(env.videos_bucket, env.patients_bucket, env.data_key_arn)
    result = derive(store, patient, session, settings=get_settings())
    summary = {
        "patient_ref": ref,
        "session_ref": layout.session_ref(session),
        "samples": result.samples,
        "written": len(result.written),
        "deleted": len(result.deleted),
        "unchanged": result.unchanged,
        "index_written": result.index_written,
    }
    logger.info("labels applied", extra=summary)
    metrics.add_metric(name="LabelsApplied", unit=MetricUnit.Count, value=1)
    return summary
