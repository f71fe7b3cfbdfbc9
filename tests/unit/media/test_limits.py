"""What an upload may be: each limit from the settings, checked before any work, its error naming the
setting and what to do."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from voice.config import Settings
from voice.errors import MediaLimitError, VoiceError
from voice.media.limits import MediaLimits

LIMITS = MediaLimits.from_settings(
    Settings(max_upload_bytes=2 * 2**30, max_frame_pixels=3840 * 2160, max_duration_s=3600, max_fps=120)
)


def test_the_limits_come_from_the_settings() -> None:
    assert MediaLimits(2 * 2**30, 3840 * 2160, 3600.0, 120.0) == LIMITS


def test_uploads_within_every_limit_pass() -> None:
    LIMITS.check_bytes(2 * 2**30)
    LIMITS.check_stream(3840, 2160, 120.0, 3600.0)
    LIMITS.check_stream(1080, 1920, 60.0, 30.0)  # portrait as a phone stores it


@pytest.mark.parametrize(
    ("check", "names"),
    [
        (lambda: LIMITS.check_bytes(2 * 2**30 + 1), ["2.00 GiB", "VOICE_MAX_UPLOAD_BYTES", "Split"]),
        (lambda: LIMITS.check_stream(7680, 4320, 30, 10), ["7680×4320", "VOICE_MAX_FRAME_PIXELS", "4K"]),
        (lambda: LIMITS.check_stream(1280, 720, 240, 10), ["240 frames per second", "VOICE_MAX_FPS"]),
        (lambda: LIMITS.check_stream(1280, 720, 30, 3660), ["61 minutes", "VOICE_MAX_DURATION_S"]),
    ],
    ids=["bytes", "pixels", "fps", "duration"],
)
def test_each_limit_is_a_media_error_that_names_its_setting(
    check: Callable[[], None], names: list[str]
) -> None:
    with pytest.raises(MediaLimitError) as caught:
        check()
    assert isinstance(caught.value, VoiceError)
    for name in names:
        assert name in str(caught.value)


def test_the_first_limit_broken_is_the_one_reported() -> None:
    with pytest.raises(MediaLimitError, match="MP a frame"):
        LIMITS.check_stream(7680, 4320, 240, 7200)
