"""The failure record of an upload: ``videos/failed/<patient>/<file>.json`` (``docs/design.md``)."""

from __future__ import annotations

from typing import Final, Literal

from pydantic import Field

from voice.records.base import Record

__all__ = ["FAILURE_SCHEMA", "FailureRecord", "ObjectRef"]

FAILURE_SCHEMA: Final = "voice.failure/1"


class ObjectRef(Record):
    """An object in one of the two buckets."""

    bucket: str
    key: str


class FailureRecord(Record):
    """What went wrong with one upload: where (``stage``), the error's type, what to do
    (``message``)."""

    schema_: Literal["voice.failure/1"] = Field(FAILURE_SCHEMA, alias="schema")
    source: ObjectRef
    stage: str
    error_type: str
    message: str
