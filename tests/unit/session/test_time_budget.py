"""The time budget: a video that cannot finish in the time left is refused before any work."""

from __future__ import annotations

import pytest

from voice.config import Settings
from voice.errors import VideoTooLongError, VoiceError
from voice.session.time_budget import check_time_budget, longest_video_s

SETTINGS = Settings(budget_rtf=0.5, budget_rtf_per_mpx_s=0.0, budget_fixed_s=60.0)


def test_the_longest_video_is_the_time_left_less_the_fixed_cost_over_the_rtf() -> None:
    assert longest_video_s(900.0, SETTINGS) == pytest.approx(1680.0)  # (900 − 60) / 0.5 = 28 min
    assert longest_video_s(30.0, SETTINGS) == 0.0


def test_a_video_that_fits_passes() -> None:
    check_time_budget(1680.0, 900.0, SETTINGS)


def test_a_video_too_long_fails_with_the_limit_and_what_to_do() -> None:
    with pytest.raises(VideoTooLongError) as info:
        check_time_budget(1700.0, 900.0, SETTINGS)
    assert isinstance(info.value, VoiceError)
    assert info.value.stage == "validate"
    message = str(info.value)
    assert "28.3 minutes long" in message
    assert "at most 28.0 minutes" in message
    assert "parts of at most 28 minutes" in message


def test_more_pixels_per_second_leave_room_for_a_shorter_video() -> None:
    settings = Settings(budget_rtf=0.2, budget_rtf_per_mpx_s=0.003, budget_fixed_s=60.0)
    small = longest_video_s(900.0, settings, 640 * 480 * 25 / 1e6)
    iphone = longest_video_s(900.0, settings, 1920 * 1080 * 60 / 1e6)
    uhd = longest_video_s(900.0, settings, 3840 * 2160 * 30 / 1e6)
    assert small > iphone > uhd
    assert uhd == pytest.approx(840 / (0.2 + 0.003 * 248.832))
    check_time_budget(600.0, 900.0, settings, mpx_per_s=3840 * 2160 * 30 / 1e6)
    with pytest.raises(VideoTooLongError):
        check_time_budget(1000.0, 900.0, settings, mpx_per_s=3840 * 2160 * 30 / 1e6)
