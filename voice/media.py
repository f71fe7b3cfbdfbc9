"""Media I/O: open and probe a file, decode its audio for Whisper (frames: :mod:`voice.frames`).

Everything streams: a video is never held in memory whole. PyAV (installed with faster-whisper)
does the decoding; the ffmpeg binary that ``imageio-ffmpeg`` bundles does the encoding.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from voice.errors import CorruptMediaError, NoVideoStreamError

__all__ = [
    "VideoInfo",
    "decode_audio",
    "ffmpeg_exe",
    "iter_audio_chunks",
    "open_container",
    "probe",
    "rotation_of",
]

log = logging.getLogger("voice")

WHISPER_RATE = 16_000


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

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        return {
            "duration_s": round(d["duration_s"], 3),
            "fps": round(d["fps"], 3),
            "width": d["width"],
            "height": d["height"],
            "has_audio": d["has_audio"],
        }


def ffmpeg_exe() -> str:
    import imageio_ffmpeg

    return str(imageio_ffmpeg.get_ffmpeg_exe())


def open_container(path: Path) -> Any:
    import av

    if not path.exists():
        raise CorruptMediaError(f"file {path.name!r} does not exist.")
    if path.stat().st_size == 0:
        raise CorruptMediaError("the file is empty (0 bytes); upload the complete video again.")
    try:
        return av.open(str(path))
    except (av.error.FFmpegError, UnicodeDecodeError, ValueError) as exc:
        raise CorruptMediaError(
            f"the file cannot be read as a video ({type(exc).__name__}); it may be truncated or "
            "not a video at all. Upload the complete original file."
        ) from exc


def probe(path: Path) -> VideoInfo:
    """Container facts, without decoding. Raises CorruptMediaError / NoVideoStreamError."""
    container = open_container(path)
    try:
        if not container.streams.video:
            raise NoVideoStreamError(
                "the file has no video stream (audio only?); VOICE needs a video of the person."
            )
        stream = container.streams.video[0]
        ctx = stream.codec_context
        width, height = int(ctx.width or 0), int(ctx.height or 0)
        rate = stream.average_rate or stream.guessed_rate or Fraction(25)
        fps = float(rate)
        if stream.duration is not None and stream.time_base is not None:
            duration = float(stream.duration * stream.time_base)
        elif container.duration is not None:
            duration = container.duration / 1_000_000
        else:
            duration = 0.0
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
        )
    finally:
        container.close()


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


def decode_audio(path: Path) -> np.ndarray:
    """The first audio stream as 16 kHz mono float32 in [-1, 1] (empty if there is none).

    Decoded in memory with PyAV: no temporary WAV. 60 s of audio is 3.8 MB.
    """
    import av

    container = open_container(path)
    try:
        if not container.streams.audio:
            return np.zeros(0, dtype=np.float32)
        resampler = av.AudioResampler(format="s16", layout="mono", rate=WHISPER_RATE)
        chunks: list[np.ndarray] = []
        try:
            for frame in container.decode(container.streams.audio[0]):
                for out in resampler.resample(frame):
                    chunks.append(out.to_ndarray().reshape(-1))
            for out in resampler.resample(None):
                chunks.append(out.to_ndarray().reshape(-1))
        except (av.error.FFmpegError, ValueError) as exc:
            raise CorruptMediaError(
                f"the audio track cannot be decoded ({type(exc).__name__}); the file may be damaged."
            ) from exc
        if not chunks:
            return np.zeros(0, dtype=np.float32)
        return (np.concatenate(chunks).astype(np.float32) / 32768.0).astype(np.float32)
    finally:
        container.close()


def _quietest_cut(pcm: np.ndarray, lo: int, hi: int, hop: int) -> int:
    """The start of the quietest ``hop``-sample frame in ``pcm[lo:hi]`` (a pause between words)."""
    span = pcm[lo:hi].astype(np.float32)
    n = span.size // hop
    if n == 0:
        return hi
    energy = np.square(span[: n * hop].reshape(n, hop)).mean(axis=1)
    return lo + int(np.argmin(energy)) * hop


def iter_audio_chunks(
    path: Path, *, chunk_s: float = 60.0, search_s: float = 8.0
) -> Iterator[tuple[float, np.ndarray]]:
    """The first audio stream as (offset seconds, 16 kHz mono float32) chunks of about ``chunk_s``.

    Each cut is placed at the quietest 50 ms in the last ``search_s`` seconds of the chunk (a
    pause, so no word is split), and memory stays that of one chunk whatever the video's length:
    Whisper's features of a whole 10-minute track alone take ~200 MB.
    """
    import av

    container = open_container(path)
    try:
        if not container.streams.audio:
            return
        resampler = av.AudioResampler(format="s16", layout="mono", rate=WHISPER_RATE)
        size, lo = int(chunk_s * WHISPER_RATE), int((chunk_s - search_s) * WHISPER_RATE)
        hop = WHISPER_RATE // 20
        pending: list[np.ndarray] = []
        held = 0
        offset = 0

        def frames() -> Iterator[np.ndarray]:
            try:
                for frame in container.decode(container.streams.audio[0]):
                    for out in resampler.resample(frame):
                        yield out.to_ndarray().reshape(-1)
                for out in resampler.resample(None):
                    yield out.to_ndarray().reshape(-1)
            except (av.error.FFmpegError, ValueError) as exc:
                raise CorruptMediaError(
                    f"the audio track cannot be decoded ({type(exc).__name__}); the file may be damaged."
                ) from exc

        for pcm in frames():
            pending.append(pcm)
            held += pcm.size
            if held >= size:
                buf = np.concatenate(pending)
                cut = _quietest_cut(buf, lo, size, hop)
                yield offset / WHISPER_RATE, buf[:cut].astype(np.float32) / 32768.0
                offset += cut
                pending, held = [buf[cut:]], buf.size - cut
        if held:
            yield offset / WHISPER_RATE, np.concatenate(pending).astype(np.float32) / 32768.0
    finally:
        container.close()
