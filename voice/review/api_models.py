"""The bodies the review API accepts (checked before anything is written; extra fields refused)."""

from __future__ import annotations

import math

from pydantic import BaseModel, ConfigDict, Field, field_validator

from voice.records.reviews import Action

__all__ = ["ChangeBody", "PinBody", "ReviewBody"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ChangeBody(_Strict):
    """One change: as :class:`voice.labels.service.Change`."""

    action: Action
    event: str | None = None
    emotion: str | None = None
    start: float | None = None
    end: float | None = None
    reason: str | None = None

    @field_validator("start", "end")
    @classmethod
    def _finite(cls, value: float | None) -> float | None:
        if value is not None and not math.isfinite(value):
            raise ValueError("must be a finite number of seconds")
        return value


class ReviewBody(_Strict):
    """``POST .../reviews``: who, the reviews version the page read (null: none yet), the changes."""

    author: str = Field(min_length=1, max_length=100)
    version: str | None
    changes: list[ChangeBody] = Field(min_length=1, max_length=50)


class PinBody(_Strict):
    """``POST .../patient``: a point on the patient (pixels of the upright frame) at ``t`` seconds."""

    x: float = Field(ge=0, allow_inf_nan=False)
    y: float = Field(ge=0, allow_inf_nan=False)
    t: float = Field(ge=0, allow_inf_nan=False)
