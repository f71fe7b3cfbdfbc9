"""Keyed patient references: what logs, execution names and history rows show instead of a name.

An HMAC-SHA256 of the patient's name (NFC) under a secret key, truncated to 16 hex digits. Without
the key a list of candidate names does not reverse it (an unkeyed hash would); with the key the
same patient always gets the same reference, so log lines and runs can be correlated. On AWS the
key is a Secrets Manager secret the stack creates (:mod:`voice.aws.ref_key`).
"""

from __future__ import annotations

import hashlib
import hmac

from voice.layout import normalize_name

__all__ = ["REF_LENGTH", "patient_ref"]

REF_LENGTH = 16


def patient_ref(patient: str, key: bytes) -> str:
    """The reference of ``patient`` under ``key`` (16 hex digits); an empty key is refused."""
    if not key:
        raise ValueError("a patient reference needs a non-empty key")
    digest = hmac.new(key, normalize_name(patient).encode("utf-8"), hashlib.sha256).hexdigest()
    return digest[:REF_LENGTH]
