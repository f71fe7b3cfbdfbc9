"""The annotated video: overlays drawn with OpenCV, encoded to H.264 + AAC by the bundled ffmpeg.

OpenCV's own VideoWriter cannot write H.264 here (only mp4v, which browsers do not play), so
frames are piped raw into ffmpeg, which also copies the source's audio (re-encoded to AAC) or
adds a silent AAC track when the source has none. Output is bit-exact across runs.
"""

from __future__ import annotations

import collections
import contextlib
import functools
import subprocess
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

import numpy as np

from voice.body25 import PoseFrame
from voice.errors import VoiceError
from voice.media import PROTOCOL_WHITELIST, demuxer_for, ffmpeg_exe
from voice.transcript import Segment

__all__ = [
    "EMOTION_COLOURS",
    "NOT_FOUND",
    "SKELETON",
    "Encoding",
    "H264Writer",
    "Overlay",
    "draw_overlay",
    "webvtt",
]

#: BODY_25 limbs to draw (pairs of slots).
SKELETON: tuple[tuple[int, int], ...] = (
    (0, 1), (1, 2), (2, 3), (3, 4), (1, 5), (5, 6), (6, 7), (1, 8), (8, 9), (9, 10), (10, 11),
    (8, 12), (12, 13), (13, 14), (0, 15), (15, 17), (0, 16), (16, 18), (14, 19), (14, 21),
    (11, 22), (11, 24),
)  # fmt: skip

#: BGR colours per emotion.
EMOTION_COLOURS: dict[str, tuple[int, int, int]] = {
    "happiness": (0, 200, 255),
    "sadness": (255, 120, 0),
    "anger": (0, 0, 230),
    "surprise": (200, 0, 200),
    "neutral": (180, 180, 180),
}

MIN_CONFIDENCE = 0.3


@dataclass(frozen=True)
class Overlay:
    """What to draw on one frame."""

    caption: str = ""
    label: str = ""
    label_emotion: str = ""
    predicted: str = ""


def _ascii(text: str) -> str:
    # Hershey fonts draw ASCII only.
    return text.encode("ascii", "replace").decode()


def _wrap(text: str, fits: Callable[[str], bool], max_lines: int = 3) -> list[str]:
    """Greedy word wrap by measured width; the first ``max_lines`` lines, the last one ellipsised."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        candidate = f"{line} {word}".strip()
        if line and not fits(candidate):
            lines.append(line)
            line = word
        else:
            line = candidate
    if line:
        lines.append(line)
    if len(lines) > max_lines:
        lines = [*lines[: max_lines - 1], lines[max_lines - 1] + " ..."]
    return lines


def draw_overlay(bgr: np.ndarray, pose: PoseFrame | None, overlay: Overlay) -> np.ndarray:
    """Draw skeleton, emotion label and narration caption onto ``bgr`` (in place) and return it."""
    import cv2

    h, w = bgr.shape[:2]
    unit = max(h, w) / 640.0
    thick = max(1, round(2 * unit))
    if pose is not None and pose.keypoints is not None:
        sx = w / pose.width if pose.width else 1.0
        sy = h / pose.height if pose.height else 1.0
        pts = pose.keypoints
        colour = EMOTION_COLOURS.get(overlay.label_emotion, (0, 255, 0))
        for a, b in SKELETON:
            if pts[a, 2] >= MIN_CONFIDENCE and pts[b, 2] >= MIN_CONFIDENCE:
                pa = (round(pts[a, 0] * sx), round(pts[a, 1] * sy))
                pb = (round(pts[b, 0] * sx), round(pts[b, 1] * sy))
                cv2.line(bgr, pa, pb, colour, thick, cv2.LINE_AA)
        for x, y, c in pts:
            if c >= MIN_CONFIDENCE:
                cv2.circle(bgr, (round(x * sx), round(y * sy)), thick + 1, (255, 255, 255), -1, cv2.LINE_AA)
    pad = round(8 * unit)
    y = pad
    for text, emotion in ((overlay.label, overlay.label_emotion), (overlay.predicted, "")):
        if text:
            patch = _label_patch(text, EMOTION_COLOURS.get(emotion, (255, 255, 255)), unit)
            ph, pw = patch.shape[:2]
            bgr[y : y + ph, pad : pad + pw] = patch[: max(0, h - y), : max(0, w - pad)]
            y += ph + pad
    if overlay.caption:
        patch = _caption_patch(overlay.caption, w, unit)
        bgr[h - patch.shape[0] :, :] = patch[-h:]
    if pose is not None and pose.keypoints is None:
        _mark_not_found(bgr, unit)
    return bgr


#: The marker of a frame where pose was sampled but the patient was not found.
NOT_FOUND = "patient not found"


def _mark_not_found(bgr: np.ndarray, unit: float) -> None:
    """A small text box in the top right corner, so a missing skeleton is never a silent gap."""
    patch = _label_patch(NOT_FOUND, (90, 90, 255), unit * 0.75)
    h, w = bgr.shape[:2]
    pad = round(8 * unit)
    ph, pw = min(patch.shape[0], max(0, h - pad)), min(patch.shape[1], max(0, w - pad))
    bgr[pad : pad + ph, w - pad - pw : w - pad] = patch[:ph, :pw]


# Text is the costly part of an overlay (anti-aliased Hershey glyphs, ~1 ms a line) and changes
# a few times a minute: each box is rendered once and pasted on every frame that shows it.
_FONT = 0  # cv2.FONT_HERSHEY_SIMPLEX


def _text_metrics(unit: float) -> tuple[float, int, int]:
    return 0.6 * unit, max(1, round(2 * unit)), round(8 * unit)


@functools.lru_cache(maxsize=64)
def _label_patch(text: str, colour: tuple[int, int, int], unit: float) -> np.ndarray:
    import cv2

    scale, thick, pad = _text_metrics(unit)
    (tw, th), base = cv2.getTextSize(_ascii(text), _FONT, scale, thick)
    patch = np.zeros((th + base + pad, tw + 2 * pad, 3), dtype=np.uint8)
    cv2.putText(patch, _ascii(text), (pad, th + pad // 2), _FONT, scale, colour, thick, cv2.LINE_AA)
    return patch


@functools.lru_cache(maxsize=64)
def _caption_patch(caption: str, width: int, unit: float) -> np.ndarray:
    import cv2

    scale, thick, pad = _text_metrics(unit)
    (_, ch), _ = cv2.getTextSize("M", _FONT, scale, thick)

    def fits(line: str) -> bool:
        return bool(cv2.getTextSize(line, _FONT, scale, thick)[0][0] <= width - 4 * pad)

    lines = _wrap(_ascii(caption), fits)
    line_h = ch + pad
    patch = np.zeros((line_h * len(lines) + 2 * pad, width, 3), dtype=np.uint8)
    for i, line in enumerate(lines):
        cv2.putText(
            patch, line, (2 * pad, pad + ch + i * line_h), _FONT, scale, (255, 255, 255), thick, cv2.LINE_AA
        )
    return patch


@dataclass(frozen=True)
class Encoding:
    """x264 settings of the annotated video (README, "Speed and memory")."""

    preset: str = "veryfast"
    crf: int = 26


class H264Writer:
    """Pipe frames into ffmpeg → H.264 (yuv420p, browser-safe) + AAC mp4 with faststart."""

    def __init__(
        self,
        out_path: Path,
        *,
        size: tuple[int, int],
        fps: float,
        audio_source: Path | None,
        duration_s: float,
        encoding: Encoding | None = None,
    ) -> None:
        width, height = size
        encoding = encoding or Encoding()
        # x264 needs even dimensions for yuv420p.
        self.width, self.height = width - width % 2, height - height % 2
        self.src_width, self.src_height = width, height
        self.out_path = out_path
        cmd = [
            ffmpeg_exe(),
            "-hide_banner",
            "-loglevel",
            "error",
            "-y",
            "-f",
            "rawvideo",
            "-pix_fmt",
            "yuv420p",
            "-s",
            f"{self.width}x{self.height}",
            "-framerate",
            f"{fps:.6f}",
            "-i",
            "-",
        ]
        if audio_source is not None:
            # The same demuxer and protocol rules as PyAV's reads (voice.media.DEMUXERS).
            demuxer = ["-f", demuxer_for(audio_source), "-protocol_whitelist", PROTOCOL_WHITELIST]
            cmd += [*demuxer, "-i", str(audio_source), "-map", "0:v:0", "-map", "1:a:0"]
        else:
            # Generated silence stops with the video, whatever duration the container claims.
            cmd += ["-f", "lavfi", "-i", "anullsrc=r=44100:cl=mono", "-map", "0:v:0", "-map", "1:a:0"]
            cmd += ["-shortest"]
        cmd += [
            "-t",
            f"{duration_s:.3f}",
            "-c:v",
            "libx264",
            "-preset",
            encoding.preset,
            "-crf",
            str(encoding.crf),
            "-pix_fmt",
            "yuv420p",
            "-c:a",
            "aac",
            "-b:a",
            "96k",
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
        self._proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stderr=subprocess.PIPE)
        # Drain stderr as it comes: a full pipe (64 KiB of messages) would block ffmpeg, and us.
        self._errors: collections.deque[str] = collections.deque(maxlen=20)
        self._drain = threading.Thread(target=self._read_errors, name="voice-ffmpeg-stderr", daemon=True)
        self._drain.start()
        self.frames = 0

    def _read_errors(self) -> None:
        assert self._proc.stderr is not None
        with contextlib.suppress(ValueError, OSError):  # the pipe closed under us: the process is gone
            for line in self._proc.stderr:
                self._errors.append(line.decode(errors="replace").strip())

    def write(self, bgr: np.ndarray) -> None:
        """Encode one BGR frame (converted to 4:2:0 here: OpenCV's BT.601 conversion is the same
        as ffmpeg's and several times faster, and the pipe carries half the bytes)."""
        import cv2

        if bgr.shape[0] != self.height or bgr.shape[1] != self.width:
            bgr = bgr[: self.height, : self.width]
        assert self._proc.stdin is not None
        try:
            self._proc.stdin.write(cv2.cvtColor(np.ascontiguousarray(bgr), cv2.COLOR_BGR2YUV_I420).data)
        except BrokenPipeError as exc:
            raise VoiceError(f"video encoder stopped: {self._stderr()}", stage="annotate") from exc
        self.frames += 1

    def _stderr(self) -> str:
        self._drain.join(timeout=5)
        lines = [line for line in self._errors if line]
        return lines[-1] if lines else "no message"

    def close(self) -> None:
        assert self._proc.stdin is not None
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


def _vtt_time(t: float) -> str:
    ms = round(max(0.0, t) * 1000)
    h, rem = divmod(ms, 3_600_000)
    m, rem = divmod(rem, 60_000)
    s, ms = divmod(rem, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}.{ms:03d}"


def webvtt(segments: Sequence[Segment]) -> str:
    """A WebVTT transcript: one cue per segment."""
    out = ["WEBVTT", ""]
    for i, seg in enumerate(segments, 1):
        text = " ".join(seg.text.split()).replace("-->", "->")
        if not text:
            continue
        end = max(seg.end, seg.start + 0.001)
        out += [str(i), f"{_vtt_time(seg.start)} --> {_vtt_time(end)}", text, ""]
    return "\n".join(out)
