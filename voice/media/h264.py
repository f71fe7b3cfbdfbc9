"""The annotated video's encoder: frames piped into the bundled ffmpeg → H.264 + AAC mp4.

OpenCV's own VideoWriter cannot write H.264 here (only mp4v, which browsers do not play), so
frames are piped raw into ffmpeg, which also copies the source's audio (as it is when it is
already AAC, else re-encoded to AAC) or adds a silent AAC track when the source has none. Output
is bit-exact across runs.
"""

from __future__ import annotations

import collections
import contextlib
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

import numpy as np

from voice.config import Settings
from voice.errors import VoiceError
from voice.media.probe import PROTOCOL_WHITELIST, demuxer_for, ffmpeg_exe
from voice.priority import lowered

__all__ = ["AUDIO_CODEC", "Encoding", "H264Writer", "encoding_of"]

#: The annotated video's audio: the source's, re-encoded (or generated silence).
AUDIO_CODEC = ("-c:a", "aac", "-b:a", "96k")


@dataclass(frozen=True)
class Encoding:
    """x264 settings of the annotated video (docs/performance.md): preset, CRF, and options on
    top of the preset (``x264-params``, e.g. ``deblock=1,0``; empty: the preset's own)."""

    preset: str = "veryfast"
    crf: int = 26
    params: str = ""


def encoding_of(settings: Settings) -> Encoding:
    """The review copy's encoding as the settings name it."""
    return Encoding(settings.x264_preset, settings.x264_crf, settings.x264_params)


class H264Writer:
    """Pipe frames into ffmpeg → H.264 (yuv420p, browser-safe) + AAC mp4 with faststart."""

    def __init__(  # noqa: PLR0913 - keyword-only: each is one property of the output file
        self,
        out_path: Path,
        *,
        size: tuple[int, int],
        fps: float,
        audio_source: Path | None,
        duration_s: float | None,
        encoding: Encoding | None = None,
        video_only: bool = False,
        copy_audio: bool = False,
        nice: int = 0,
    ) -> None:
        width, height = size
        encoding = encoding or Encoding()
        # x264 needs even dimensions for yuv420p.
        self.width, self.height = width - width % 2, height - height % 2
        self.src_width, self.src_height = width, height
        self.out_path = out_path
        # Frames go in as 4:2:0 (OpenCV's BT.601 conversion is ffmpeg's, several times faster, and
        # the pipe carries half the bytes), except over generated silence: there ``-shortest``
        # sometimes let the silence run to the duration a broken container claims when the
        # video needed no conversion (tests/e2e/test_hostile_media.py); BGR keeps it reliable.
        self._i420 = audio_source is not None or video_only
        cmd = [
            ffmpeg_exe(),
            "-hide_banner",
            "-loglevel",
            "error",
            "-y",
            "-f",
            "rawvideo",
            "-pix_fmt",
            "yuv420p" if self._i420 else "bgr24",
            "-s",
            f"{self.width}x{self.height}",
            "-framerate",
            f"{fps:.6f}",
            "-i",
            "-",
        ]
        if video_only:
            # One segment of a longer video (voice.segments.segment_pass): the parts are joined without
            # re-encoding and the audio is added once to the whole (voice.media.concat).
            cmd += ["-map", "0:v:0", "-an"]
        elif audio_source is not None:
            # The same demuxer and protocol rules as PyAV's reads (voice.media.probe.DEMUXERS).
            demuxer = ["-f", demuxer_for(audio_source), "-protocol_whitelist", PROTOCOL_WHITELIST]
            cmd += [*demuxer, "-i", str(audio_source), "-map", "0:v:0", "-map", "1:a:0"]
        else:
            # Generated silence stops with the video, whatever duration the container claims.
            cmd += ["-f", "lavfi", "-i", "anullsrc=r=44100:cl=mono", "-map", "0:v:0", "-map", "1:a:0"]
            cmd += ["-shortest"]
        if duration_s is not None:
            cmd += ["-t", f"{duration_s:.3f}"]
        cmd += [
            "-c:v",
            "libx264",
            "-preset",
            encoding.preset,
            "-crf",
            str(encoding.crf),
            *(["-x264-params", encoding.params] if encoding.params else []),
            "-pix_fmt",
            "yuv420p",
            *([] if video_only else ("-c:a", "copy") if copy_audio and audio_source else AUDIO_CODEC),
            "-map_metadata",
            "-1",
            "-fflags",
            "+bitexact",
            "-flags:v",
            "+bitexact",
            "-flags:a",
            "+bitexact",
            "-movflags",
            "+faststart",
            str(out_path),
        ]
        # ``nice`` steps below the caller (voice.priority): the pass's critical path is pose.
        self._proc = lowered(
            nice, lambda: subprocess.Popen(cmd, stdin=subprocess.PIPE, stderr=subprocess.PIPE)
        )
        # Drain stderr as it comes: a full pipe (64 KiB of messages) would block ffmpeg, and us.
        self._errors: collections.deque[str] = collections.deque(maxlen=20)
        self._drain = threading.Thread(target=self._read_errors, name="voice-ffmpeg-stderr", daemon=True)
        self._drain.start()
        self.frames = 0
        self._ended = False  # the encoder stopped at ``duration_s`` (frames past it are dropped)

    def _read_errors(self) -> None:
        assert self._proc.stderr is not None
        with contextlib.suppress(ValueError, OSError):  # the pipe closed under us: the process is gone
            for line in self._proc.stderr:
                self._errors.append(line.decode(errors="replace").strip())

    def write(self, bgr: np.ndarray) -> None:
        """Encode one BGR frame."""
        import cv2

        if bgr.shape[0] != self.height or bgr.shape[1] != self.width:
            bgr = bgr[: self.height, : self.width]
        frame = np.ascontiguousarray(bgr)
        self._send(cv2.cvtColor(frame, cv2.COLOR_BGR2YUV_I420) if self._i420 else frame)

    def write_i420(self, i420: np.ndarray) -> None:
        """Encode one frame given as its 4:2:0 planes ((height × 3/2, width) bytes, this video's
        size): as they are, or converted to BGR where the encoder takes BGR (generated silence)."""
        import cv2

        if i420.shape != (self.height * 3 // 2, self.width):
            raise ValueError(f"planes of shape {i420.shape} for a {self.width}×{self.height} video")
        self._send(np.ascontiguousarray(i420) if self._i420 else cv2.cvtColor(i420, cv2.COLOR_YUV2BGR_I420))

    def _send(self, picture: np.ndarray) -> None:
        if self._ended:
            return
        assert self._proc.stdin is not None
        try:
            self._proc.stdin.write(picture.data)
        except BrokenPipeError as exc:
            if self._finished():  # it reached ``duration_s``: frames after it are not part of the video
                self._ended = True
                return
            raise VoiceError(f"video encoder stopped: {self._stderr()}", stage="annotate") from exc
        self.frames += 1

    def _finished(self) -> bool:
        """Whether the encoder ended by itself, successfully (it stops at ``duration_s``)."""
        try:
            return self._proc.wait(timeout=5) == 0
        except subprocess.TimeoutExpired:
            return False

    def _stderr(self) -> str:
        self._drain.join(timeout=5)
        lines = [line for line in self._errors if line]
        return lines[-1] if lines else "no message"

    def close(self) -> None:
        assert self._proc.stdin is not None
        with contextlib.suppress(BrokenPipeError):  # the encoder already ended (at ``duration_s``)
            self._proc.stdin.close()
        code = self._proc.wait()
        self._drain.join(timeout=5)
        if code != 0:
            raise VoiceError(f"video encoder failed ({code}): {self._stderr()}", stage="annotate")

    def abort(self) -> None:
        self._proc.kill()
        self._proc.wait()
        self._drain.join(timeout=5)

    def __enter__(self) -> H264Writer:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()
