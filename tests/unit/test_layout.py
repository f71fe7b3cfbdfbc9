"""Keys, names and session ids (docs/design.md)."""

from __future__ import annotations

import logging
import unicodedata

import pytest

from voice import layout
from voice.errors import InvalidNameError, UnsupportedFormatError


@pytest.mark.parametrize("ext", ["mp4", "MOV", "Avi", "mkv", "WEBM", "flv", "Mp4"])
def test_every_supported_extension_in_any_case(ext: str) -> None:
    upload = layout.parse_upload_key(f"maria/clip.{ext}")
    assert upload.patient == "maria"
    assert upload.extension == ext.lower()


@pytest.mark.parametrize("key", ["maria/clip.txt", "maria/clip.gif", "maria/clip", "maria/clip.mp4.exe"])
def test_unsupported_extensions(key: str) -> None:
    with pytest.raises(UnsupportedFormatError, match="not supported"):
        layout.parse_upload_key(key)


@pytest.mark.parametrize(
    "key",
    [
        "../maria/clip.mp4",
        "maria/../clip.mp4",
        "/maria/clip.mp4",
        "maria/sub/clip.mp4",
        "ma\x00ria/clip.mp4",
        "maria/cl\nip.mp4",
        "maria/cl\x1bip.mp4",
        "annotated/clip.mp4",
        "models/clip.mp4",
        "FAILED/clip.mp4",
        ".sessions/clip.mp4",
        " /clip.mp4",
        # C1 controls, line/paragraph separators, bidi overrides and isolates, zero-width, BOM
        "maria/clip\x85.mp4",
        "maria/clip\u2028.mp4",
        "maria/clip\u2029.mp4",
        "maria/\u202egnp.mp4",
        "ma\u2066ria/clip.mp4",
        "ma\u200bria/clip.mp4",
        "maria/\ufeffclip.mp4",
        # trailing dots and spaces, Windows device names
        "maria./clip.mp4",
        "maria /clip.mp4",
        "CON/clip.mp4",
        "maria/nul.mp4",
        "maria/COM1.mov",
        "lpt9/clip.mp4",
        # bytes that were not UTF-8 (Python keeps them as surrogate escapes)
        "maria/clip\udcff.mp4",
    ],
)
def test_unsafe_names_are_refused(key: str) -> None:
    with pytest.raises(InvalidNameError):
        layout.parse_upload_key(key)


def test_session_id_is_deterministic_and_content_addressed() -> None:
    a = layout.session_id("IMG_0001.MOV", "ab" * 32)
    assert a == layout.session_id("IMG_0001.MOV", "ab" * 32)
    assert a == "img-0001-ababababab"
    assert layout.session_id("IMG_0001.MOV", "cd" * 32) != a, "same name, other content: other session"
    assert layout.session_id("Zoë's clip!.mp4", "00" * 32) == "zoe-s-clip-0000000000"


def test_sample_keys_round_trip() -> None:
    prefix = layout.sample_prefix("maria", "sadness", "clip-0123456789", 2)
    assert prefix == "maria/sadness/clip-0123456789_e2/"
    assert layout.sample_pose_key(prefix, 45) == "maria/sadness/clip-0123456789_e2/pose_000045.json"
    assert layout.parse_sample_prefix(prefix + "pose_000045.json") == (
        "maria",
        "sadness",
        "clip-0123456789",
        "e2",
    )
    added = layout.label_sample_prefix("maria", "anger", "clip-0123456789", "a0123456789w3")
    assert added == "maria/anger/clip-0123456789_a0123456789w3/"
    assert layout.parse_sample_prefix(added + "pose_000001.json") == (
        "maria",
        "anger",
        "clip-0123456789",
        "a0123456789w3",
    )
    assert layout.parse_sample_prefix("maria/.sessions/clip.json") is None
    assert layout.parse_sample_prefix(layout.reviews_key("maria", "clip-0123456789")) is None
    assert layout.parse_sample_prefix("maria/anger/clip-0123456789_x1/pose_000001.json") is None
    with pytest.raises(InvalidNameError):
        layout.sample_prefix("maria", "joy", "s", 0)
    with pytest.raises(InvalidNameError):
        layout.label_sample_prefix("maria", "anger", "s", "../x")


def test_a_sessions_track_and_reviews_live_in_the_patients_bucket_beside_its_index() -> None:
    index = layout.session_index_key("maria", "clip-0123456789")
    assert layout.pose_track_key("maria", "clip-0123456789") == "maria/.sessions/clip-0123456789.track.npz"
    assert layout.pose_track_key("maria", "clip-0123456789").rsplit("/", 1)[0] == index.rsplit("/", 1)[0]
    assert layout.reviews_key("maria", "clip-0123456789") == "maria/reviews/clip-0123456789.json"
    assert layout.reviews_key("maria", "clip-0123456789").startswith(layout.reviews_prefix("maria"))


def test_invalid_failure_key_never_contains_the_unsafe_name() -> None:
    key = layout.invalid_failure_key("../../etc/passwd.mp4")
    assert key.startswith("failed/_invalid/")
    assert ".." not in key
    assert "passwd" not in key


def test_names_are_nfc_so_one_name_typed_two_ways_is_one_patient() -> None:
    nfc, nfd = unicodedata.normalize("NFC", "José"), unicodedata.normalize("NFD", "José")
    assert nfc != nfd
    a = layout.parse_upload_key(f"{nfc}/Café.mp4")
    b = layout.parse_upload_key(f"{nfd}/{unicodedata.normalize('NFD', 'Café')}.mp4")
    assert (a.patient, a.file_name, a.key) == (b.patient, b.file_name, b.key)
    assert b.patient == nfc
    assert b.source_key != b.key, "the upload is still read under the key it was stored with"
    assert layout.validate_name(nfd, what="patient name") == nfc


#: What issue 25 found still accepted, and the rest of each refused class (docs/bad-input.md).
NEWLY_REFUSED = {
    "arabic letter mark U+061C": "ma\u061cria",
    "soft hyphen U+00AD": "ma\u00adria",
    "invisible separator U+2063": "ma\u2063ria",
    "mongolian vowel separator U+180E": "ma\u180eria",
    "tag characters": "maria\U000e0041\U000e007f",
    "variation selector 16": "maria\u2764\ufe0f",
    "ideographic variation selector": "\u845b\U000e0100",
    "hangul filler U+3164": "\u3164maria",
    "halfwidth hangul filler U+FFA0": "ma\uffa0ria",
    "braille blank U+2800": "maria\u2800lopez",
    "no-break space": "maria\u00a0lopez",
    "ideographic space": "maria\u3000lopez",
    "private use": "maria\ue000",
    "leading space": " maria",
    **{f"windows {ch}": f"ma{ch}ria" for ch in ':*?"<>|'},
    "a drive": "C:",
}


@pytest.mark.parametrize("name", NEWLY_REFUSED.values(), ids=NEWLY_REFUSED.keys())
def test_new_names_refuse_invisible_windows_and_look_alike_blank_characters(name: str) -> None:
    with pytest.raises(InvalidNameError, match=r"contains .*U\+[0-9A-F]{4}|leading space"):
        layout.validate_name(name, what="patient name")
    with pytest.raises(InvalidNameError):
        layout.parse_upload_key(f"{name}/clip.mp4")
    with pytest.raises(InvalidNameError):
        layout.parse_upload_key(f"maria/{name}.mp4")


@pytest.mark.parametrize(
    "name", ["José", "마리아", "Ann Example", "Zoë-Anne O'Neil", "María 🙂", "Ärzte (2)"]
)
def test_names_in_any_script_with_plain_spaces_still_pass(name: str) -> None:
    assert layout.validate_name(name) == unicodedata.normalize("NFC", name)


@pytest.mark.parametrize("name", NEWLY_REFUSED.values(), ids=NEWLY_REFUSED.keys())
def test_names_already_stored_stay_readable_with_a_warning_without_the_name(
    name: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="voice"):
        assert layout.stored_name(name, what="patient name") == name
    (warning,) = caplog.records
    message = warning.getMessage()
    assert "new uploads may not use" in message
    assert "stays readable" in message
    assert name.strip() not in message, "logs hold no names"


@pytest.mark.parametrize("name", ["..", "a/b", "ma\x01ria", "ma\u202eria", "annotated", "CON", "maria.", ""])
def test_stored_names_still_keep_the_rules_that_make_a_key_safe(name: str) -> None:
    with pytest.raises(InvalidNameError):
        layout.stored_name(name, what="patient name")
