"""moto helpers shared by the functional and infra tests."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus


def create_history_table(ddb: Any, name: str) -> None:
    """The training-history table as the stack defines it: partition ``patient``, sort ``sk``."""
    ddb.create_table(
        TableName=name,
        KeySchema=[
            {"AttributeName": "patient", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        AttributeDefinitions=[
            {"AttributeName": "patient", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )


EVENTS = Path(__file__).resolve().parent / "events"


def load_event(name: str) -> dict[str, Any]:
    """A sample event from ``tests/events/``."""
    return dict(json.loads((EVENTS / name).read_text()))


def s3_object_created(bucket: str, key: str) -> dict[str, Any]:
    """The EventBridge "Object Created" event for ``bucket/key``; S3 URL-encodes the key in it."""
    event = load_event("eventbridge_s3_object_created.json")
    event["detail"]["bucket"]["name"] = bucket
    event["resources"] = [f"arn:aws:s3:::{bucket}"]
    event["detail"]["object"]["key"] = "/".join(quote_plus(part) for part in key.split("/"))
    return event


def sqs_record(bucket: str, key: str, message_id: str) -> dict[str, Any]:
    """An SQS record as the upload rule's queue target delivers it: the event as the body."""
    record = load_event("sqs_record.json")
    record["messageId"] = message_id
    record["body"] = json.dumps(s3_object_created(bucket, key))
    record["md5OfBody"] = hashlib.md5(record["body"].encode()).hexdigest()
    return record
