"""The patient profile: what the pipeline may know about a patient beyond their folder name.

Stored as ``patients/<patient>/profile.json`` (key from :func:`voice.layout.profile_key`), written
by people, never by the pipeline. Today it lists the names the narrator uses for the patient::

    {"nicknames": ["Mia", "Ria"]}

Other fields are allowed and kept (another part of VOICE adds its own, e.g. an appearance for
picking the patient out of a multi-person video).

A missing profile means the defaults (no nicknames). A profile that is not valid JSON or not a
valid profile is **not** fatal: :func:`load_profile` logs a warning (the error type only, no
names) and returns the defaults, so a broken profile never stops a patient's uploads; the only
effect is that nicknames are not recognised, which can only lose labels, never add wrong ones.
:func:`parse_profile` raises :class:`~voice.errors.ProfileError` for callers that want to know.
"""

from __future__ import annotations

import json
import logging
import re

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from voice import layout
from voice.errors import ProfileError
from voice.storage import Store

__all__ = ["PatientProfile", "load_profile", "parse_profile", "patient_names"]

log = logging.getLogger("voice")
_NAME_PARTS = re.compile(r"[^\W\d_]+")


class PatientProfile(BaseModel):
    """A patient's profile. ``nicknames``: other names the narrator calls the patient."""

    model_config = ConfigDict(extra="allow")

    nicknames: list[str] = []

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
