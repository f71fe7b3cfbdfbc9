"""The bad-input makers of ``tests/support/media.py`` make what they say."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.support import media
from voice.config import VIDEO_EXTENSIONS
from voice.media.audio import decode_audio


def _rms(path: Path) -> float:
    audio = decode_audio(path)
    return float(np.sqrt(np.mean(audio**2))) if len(audio) else 0.0


def test_zero_byte(tmp_path: Path) -> None:
    assert media.zero_byte(tmp_path).stat().st_size == 0


@pytest.mark.parametrize("make", [media.truncated, media.not_a_video], ids=["truncated", "text"])
def test_unreadable_files_cannot_be_opened(tmp_path: Path, make: Any) -> None:
    import av

    path = make(tmp_path)
    assert path.suffix == ".mp4"
    assert path.stat().st_size > 0
    with pytest.raises(av.error.FFmpegError):
        media.stream_kinds(path)


def test_truncated_keeps_about_a_third_of_the_bytes(tmp_path: Path) -> None:
    path = media.truncated(tmp_path)
    assert 0.25 < path.stat().st_size / media.sample().stat().st_size < 0.35


def test_truncated_with_index_first_opens_but_is_short(tmp_path: Path) -> None:
    path = media.truncated(tmp_path, index_first=True)
    assert media.stream_kinds(path) == ["video", "audio"]


def test_png_as_mp4_is_an_image_not_a_video(tmp_path: Path) -> None:
    path = media.not_a_video(tmp_path, kind="png")
    assert path.read_bytes().startswith(b"\x89PNG")


def test_audio_only_has_narration_and_no_video(tmp_path: Path) -> None:
    path = media.audio_only(tmp_path)
    assert media.stream_kinds(path) == ["audio"]
    assert _rms(path) > 0.01


def test_video_no_audio_has_no_audio_stream(tmp_path: Path) -> None:
    assert media.stream_kinds(media.video_no_audio(tmp_path)) == ["video"]


def test_no_person_is_a_pattern_over_narration(tmp_path: Path) -> None:
    import cv2

    path = media.no_person(tmp_path)
    assert media.stream_kinds(path) == ["video", "audio"]
    assert _rms(path) > 0.01
    cap = cv2.VideoCapture(str(path))
    ok, frame = cap.read()
    cap.release()
    assert ok
    assert frame.shape == (360, 480, 3)


def test_silence_is_silent(tmp_path: Path) -> None:
    path = media.silence(tmp_path)
    assert media.stream_kinds(path) == ["video", "audio"]
    assert _rms(path) < 1e-4


def test_music_only_is_loud_tones(tmp_path: Path) -> None:
    path = media.music_only(tmp_path)
    assert media.stream_kinds(path) == ["video", "audio"]
    assert _rms(path) > 0.05


@pytest.mark.parametrize("ext", ["txt", "gif"])
def test_unsupported_extension_is_a_valid_video(tmp_path: Path, ext: str) -> None:
    path = media.unsupported_extension(tmp_path, ext)
    assert path.suffix == f".{ext}"
    assert ext not in VIDEO_EXTENSIONS
    assert media.stream_kinds(path) == ["video", "audio"]


def test_long_narrated_video_has_the_asked_length_size_and_events(tmp_path: Path) -> None:
    import cv2

    path = media.long_narrated_video(tmp_path / "long.mp4", 12, 320, 240, preset="ultrafast")
    cap = cv2.VideoCapture(str(path))
    frames, fps = cap.get(cv2.CAP_PROP_FRAME_COUNT), cap.get(cv2.CAP_PROP_FPS)
    size = (cap.get(cv2.CAP_PROP_FRAME_WIDTH), cap.get(cv2.CAP_PROP_FRAME_HEIGHT))
    cap.release()
    assert size == (320, 240)
    assert frames / fps == pytest.approx(12, abs=0.1)
    events = media.long_video_events(12)
    assert [e["keyword"] for e in events] == ["happy", "cheerful"]
    assert all(0 < e["time_s"] < 12 for e in events)
