"""What an upload may be before any work is done on it (settings ``max_*``), numpy-free so the
video Lambda checks an event's size before it loads the media stack.

Every stream's length counts: the container's, the video's and the audio's durations are each
checked against ``max_duration_s``, and a stream that runs longer than the video by more than
:func:`duration_slack_s` is refused (a two-second video carrying hours of audio would otherwise
keep Whisper busy for hours). Decoding stops :func:`duration_slack_s` after the longest duration
the file states, whatever its packets say (:mod:`voice.media.frames`, :mod:`voice.media.audio`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from voice.config import Settings, get_settings
from voice.errors import MediaLimitError

__all__ = ["STREAM_SLACK", "STREAM_SLACK_S", "MediaLimits", "duration_slack_s", "span"]

#: How much longer than the video another stream (or the container) may be, and how far past the
#: longest stated duration decoding may run: the larger of 2 s and 2 % (containers round
#: durations, audio tracks end a frame or two after the video; a 3-hour video gets 3.6 minutes).
STREAM_SLACK_S = 2.0
STREAM_SLACK = 0.02


def duration_slack_s(duration_s: float) -> float:
    """The slack allowed around a stated duration of ``duration_s`` seconds."""
    return max(STREAM_SLACK_S, STREAM_SLACK * duration_s)


def span(seconds: float) -> str:
    """A duration as people read it: seconds under two minutes, else minutes."""
    return f"{seconds:.1f} s" if seconds < 120 else f"{seconds / 60:.0f} minutes"


@dataclass(frozen=True)
class MediaLimits:
    """The limits, from the settings; each check raises :class:`MediaLimitError` naming the limit."""

    max_bytes: int
    max_pixels: int
    max_duration_s: float
    max_fps: float

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> MediaLimits:
        s = settings or get_settings()
        return cls(s.max_upload_bytes, s.max_frame_pixels, s.max_duration_s, s.max_fps)

    def check_bytes(self, size: int) -> None:
        if size > self.max_bytes:
            raise MediaLimitError(
                f"the file has {size / 2**30:.2f} GiB; the limit is {self.max_bytes / 2**30:.2f} GiB "
                "(VOICE_MAX_UPLOAD_BYTES). Split the recording or raise the limit."
            )

    def check_stream(self, width: int, height: int, fps: float, duration_s: float) -> None:
        self.check_frames(width, height, fps)
        self.check_duration(duration_s)

    def check_frames(self, width: int, height: int, fps: float) -> None:
        if width * height > self.max_pixels:
            raise MediaLimitError(
                f"the video is {width}×{height} ({width * height / 1e6:.1f} MP a frame); the limit is "
                f"{self.max_pixels / 1e6:.1f} MP (VOICE_MAX_FRAME_PIXELS). Record at 4K or less."
            )
        if fps > self.max_fps:
            raise MediaLimitError(
                f"the video has {fps:.0f} frames per second; the limit is {self.max_fps:.0f} "
                "(VOICE_MAX_FPS). Slow-motion recordings are not supported."
            )

    def check_duration(self, duration_s: float, *, what: str = "video") -> None:
        if duration_s > self.max_duration_s:
            raise MediaLimitError(
                f"the {what} claims {duration_s / 60:.0f} minutes; the limit is "
                f"{self.max_duration_s / 60:.0f} minutes (VOICE_MAX_DURATION_S). Split the recording."
            )

    def check_durations(self, video_s: float, others: Mapping[str, float]) -> None:
        """The video's duration and each other stated one (``"audio track"``, ``"container"``):
        each within the limit, none longer than the video by more than :func:`duration_slack_s`."""
        self.check_duration(video_s)
        for what, seconds in others.items():
            self.check_duration(seconds, what=what)
        for what, seconds in others.items():
            if seconds > video_s + duration_slack_s(video_s):
                raise MediaLimitError(
                    f"the {what} lasts {span(seconds)} but the video only {span(video_s)}; the streams "
                    "of a recording end together. Upload the original recording, or cut the audio "
                    "to the video's length."
                )
