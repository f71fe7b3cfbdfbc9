"""The passport's examples as pictures: a still of the key frame with the skeleton, and a short
H.264 clip around it, both from the session's review copy (the annotated video, which shows the
skeleton) or its stored key frames.

The still is the session's key-frame JPG nearest the example's key time within its window when
one exists (written at processing: no video is read), else the review copy's frame at that time.
The clip is re-encoded (the review copy's keyframes are too far apart to cut at a chosen second):
:data:`CLIP_S` seconds, no sound, at most :data:`CLIP_HEIGHT` lines, CRF 30.
"""

from __future__ import annotations

import io
import re
import subprocess
import tempfile
from pathlib import Path

from voice import layout
from voice.errors import VoiceError
from voice.media.probe import PROTOCOL_WHITELIST, ffmpeg_exe
from voice.storage import Store

__all__ = ["CLIP_HEIGHT", "CLIP_S", "ReviewCopy", "clip", "key_frame", "small", "still"]

#: Length of a clip, seconds (centred on the key time, inside the video).
CLIP_S = 3.0
#: Lines of a clip or an extracted still (width follows the aspect ratio).
CLIP_HEIGHT = 360
_FRAME_NAME = re.compile(r"frame_\d+_at_(\d+(?:\.\d+)?)s_[a-z]+\.jpg")


def key_frame(store: Store, patient: str, session: str, start: float, end: float, at: float) -> bytes | None:
    """The stored key-frame JPG of ``session`` nearest ``at`` within ``[start, end]``, if any."""
    prefix = layout.frame_key(patient, session, 0, 0.0, "none").rsplit("/", 1)[0] + "/"
    best: tuple[float, str] | None = None
    for obj in store.list(layout.VIDEOS, prefix):
        found = _FRAME_NAME.fullmatch(obj.key[len(prefix) :])
        if found is None:
            continue
        t = float(found.group(1))
        if start - 1e-6 <= t <= end + 1e-6 and (best is None or abs(t - at) < best[0]):
            best = (abs(t - at), obj.key)
    return small(store.read(layout.VIDEOS, best[1])) if best is not None else None


def small(jpg: bytes) -> bytes:
    """A JPG at most :data:`CLIP_HEIGHT` lines high (the page inlines it: keep it light)."""
    from PIL import Image

    with Image.open(io.BytesIO(jpg)) as image:
        if image.height > CLIP_HEIGHT:
            image = image.resize((round(image.width * CLIP_HEIGHT / image.height), CLIP_HEIGHT))
        out = io.BytesIO()
        image.convert("RGB").save(out, format="JPEG", quality=70)
        return out.getvalue()


def _ffmpeg(args: list[str], what: str) -> None:
    quiet = ["-hide_banner", "-loglevel", "error", "-y", "-protocol_whitelist", PROTOCOL_WHITELIST]
    proc = subprocess.run([ffmpeg_exe(), *quiet, *args], capture_output=True, text=True)
    if proc.returncode != 0:
        lines = [line for line in proc.stderr.splitlines() if line.strip()]
        raise VoiceError(f"{what} failed ({proc.returncode}): {lines[-1] if lines else 'no message'}")


class ReviewCopy:
    """A session's annotated video as a local file for the duration of a ``with`` block (``path``
    None when there is none, or when not ``fetch``)."""

    def __init__(self, store: Store, patient: str, session: str, *, fetch: bool = True) -> None:
        self._store, self._key, self._fetch = store, layout.annotated_video_key(patient, session), fetch
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self.path: Path | None = None

    def __enter__(self) -> ReviewCopy:
        if self._fetch and self._store.exists(layout.VIDEOS, self._key):
            self._tmp = tempfile.TemporaryDirectory(prefix="voice-passport-")
            self.path = Path(self._tmp.name) / "review.mp4"
            self.path.write_bytes(self._store.read(layout.VIDEOS, self._key))
        return self

    def __exit__(self, *exc: object) -> None:
        if self._tmp is not None:
            self._tmp.cleanup()


def _scale() -> str:
    return f"scale=-2:'min({CLIP_HEIGHT},ih)'"


def still(video: Path, at: float) -> bytes:
    """The frame of ``video`` at ``at`` seconds as a JPG (at most :data:`CLIP_HEIGHT` lines)."""
    with tempfile.TemporaryDirectory(prefix="voice-passport-") as tmp:
        out = Path(tmp) / "still.jpg"
        args = ["-f", "mov", "-ss", f"{max(at, 0.0):.3f}", "-i", str(video), "-frames:v", "1"]
        _ffmpeg([*args, "-vf", _scale(), "-q:v", "4", str(out)], "taking a still")
        return out.read_bytes()


def clip(video: Path, at: float, duration_s: float) -> bytes:
    """:data:`CLIP_S` seconds of ``video`` around ``at`` (within ``[0, duration_s]``), H.264, no sound."""
    length = min(CLIP_S, max(duration_s, 0.1))
    start = min(max(at - length / 2, 0.0), max(duration_s - length, 0.0))
    with tempfile.TemporaryDirectory(prefix="voice-passport-") as tmp:
        out = Path(tmp) / "clip.mp4"
        args = ["-f", "mov", "-ss", f"{start:.3f}", "-i", str(video), "-t", f"{length:.3f}", "-an"]
        codec = ["-c:v", "libx264", "-preset", "veryfast", "-crf", "30", "-pix_fmt", "yuv420p"]
        _ffmpeg([*args, "-vf", _scale(), *codec, "-movflags", "+faststart", str(out)], "cutting a clip")
        return out.read_bytes()
