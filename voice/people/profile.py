"""The patient profile: what the pipeline may know about a patient beyond their folder name.

Stored as ``patients/<patient>/profile.json`` (key from :func:`voice.layout.profile_key`), written
by people; the pipeline only adds ``appearance`` (below). It lists the names the narrator uses for
the patient::

    {"nicknames": ["Mia", "Ria"]}

``appearance`` holds the colours of the patient's torso (:mod:`voice.people.appearance`), averaged over
the videos where the user pointed at the patient (``voice process --person``); later videos with
several people use it to pick the patient (:mod:`voice.people.patient`). Other fields are allowed and
kept.

A missing profile means the defaults (no nicknames). A profile that is not valid JSON or not a
valid profile is **not** fatal: :func:`load_profile` logs a warning (the error type only, no
names) and returns the defaults, so a broken profile never stops a patient's uploads; the only
effect is that nicknames are not recognised, which can only lose labels, never add wrong ones.
:func:`parse_profile` raises :class:`~voice.errors.ProfileError` for callers that want to know.
"""

from __future__ import annotations

import json
import logging
import math
import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from voice import layout
from voice.errors import ProfileError
from voice.people.appearance import BINS
from voice.storage import Store

__all__ = ["Appearance", "PatientProfile", "load_profile", "parse_profile", "patient_names"]

log = logging.getLogger("voice")
_NAME_PARTS = re.compile(r"[^\W\d_]+")


class Appearance(BaseModel):
    """The patient's torso colours: an HSV histogram (:data:`voice.people.appearance.BINS`, sums to 1),
    the mean over ``videos`` videos where they were pinned. Other keys people add are kept."""

    model_config = ConfigDict(extra="allow")

    torso_hsv: list[float]
    videos: int = Field(1, ge=1)

    @field_validator("torso_hsv")
    @classmethod
    def _histogram(cls, value: list[float]) -> list[float]:
        if len(value) != math.prod(BINS) or min(value) < 0 or not math.isclose(sum(value), 1.0, abs_tol=1e-3):
            raise ValueError(f"torso_hsv must be {math.prod(BINS)} non-negative numbers summing to 1")
        return value


class PatientProfile(BaseModel):
    """A patient's profile. ``nicknames``: other names the narrator calls the patient;
    ``appearance``: their torso colours, learnt from pinned videos."""

    model_config = ConfigDict(extra="allow")

    nicknames: list[str] = []
    #: Anything else written under ``appearance`` is kept as it is (and not used to pick anyone).
    appearance: Appearance | dict[str, Any] | None = Field(None, union_mode="left_to_right")

    @field_validator("nicknames")
    @classmethod
    def _clean(cls, value: list[str]) -> list[str]:
        return [n.strip() for n in value if n.strip()]


def parse_profile(data: bytes) -> PatientProfile:
    """A profile from the bytes of ``profile.json``; :class:`ProfileError` if it is none."""
    try:
        return PatientProfile.model_validate(json.loads(data))
    except (ValueError, ValidationError) as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise ProfileError(
            f"the patient profile is not a valid profile ({type(exc).__name__}); "
            'write a JSON object such as {"nicknames": ["Mia"]}.'
        ) from exc


def load_profile(store: Store, patient: str) -> PatientProfile:
    """The patient's profile; the defaults when there is none or it is broken (logged)."""
    key = layout.profile_key(patient)
    if not store.exists(layout.PATIENTS, key):
        return PatientProfile()
    try:
        return parse_profile(store.read(layout.PATIENTS, key))
    except ProfileError as exc:
        log.warning("patient profile ignored: %s", exc.error_type)
        return PatientProfile()


def patient_names(patient: str, profile: PatientProfile) -> list[str]:
    """The names the narration may use for the patient: the folder name's words and the nicknames.

    ``maria`` → ["maria"]; ``maria-lopez`` → ["maria", "lopez"].
    """
    return [*_NAME_PARTS.findall(patient), *profile.nicknames]
