"""What an upload may be: each limit from the settings, checked before any work, its error naming the
setting and what to do."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from voice.config import Settings
from voice.errors import MediaLimitError, VoiceError
from voice.media.limits import MediaLimits, duration_slack_s

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


def test_every_stated_duration_counts_against_the_limit() -> None:
    LIMITS.check_durations(30.0, {"audio track": 30.5, "container": 30.5})
    with pytest.raises(MediaLimitError, match="the audio track claims 61 minutes"):
        LIMITS.check_durations(30.0, {"audio track": 3660.0})
    with pytest.raises(MediaLimitError, match="the container claims 61 minutes"):
        LIMITS.check_durations(3000.0, {"container": 3660.0})


def test_a_stream_longer_than_the_video_by_more_than_the_slack_is_refused() -> None:
    assert duration_slack_s(10.0) == 2.0
    assert duration_slack_s(3600.0) == pytest.approx(72.0), "2 % of long videos"
    LIMITS.check_durations(2.0, {"audio track": 4.0})
    with pytest.raises(MediaLimitError, match=r"audio track lasts 4\.1 s but the video only 2\.0 s"):
        LIMITS.check_durations(2.0, {"audio track": 4.1})
    with pytest.raises(MediaLimitError, match=r"lasts 50 minutes but the video only 2\.0 s"):
        LIMITS.check_durations(2.0, {"audio track": 3000.0})
    LIMITS.check_durations(60.0, {"audio track": 1.0})  # a shorter audio track is no risk
