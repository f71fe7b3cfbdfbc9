"""Keyed patient references: stable under one key, not reversible from candidate names without it."""

from __future__ import annotations

import hashlib
import unicodedata

import pytest

from voice.refs import REF_LENGTH, patient_ref

KEY = b"a-secret-the-stack-generates"


def test_a_reference_is_stable_short_hex_and_keyed() -> None:
    ref = patient_ref("Maria Jansen", KEY)
    assert ref == patient_ref("Maria Jansen", KEY)
    assert len(ref) == REF_LENGTH
    int(ref, 16)
    assert patient_ref("Maria Jansen", b"another key") != ref
    assert patient_ref("Maria Janssen", KEY) != ref


def test_candidate_names_do_not_reverse_it_without_the_key() -> None:
    """The old reference was an unkeyed SHA-256 prefix: three guesses found the name."""
    ref = patient_ref("Maria Jansen", KEY)
    for guess in ("Maria", "Maria Jansen", "maria jansen"):
        assert hashlib.sha256(guess.encode()).hexdigest()[:REF_LENGTH] != ref
        assert hashlib.sha256(guess.encode()).hexdigest()[:12] not in ref


def test_one_name_typed_two_ways_is_one_reference() -> None:
    nfc, nfd = unicodedata.normalize("NFC", "José"), unicodedata.normalize("NFD", "José")
    assert patient_ref(nfc, KEY) == patient_ref(nfd, KEY)


def test_no_key_no_reference() -> None:
    with pytest.raises(ValueError, match="key"):
        patient_ref("Maria", b"")
