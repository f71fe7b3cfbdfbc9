"""The base of every record: unknown fields are an error, values are validated as they are given."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

__all__ = ["Record"]


class Record(BaseModel):
    """A record's model. ``extra="forbid"``: a misspelt field fails instead of vanishing. A field
    whose JSON name is a pydantic attribute (``schema``) is declared with an alias."""

    model_config = ConfigDict(
        extra="forbid", populate_by_name=True, serialize_by_alias=True, defer_build=True
    )

    def json_doc(self) -> dict[str, Any]:
        """The record as the JSON document written to the store (field order kept)."""
        return self.model_dump(mode="json", by_alias=True)
