"""New samples → at most one training execution per patient at a time.

Triggers: EventBridge "Object Created" of a session index ``<patient>/.sessions/<session>.json``
(one per processed upload, written after its samples), and the training state machine's
``Recheck`` event (source ``voice.training``) after it released a lock that uploads found taken.

Many events for one patient race for a DynamoDB lock item (``patient``, ``sk = LOCK``): a
conditional PutItem succeeds only if there is no lock or it expired. The winner names the
execution it starts as the lock's ``owner``; the lock expires after the state machine's timeout
(``VOICE_GATE_LOCK_S``) at the latest, and the execution releases it at its end only if it still
owns it. A loser marks the lock ``pending_since``, so that the release brings a recheck.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from lambdas.env import METRICS_NAMESPACE, GateEnv, load_env, patient_ref
from voice.cloud import LOCK_SORT_KEY, RECHECK_DETAIL_TYPE, TRAINING_EVENT_SOURCE
from voice.cloud import execution_name as _execution_name

__all__ = [
    "LOCK_SORT_KEY",
    "GateResult",
    "acquire_lock",
    "handler",
    "mark_pending",
    "patient_from_event",
    "patient_from_key",
    "start_if_unlocked",
]

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
    """Conditional PutItem: True if ``owner`` (an execution name) now holds the patient's lock."""
    return _conditionally(
        lambda: ddb.put_item(
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
    )


def mark_pending(ddb: Any, table: str, patient: str, *, now: float) -> bool:
    """Note on the held lock that samples arrived; False if the lock is gone (released meanwhile)."""
    return _conditionally(
        lambda: ddb.update_item(
            TableName=table,
            Key={"patient": {"S": patient}, "sk": {"S": LOCK_SORT_KEY}},
            UpdateExpression="SET pending_since = if_not_exists(pending_since, :now)",
            ConditionExpression="attribute_exists(patient) AND lock_until >= :now",
            ExpressionAttributeValues={":now": {"N": repr(now)}},
        )
    )


def release_lock(ddb: Any, table: str, patient: str, *, owner: str) -> None:
    """Delete the lock if this owner still holds it (used when the start itself failed)."""
    _conditionally(
        lambda: ddb.delete_item(
            TableName=table,
            Key={"patient": {"S": patient}, "sk": {"S": LOCK_SORT_KEY}},
            ConditionExpression="#o = :owner",
            ExpressionAttributeNames={"#o": "owner"},
            ExpressionAttributeValues={":owner": {"S": owner}},
        )
    )


def _conditionally(write: Callable[[], object]) -> bool:
    """Run one conditional DynamoDB write: True if it was applied, False if its condition failed."""
    try:
        write()
    except Exception as exc:
        if getattr(exc, "response", {}).get("Error", {}).get("Code") == "ConditionalCheckFailedException":
            return False
        raise
    return True


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
    hold_s: float,
    now: float | None = None,
) -> GateResult:
    """Take the lock for a new execution and start it; else mark the lock pending."""
    now = time.time() if now is None else now
    name = execution_name(patient, now)
    for _attempt in range(2):  # a lock released between our two calls: take it after all
        if acquire_lock(ddb, table, patient, now=now, hold_s=hold_s, owner=name):
            break
        if mark_pending(ddb, table, patient, now=now):
            return GateResult(False, "locked: an execution is running; it rechecks when it ends")
    else:
        return GateResult(False, "locked: the lock changed hands twice; the next event rechecks")
    try:
        response = sfn.start_execution(
            stateMachineArn=state_machine_arn,
            name=name,
            input=json.dumps({"patient": patient, "force": False, "gate": True}),
        )
    except Exception:
        release_lock(ddb, table, patient, owner=name)
        raise
    return GateResult(True, "started", response["executionArn"])


def patient_from_event(event: dict[str, Any]) -> str:
    """The patient of a session-index event or of the state machine's recheck event."""
    if event.get("source") == TRAINING_EVENT_SOURCE and event.get("detail-type") == RECHECK_DETAIL_TYPE:
        from voice.layout import validate_name

        return validate_name(str(event["detail"]["patient"]), what="patient name")
    return patient_from_key(event["detail"]["object"]["key"])


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
    patient = patient_from_event(event)
    result = start_if_unlocked(
        patient,
        ddb=_client("dynamodb"),
        sfn=_client("stepfunctions"),
        table=env.history_table,
        state_machine_arn=env.state_machine_arn,
        hold_s=env.gate_lock_s,
    )
    logger.info("training gate", extra={"patient_ref": patient_ref(patient), "started": result.started})
    metrics.add_metric(
        name="TrainingStarted" if result.started else "TrainingLocked", unit=MetricUnit.Count, value=1
    )
    return result.to_dict()
