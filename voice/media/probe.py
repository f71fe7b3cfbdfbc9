"""Video I/O: open an upload safely, probe it against the limits (frames: :mod:`voice.media.frames`).

Everything streams: a video is never held in memory whole. PyAV (installed with faster-whisper)
does the decoding; the ffmpeg binary that ``imageio-ffmpeg`` bundles does the encoding.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from pathlib import Path
from typing import Any

from voice.errors import CorruptMediaError, MediaLimitError, NoVideoStreamError, UnsupportedFormatError
from voice.media.limits import MediaLimits, duration_slack_s, span
from voice.records.session import VideoRecord

__all__ = [
    "DEMUXERS",
    "PROTOCOL_WHITELIST",
    "VideoInfo",
    "creation_time",
    "demuxer_for",
    "ffmpeg_exe",
    "open_container",
    "probe",
    "rotation_of",
]

log = logging.getLogger("voice")


@dataclass(frozen=True)
class VideoInfo:
    duration_s: float
    fps: float
    width: int
    height: int
    frame_count: int
    has_audio: bool
    codec: str
    rotation: int = 0  # display rotation (phone videos); width/height are those after it
    audio_codec: str = ""  # the first audio stream's codec ("" without audio)
    #: When the container says it was recorded (ISO 8601 with offset), None when it does not.
    created_at: str | None = None
    longest_s: float = 0.0  # the longest duration the file states (container, video, audio)

    @property
    def claimed_s(self) -> float:
        """The longest duration the file states (at least the video's): limits and budgets use it."""
        return max(self.duration_s, self.longest_s)

    @property
    def decode_until_s(self) -> float:
        """Decoding stops here, whatever the packets say (:mod:`voice.media.limits`)."""
        return self.claimed_s + duration_slack_s(self.claimed_s)

    def record(self) -> VideoRecord:
        """The video in the session metadata (times and rate to the millisecond)."""
        return VideoRecord(
            duration_s=round(self.duration_s, 3),
            fps=round(self.fps, 3),
            width=self.width,
            height=self.height,
            has_audio=self.has_audio,
        )


def ffmpeg_exe() -> str:
    import imageio_ffmpeg

    return str(imageio_ffmpeg.get_ffmpeg_exe())


#: The only demuxer each upload extension may be opened with. libav never sniffs the format: a
#: DASH/HLS manifest or an ffconcat list saved as ``.mp4`` could make it open other local files.
DEMUXERS: dict[str, str] = {
    "mp4": "mov",
    "mov": "mov",
    "mkv": "matroska",
    "webm": "matroska",
    "avi": "avi",
    "flv": "flv",
}
#: Inputs may be read from local files only (no http, no data:, no concat of other protocols).
PROTOCOL_WHITELIST = "file"


def demuxer_for(path: Path) -> str:
    """The demuxer the file's extension allows (any letter case); others are unsupported."""
    ext = path.suffix.lower().lstrip(".")
    if ext not in DEMUXERS:
        raise UnsupportedFormatError(
            f"extension {ext or '(none)'!r} is not supported; use one of {', '.join(DEMUXERS)} (any case)."
        )
    return DEMUXERS[ext]


def open_container(path: Path) -> Any:
    """Open ``path`` with the demuxer its extension allows, local files only."""
    import av

    if not path.exists():
        raise CorruptMediaError(f"file {path.name!r} does not exist.")
    if path.stat().st_size == 0:
        raise CorruptMediaError("the file is empty (0 bytes); upload the complete video again.")
    fmt = demuxer_for(path)
    try:
        container = av.open(str(path), format=fmt, options={"protocol_whitelist": PROTOCOL_WHITELIST})
    except (av.error.FFmpegError, UnicodeDecodeError, ValueError, OSError) as exc:
        raise CorruptMediaError(
            f"the file cannot be read as a {fmt} video ({type(exc).__name__}); it may be truncated or "
            "not a video at all. Upload the complete original file."
        ) from exc
    if str(container.format.name).split(",")[0] != fmt:
        container.close()
        raise CorruptMediaError(f"the file did not open as a {fmt} container; upload the original file.")
    return container


def _seconds(value: Any, unit: float) -> float | None:
    """A stated duration in seconds; None when missing or absurd (not a positive finite number)."""
    if value is None:
        return None
    seconds = float(value) * unit
    return seconds if math.isfinite(seconds) and seconds > 0 else None


def _stated_durations(container: Any, stream: Any) -> dict[str, float]:
    """What the file states: the video stream's, the first audio track's and the container's
    durations (those that are missing or absurd are left out)."""
    stated: dict[str, float | None] = {"video": _seconds(stream.duration, float(stream.time_base or 0))}
    if container.streams.audio:
        audio = container.streams.audio[0]
        stated["audio track"] = _seconds(audio.duration, float(audio.time_base or 0))
    stated["container"] = _seconds(container.duration, 1e-6)
    return {what: s for what, s in stated.items() if s is not None}


def _measured_duration(path: Path, limits: MediaLimits) -> float:
    """The duration of a file that states none, from its packets' timestamps (demuxed, not
    decoded); a file that runs past the limit is refused as soon as it does."""
    import av

    container = open_container(path)
    end = 0.0
    try:
        for packet in container.demux():
            if packet.pts is None or packet.time_base is None:
                continue
            end = max(end, float((packet.pts + (packet.duration or 0)) * packet.time_base))
            if end > limits.max_duration_s:
                raise MediaLimitError(
                    f"the file states no duration and runs {span(end)} or more; the limit is "
                    f"{span(limits.max_duration_s)} (VOICE_MAX_DURATION_S). Split the recording."
                )
    except av.error.FFmpegError as exc:
        raise CorruptMediaError(
            f"the file states no duration and cannot be read through ({type(exc).__name__}); "
            "upload the complete original file."
        ) from exc
    finally:
        container.close()
    return end


def _durations(path: Path, container: Any, stream: Any, limits: MediaLimits) -> tuple[float, float]:
    """(the video's duration, the longest stated), each stated one checked against the limits; a
    file that states none is measured."""
    stated = _stated_durations(container, stream)
    if not stated:
        stated = {"container": _measured_duration(path, limits)}
    video = stated.pop("video", None) or stated.get("container") or max(stated.values())
    limits.check_durations(video, stated)
    return video, max([video, *stated.values()])


def probe(path: Path, limits: MediaLimits | None = None) -> VideoInfo:
    """Container facts, checked against ``limits`` (default: the settings') before any decoding.

    Raises CorruptMediaError / NoVideoStreamError / MediaLimitError / UnsupportedFormatError.
    """
    limits = limits or MediaLimits.from_settings()
    if path.exists():
        limits.check_bytes(path.stat().st_size)
    container = open_container(path)
    try:
        if not container.streams.video:
            raise NoVideoStreamError(
                "the file has no video stream (audio only?); VOICE needs a video of the person."
            )
        stream = container.streams.video[0]
        ctx = stream.codec_context
        width, height = int(ctx.width or 0), int(ctx.height or 0)
        fps = float(stream.average_rate or stream.guessed_rate or Fraction(25))
        limits.check_frames(width, height, fps)
        duration, longest = _durations(path, container, stream, limits)
        frames = int(stream.frames or round(duration * fps))
        rotation = _first_frame_rotation(container, stream)
        if rotation in (90, 270):
            width, height = height, width
        if width <= 0 or height <= 0 or fps <= 0 or duration <= 0:
            raise CorruptMediaError(
                "the video stream has no usable size, frame rate or duration; the file may be truncated."
            )
        return VideoInfo(
            duration_s=duration,
            fps=fps,
            width=width,
            height=height,
            frame_count=frames,
            has_audio=bool(container.streams.audio),
            codec=str(ctx.name),
            rotation=rotation,
            audio_codec=str(container.streams.audio[0].codec_context.name) if container.streams.audio else "",
            created_at=creation_time(container, stream),
            longest_s=longest,
        )
    finally:
        container.close()


#: Container tags that say when a video was recorded, most telling first: Apple's local time with
#: its offset, then the ISO BMFF/Matroska creation time (UTC).
_CREATION_TAGS = ("com.apple.quicktime.creationdate", "creation_time", "date")
#: Earlier "creation times" are a zero a tool wrote (1904, 1970), not a recording.
_EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)


def _parse_time(text: str) -> datetime | None:
    try:
        when = datetime.fromisoformat(text.strip().replace(" ", "T", 1))
    except ValueError:
        return None
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def creation_time(container: Any, stream: Any) -> str | None:
    """When the video was recorded as its container says (phones write it), ISO 8601 with the
    offset it was written with; None when no tag holds a plausible time (not before 1990, not
    after now)."""
    latest = datetime.now(UTC) + timedelta(days=1)
    for tags in (dict(container.metadata or {}), dict(stream.metadata or {})):
        for name in _CREATION_TAGS:
            when = _parse_time(str(tags.get(name, "")))
            if when is not None and _EARLIEST <= when <= latest:
                return when.isoformat()
    return None


def rotation_of(frame: Any) -> int:
    """Counter-clockwise display rotation in degrees (0, 90, 180, 270) from the frame's display matrix."""
    return round(float(getattr(frame, "rotation", 0) or 0) / 90.0) % 4 * 90


def _first_frame_rotation(container: Any, stream: Any) -> int:
    import av

    try:
        for frame in container.decode(stream):
            return rotation_of(frame)
    except (av.error.FFmpegError, ValueError) as exc:
        raise CorruptMediaError(
            f"no frame of the video can be decoded ({type(exc).__name__}); upload the original file."
        ) from exc
    raise CorruptMediaError("the video stream holds no frame; upload the complete original file.")
