"""EventBridge "Object Created" in the patients bucket → at most one training execution per patient.

The trigger is a session index ``<patient>/.sessions/<session>.json`` (one per processed upload,
written after its samples). Many events for one patient race for a DynamoDB lock item
(``patient``, ``sk = LOCK``): a conditional PutItem succeeds only if there is no lock or it
expired (``lock_until < now``). The winner starts the state machine; the lock then holds for
the cooldown. A skipped execution releases it (the state machine's ReleaseLock step).
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from lambdas.env import METRICS_NAMESPACE, GateEnv, load_env, patient_ref
from voice.cloud import LOCK_SORT_KEY
from voice.cloud import execution_name as _execution_name

__all__ = ["LOCK_SORT_KEY", "GateResult", "acquire_lock", "handler", "patient_from_key", "start_if_unlocked"]

logger = Logger()
metrics = Metrics(namespace=METRICS_NAMESPACE)


@dataclass(frozen=True)
class GateResult:
    started: bool
    reason: str
    execution_arn: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"started": self.started, "reason": self.reason, "execution_arn": self.execution_arn}


def patient_from_key(raw_key: str) -> str:
    """``<patient>/.sessions/<session>.json`` (URL-encoded, as in S3 events) → the patient name."""
    from voice.layout import decode_event_key, validate_name

    key = decode_event_key(raw_key)
    patient, sep, _rest = key.partition("/")
    if not sep:
        from voice.errors import InvalidNameError

        raise InvalidNameError("the key has no '<patient>/' prefix.")
    return validate_name(patient, what="patient name")


def acquire_lock(ddb: Any, table: str, patient: str, *, now: float, hold_s: float, owner: str) -> bool:
    """Conditional PutItem: True if this call now holds the patient's lock."""
    try:
        ddb.put_item(
            TableName=table,
            Item={
                "patient": {"S": patient},
                "sk": {"S": LOCK_SORT_KEY},
                "lock_until": {"N": repr(now + hold_s)},
                "owner": {"S": owner},
                "acquired_at": {"S": datetime.fromtimestamp(now, UTC).isoformat()},
            },
            ConditionExpression="attribute_not_exists(patient) OR lock_until < :now",
            ExpressionAttributeValues={":now": {"N": repr(now)}},
        )
        return True
    except Exception as exc:
        code = getattr(exc, "response", {}).get("Error", {}).get("Code")
        if code == "ConditionalCheckFailedException":
            return False
        raise


def release_lock(ddb: Any, table: str, patient: str, *, owner: str) -> None:
    """Delete the lock if this owner still holds it (used when the start itself failed)."""
    try:
        ddb.delete_item(
            TableName=table,
            Key={"patient": {"S": patient}, "sk": {"S": LOCK_SORT_KEY}},
            ConditionExpression="#o = :owner",
            ExpressionAttributeNames={"#o": "owner"},
            ExpressionAttributeValues={":owner": {"S": owner}},
        )
    except Exception as exc:
        code = getattr(exc, "response", {}).get("Error", {}).get("Code")
        if code != "ConditionalCheckFailedException":
            raise


def execution_name(patient: str, now: float) -> str:
    """Unique, and free of the patient's name (execution names show up in consoles and logs)."""
    return _execution_name(patient, datetime.fromtimestamp(now, UTC), origin="gate")


def start_if_unlocked(  # noqa: PLR0913  (moves to voice/aws with the history table)
    patient: str,
    *,
    ddb: Any,
    sfn: Any,
    table: str,
    state_machine_arn: str,
    cooldown_s: float,
    now: float | None = None,
) -> GateResult:
    """Take the lock, then start one execution with ``{"patient": ...}``; else report who holds it."""
    now = time.time() if now is None else now
    owner = uuid.uuid4().hex
    if not acquire_lock(ddb, table, patient, now=now, hold_s=cooldown_s, owner=owner):
        return GateResult(False, "locked: an execution started within the cooldown")
    try:
        response = sfn.start_execution(
            stateMachineArn=state_machine_arn,
            name=execution_name(patient, now),
            input=json.dumps({"patient": patient}),
        )
    except Exception:
        release_lock(ddb, table, patient, owner=owner)
        raise
    return GateResult(True, "started", response["executionArn"])


_clients: dict[str, Any] = {}


def _client(name: str) -> Any:
    if name not in _clients:
        import boto3

        _clients[name] = boto3.client(name)
    return _clients[name]


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    env = load_env(GateEnv)
    patient = patient_from_key(event["detail"]["object"]["key"])
    result = start_if_unlocked(
        patient,
        ddb=_client("dynamodb"),
        sfn=_client("stepfunctions"),
        table=env.history_table,
        state_machine_arn=env.state_machine_arn,
        cooldown_s=env.gate_cooldown_s,
    )
    logger.info("training gate", extra={"patient_ref": patient_ref(patient), "started": result.started})
    metrics.add_metric(
        name="TrainingStarted" if result.started else "TrainingLocked", unit=MetricUnit.Count, value=1
    )
    return result.to_dict()
