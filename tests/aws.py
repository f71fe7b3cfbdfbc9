"""moto helpers shared by the functional and infra tests."""

from __future__ import annotations

from typing import Any


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
