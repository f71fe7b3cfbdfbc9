"""The training-history table: the gate's per-patient lock and one row per training execution.

Partition key ``patient`` — the patient's keyed reference (:mod:`voice.refs`), never the name —
sort key ``sk``: ``LOCK`` for the lock item, ``RUN#<execution start>#<execution name>`` for one
row per execution (the state machine writes those; see
``infra/components/training.py``). This module owns the keys and every read or conditional
write of the lock.

The lock: many "new samples" events for one patient race for it with a conditional PutItem that
succeeds only if there is no lock or it expired. The winner names the execution it starts as the
lock's ``owner``; the lock expires after the state machine's timeout at the latest, and the
execution releases it at its end — trained, skipped or failed — only if it still owns it. A loser
marks the lock ``pending_since``, so that the release brings a recheck (an event the gate listens
to, naming the patient by reference). ``voice cloud train`` takes the same lock.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from voice.aws.access import error_code
from voice.errors import VoiceError

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_stepfunctions import SFNClient

__all__ = [
    "LOCK_SORT_KEY",
    "RECHECK_DETAIL_TYPE",
    "RUN_SORT_PREFIX",
    "TRAINING_EVENT_SOURCE",
    "Gate",
    "GateResult",
    "TrainingBusyError",
    "acquire_lock",
    "execution_name",
    "lock_item",
    "mark_pending",
    "release_lock",
    "run_rows",
]

LOCK_SORT_KEY = "LOCK"
RUN_SORT_PREFIX = "RUN#"
#: The event a training execution sends after it released a lock that uploads found taken.
TRAINING_EVENT_SOURCE = "voice.training"
RECHECK_DETAIL_TYPE = "Recheck"


def execution_name(ref: str, now: datetime, *, origin: str = "manual") -> str:
    """``<patient ref>-<UTC time>-<origin>-<8 hex>``: unique, sorts by time per patient, no name in it."""
    return f"{ref}-{now.astimezone(UTC):%Y%m%dT%H%M%S}-{origin}-{uuid.uuid4().hex[:8]}"


def _lock_key(patient: str) -> dict[str, Any]:
    return {"patient": {"S": patient}, "sk": {"S": LOCK_SORT_KEY}}


def _conditionally(write: Callable[[], object]) -> bool:
    """Run one conditional DynamoDB write: True if it was applied, False if its condition failed."""
    try:
        write()
    except ClientError as exc:
        if error_code(exc) == "ConditionalCheckFailedException":
            return False
        raise
    return True


def acquire_lock(
    ddb: DynamoDBClient, table: str, patient: str, *, now: float, hold_s: float, owner: str
) -> bool:
    """Conditional PutItem: True if ``owner`` (an execution name) now holds the patient's lock."""
    return _conditionally(
        lambda: ddb.put_item(
            TableName=table,
            Item={
                **_lock_key(patient),
                "lock_until": {"N": repr(now + hold_s)},
                "owner": {"S": owner},
                "acquired_at": {"S": datetime.fromtimestamp(now, UTC).isoformat()},
            },
            ConditionExpression="attribute_not_exists(patient) OR lock_until < :now",
            ExpressionAttributeValues={":now": {"N": repr(now)}},
        )
    )


def mark_pending(ddb: DynamoDBClient, table: str, patient: str, *, now: float) -> bool:
    """Note on the held lock that samples arrived; False if the lock is gone (released meanwhile)."""
    return _conditionally(
        lambda: ddb.update_item(
            TableName=table,
            Key=_lock_key(patient),
            UpdateExpression="SET pending_since = if_not_exists(pending_since, :now)",
            ConditionExpression="attribute_exists(patient) AND lock_until >= :now",
            ExpressionAttributeValues={":now": {"N": repr(now)}},
        )
    )


def release_lock(ddb: DynamoDBClient, table: str, patient: str, *, owner: str) -> bool:
    """Delete the lock if ``owner`` still holds it; False if someone else does (or nobody)."""
    return _conditionally(
        lambda: ddb.delete_item(
            TableName=table,
            Key=_lock_key(patient),
            ConditionExpression="#o = :owner",
            ExpressionAttributeNames={"#o": "owner"},
            ExpressionAttributeValues={":owner": {"S": owner}},
        )
    )


class TrainingBusyError(VoiceError):
    """Another training execution of the patient holds the lock; a manual start waits for it."""

    stage = "cloud"


@dataclass(frozen=True)
class GateResult:
    started: bool
    reason: str
    execution_arn: str | None = None
    execution: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"started": self.started, "reason": self.reason, "execution_arn": self.execution_arn}


@dataclass(frozen=True)
class Gate:
    """Where the gate takes locks and starts executions."""

    ddb: DynamoDBClient
    sfn: SFNClient
    table: str
    state_machine_arn: str
    hold_s: float

    def start_if_unlocked(self, patient: str, *, ref: str, now: float | None = None) -> GateResult:
        """Take the patient's lock (keyed by ``ref``) for a new execution and start it; else mark
        the lock pending."""
        now = time.time() if now is None else now
        name = execution_name(ref, datetime.fromtimestamp(now, UTC), origin="gate")
        for _attempt in range(2):  # a lock released between our two calls: take it after all
            if acquire_lock(self.ddb, self.table, ref, now=now, hold_s=self.hold_s, owner=name):
                break
            if mark_pending(self.ddb, self.table, ref, now=now):
                return GateResult(False, "locked: an execution is running; it rechecks when it ends")
        else:
            return GateResult(False, "locked: the lock changed hands twice; the next event rechecks")
        return self._start(patient, ref, name, force=False, gate=True)

    def start_manual(self, patient: str, *, ref: str, force: bool, now: float | None = None) -> GateResult:
        """``voice cloud train``: the same lock as the gate's, so a manual run never overlaps
        another run of the patient (nor races its ``latest.json``); :class:`TrainingBusyError`
        while one holds it. The execution releases the lock when it ends (no cooldown wait)."""
        now = time.time() if now is None else now
        name = execution_name(ref, datetime.fromtimestamp(now, UTC), origin="manual")
        if not acquire_lock(self.ddb, self.table, ref, now=now, hold_s=self.hold_s, owner=name):
            held = lock_item(self.ddb, self.table, ref) or {}
            until = datetime.fromtimestamp(float(held.get("lock_until", now)), UTC)
            raise TrainingBusyError(
                f"execution {held.get('owner', '?')} holds this patient's training lock (until "
                f"{until:%Y-%m-%d %H:%M} UTC at the latest); start again once it has ended "
                "(`voice cloud status` shows it)."
            )
        return self._start(patient, ref, name, force=force, gate=False)

    def _start(self, patient: str, ref: str, name: str, *, force: bool, gate: bool) -> GateResult:
        """Start execution ``name``, which owns the lock; a start that fails frees it again."""
        execution_input = {"patient": patient, "patient_ref": ref, "force": force, "gate": gate}
        try:
            response = self.sfn.start_execution(
                stateMachineArn=self.state_machine_arn, name=name, input=json.dumps(execution_input)
            )
        except ClientError:
            release_lock(self.ddb, self.table, ref, owner=name)
            raise
        return GateResult(True, "started", response["executionArn"], name)


def _plain(item: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """A DynamoDB item (``{"S": ...}`` etc.) as plain values."""
    out: dict[str, Any] = {}
    for key, typed in item.items():
        ((kind, value),) = typed.items()
        out[key] = float(value) if kind == "N" else value
    return out


def run_rows(ddb: DynamoDBClient, table: str, patient: str, *, limit: int = 10) -> list[dict[str, Any]]:
    """The patient's newest history rows, newest first."""
    rows = ddb.query(
        TableName=table,
        KeyConditionExpression="patient = :p AND begins_with(sk, :run)",
        ExpressionAttributeValues={":p": {"S": patient}, ":run": {"S": RUN_SORT_PREFIX}},
        ScanIndexForward=False,
        Limit=limit,
    )["Items"]
    return [_plain(r) for r in rows]


def lock_item(ddb: DynamoDBClient, table: str, patient: str) -> dict[str, Any] | None:
    """The patient's lock item, if a lock is held (or expired and not yet replaced)."""
    item = ddb.get_item(TableName=table, Key=_lock_key(patient)).get("Item")
    return _plain(item) if item else None
