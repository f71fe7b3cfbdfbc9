"""The patient profile: nicknames for narration, extra fields kept, a broken file never fatal."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from voice import layout
from voice.errors import ProfileError
from voice.people.profile import PatientProfile, load_profile, parse_profile, patient_names
from voice.storage import LocalStore


def _store(tmp_path: Path, body: bytes | None) -> LocalStore:
    store = LocalStore(tmp_path)
    if body is not None:
        store.write(layout.PATIENTS, layout.profile_key("maria"), body)
    return store


def test_profile_key_is_in_the_patient_folder_and_is_no_sample() -> None:
    assert layout.profile_key("maria") == "maria/profile.json"
    assert layout.parse_sample_prefix(layout.profile_key("maria")) is None


def test_missing_profile_gives_the_defaults(tmp_path: Path) -> None:
    assert load_profile(_store(tmp_path, None), "maria") == PatientProfile()


def test_nicknames_are_read_and_extra_fields_kept(tmp_path: Path) -> None:
    store = _store(tmp_path, b'{"nicknames": [" Mia ", "", "Ria"], "appearance": {"hair": "dark"}}')
    profile = load_profile(store, "maria")
    assert profile.nicknames == ["Mia", "Ria"]
    assert profile.model_dump()["appearance"] == {"hair": "dark"}
    assert patient_names("maria", profile) == ["maria", "Mia", "Ria"]
    assert patient_names("maria-lopez", PatientProfile()) == ["maria", "lopez"]


@pytest.mark.parametrize("body", [b"{not json", b'{"nicknames": "Mia"}', b"[1, 2]", b"\xff\xfe"])
def test_a_broken_profile_is_a_typed_error_and_load_falls_back_with_a_warning(
    tmp_path: Path, body: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    with pytest.raises(ProfileError):
        parse_profile(body)
    with caplog.at_level(logging.WARNING, logger="voice"):
        assert load_profile(_store(tmp_path, body), "maria") == PatientProfile()
    assert "profile ignored: ProfileError" in caplog.text
    assert "maria" not in caplog.text
