"""Whether a key stays inside its bucket's folder, by the path rules of each system (no disk)."""

from __future__ import annotations

import ntpath
import posixpath

import pytest

from voice.storage import key_inside

WINDOWS_BASE = "D:\\voice-data\\videos"


@pytest.mark.parametrize(
    "key", ["maria/clip.mp4", "maria\\clip.mp4", "annotated/maria/x/frame.jpg", "a/../b"]
)
def test_keys_inside_the_folder_pass_on_windows(key: str) -> None:
    assert key_inside(WINDOWS_BASE, key, ntpath)


@pytest.mark.parametrize(
    "key",
    [
        "C:",  # a patient called "C:" would be the current folder of drive C
        "C:x",
        "C:\\Windows\\x",
        "..\\outside",
        "maria\\..\\..\\outside",
        "\\\\server\\share\\x",
        "/outside",
        "maria/..",
        "",
    ],
)
def test_keys_that_leave_the_folder_on_windows_are_caught(key: str) -> None:
    assert not key_inside(WINDOWS_BASE, key, ntpath)


@pytest.mark.parametrize("base", ["/srv/voice-data/videos", "voice-data/videos", "../data/videos"])
def test_on_posix_only_dot_dot_and_absolute_keys_leave(base: str) -> None:
    assert key_inside(base, "maria/clip.mp4", posixpath)
    assert key_inside(base, "C:x", posixpath), "a file name here (names refuse ':' anyway)"
    assert key_inside(base, "maria\\..\\..\\x", posixpath), "a backslash is a character here"
    assert not key_inside(base, "../x", posixpath)
    assert not key_inside(base, "maria/../../x", posixpath)
    assert not key_inside(base, "/etc/passwd", posixpath)
