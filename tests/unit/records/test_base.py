"""The base of every record: unknown fields refused, JSON names (aliases) written, order kept."""

from __future__ import annotations

import pytest
from pydantic import Field, ValidationError

from voice.records.base import Record


class _Example(Record):
    schema_: str = Field("voice.example/1", alias="schema")
    name: str
    count: int = 0


def test_a_record_is_written_with_its_json_names_in_field_order() -> None:
    record = _Example(name="x")
    assert record.json_doc() == {"schema": "voice.example/1", "name": "x", "count": 0}
    assert list(record.json_doc()) == ["schema", "name", "count"]
    assert record.model_dump_json() == '{"schema":"voice.example/1","name":"x","count":0}'
    assert _Example.model_validate_json(record.model_dump_json()) == record


def test_an_unknown_field_is_an_error() -> None:
    with pytest.raises(ValidationError, match="nmae"):
        _Example.model_validate({"nmae": "x"})
