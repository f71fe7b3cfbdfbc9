"""What an upload may be before any work is done on it (settings ``max_*``), numpy-free so the
video Lambda checks an event's size before it loads the media stack."""

from __future__ import annotations

from dataclasses import dataclass

from voice.config import Settings, get_settings
from voice.errors import MediaLimitError

__all__ = ["MediaLimits"]


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
        if duration_s > self.max_duration_s:
            raise MediaLimitError(
                f"the video claims {duration_s / 60:.0f} minutes; the limit is "
                f"{self.max_duration_s / 60:.0f} minutes (VOICE_MAX_DURATION_S). Split the recording."
            )
