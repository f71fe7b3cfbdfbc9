"""Will a video finish in the time a run has? Checked before any work starts.

A Lambda invocation stops at its timeout whatever it is doing: a video too long for it would time
out on every retry and end in the dead-letter queue without a word. Instead, once the video is
probed, its duration × a conservative real-time factor plus the fixed cost of a run
(``settings.budget_fixed_s``) is compared with the time left; a video that cannot make it fails
at once with :class:`~voice.errors.VideoTooLongError` and its failure record.

The real-time factor grows with the pixels decoded per second: measured CPU per video-minute is
close to a line in width × height × fps (docs/cloud.md, "Sizing the video Lambda"), so
``rtf = budget_rtf + budget_rtf_per_mpx_s × megapixels per second``.
"""

from __future__ import annotations

from voice.config import Settings
from voice.errors import VideoTooLongError

__all__ = ["budget_rtf", "check_time_budget", "longest_video_s"]


def budget_rtf(settings: Settings, mpx_per_s: float = 0.0) -> float:
    """The conservative real-time factor of a video of ``mpx_per_s`` megapixels per second."""
    return settings.budget_rtf + settings.budget_rtf_per_mpx_s * mpx_per_s


def longest_video_s(remaining_s: float, settings: Settings, mpx_per_s: float = 0.0) -> float:
    """The longest video (seconds) that fits in ``remaining_s`` seconds of run time."""
    return max(0.0, (remaining_s - settings.budget_fixed_s) / budget_rtf(settings, mpx_per_s))


def check_time_budget(
    duration_s: float, remaining_s: float, settings: Settings, *, mpx_per_s: float = 0.0
) -> None:
    """Raise VideoTooLongError when a ``duration_s`` video cannot finish in ``remaining_s``."""
    limit = longest_video_s(remaining_s, settings, mpx_per_s)
    if duration_s > limit:
        raise VideoTooLongError(
            f"the video is {duration_s / 60:.1f} minutes long; one run can process at most "
            f"{limit / 60:.1f} minutes. Split the recording into parts of at most "
            f"{int(limit // 60)} minutes and upload them separately."
        )
