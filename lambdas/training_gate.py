"""New samples → at most one training execution per patient at a time (:class:`voice.aws.history.Gate`).

Triggers: EventBridge "Object Created" of a session index ``<patient>/.sessions/<session>.json``
(one per processed upload, written after its samples; an event about another bucket is ignored),
and the training state machine's ``Recheck`` event (source ``voice.training``) after it released a
lock that uploads found taken. A Recheck carries the patient's reference only (events leave the
buckets): the gate finds the patient among the patients bucket's folders.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.parser.models import S3EventNotificationEventBridgeModel
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel

from lambdas.env import METRICS_NAMESPACE, GateEnv, load_env, patients_store, ref_keys
from lambdas.handler_errors import clean_errors
from voice.aws import clients
from voice.aws.history import RECHECK_DETAIL_TYPE, TRAINING_EVENT_SOURCE, Gate, GateResult
from voice.errors import InvalidNameError
from voice.layout import PATIENTS, decode_event_key, stored_name

__all__ = ["handler", "patient_from_event", "patient_from_key"]

logger = Logger()
metrics = Metrics(namespace=METRICS_NAMESPACE)


class _RecheckDetail(BaseModel):
    patient_ref: str


def patient_from_key(raw_key: str) -> str:
    """``<patient>/.sessions/<session>.json`` (URL-encoded, as in S3 events) → the patient name."""
    key = decode_event_key(raw_key)
    patient, sep, _rest = key.partition("/")
    if not sep:
        raise InvalidNameError("the key has no '<patient>/' prefix.")
    return stored_name(patient, what="patient name")


def patient_from_event(event: dict[str, Any], env: GateEnv) -> str | None:
    """The patient of a session-index event or of the state machine's recheck event; None when
    the event is not for this stack (another bucket, a reference of no patient folder)."""
    if event.get("source") == TRAINING_EVENT_SOURCE and event.get("detail-type") == RECHECK_DETAIL_TYPE:
        detail = _RecheckDetail.model_validate(event["detail"])
        store = patients_store(env.patients_bucket)
        names = (n for n in store.folders(PATIENTS) if _is_patient(n))
        return ref_keys(env.ref_secret_arn).patient_of(detail.patient_ref, names)
    parsed = S3EventNotificationEventBridgeModel.model_validate(event)
    if parsed.detail.bucket.name != env.patients_bucket:
        return None
    return patient_from_key(parsed.detail.object.key)


def _is_patient(name: str) -> bool:
    try:
        stored_name(name, what="patient name", warn=False)
    except InvalidNameError:
        return False  # models/, work/, ...
    return True


@logger.inject_lambda_context
@metrics.log_metrics
@clean_errors(logger, lambda *_: "?")
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    env = load_env(GateEnv)
    patient = patient_from_event(event, env)
    if patient is None:
        logger.warning("event for no patient of this stack; ignored")
        return GateResult(False, "not for this stack: another bucket, or no such patient").to_dict()
    ref = ref_keys(env.ref_secret_arn).ref(patient)
    gate = Gate(
        clients.dynamodb(), clients.stepfunctions(), env.history_table, env.state_machine_arn, env.gate_lock_s
    )
    result = gate.start_if_unlocked(patient, ref=ref)
    logger.info("training gate", extra={"patient_ref": ref, "started": result.started})
    metrics.add_metric(
        name="TrainingStarted" if result.started else "TrainingLocked", unit=MetricUnit.Count, value=1
    )
    return result.to_dict()
