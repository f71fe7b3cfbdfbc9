"""The annotated parts of a long video joined into one H.264 + AAC file, without re-encoding.

Every part (:mod:`voice.segments.segment_pass`) is video only, encoded with the same x264 parameters and
starting with an IDR frame, so ffmpeg's concat demuxer joins them by copying their packets (the
parts' parameter sets are identical; timestamps run on from part to part). The audio is encoded
once for the whole video (:func:`encode_audio`, AAC as the one-pass render writes it) and muxed
in by copy, so it is continuous and in sync whatever the cuts.
"""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from pathlib import Path

from voice.errors import VoiceError
from voice.media.h264 import AUDIO_CODEC
from voice.media.probe import PROTOCOL_WHITELIST, demuxer_for, ffmpeg_exe

__all__ = ["encode_audio", "join_parts"]

_QUIET = ("-hide_banner", "-loglevel", "error", "-y")
_EXACT = ("-fflags", "+bitexact", "-flags:v", "+bitexact", "-flags:a", "+bitexact", "-map_metadata", "-1")


def _ffmpeg(args: Sequence[str], what: str) -> None:
    proc = subprocess.run([ffmpeg_exe(), *_QUIET, *args], capture_output=True, text=True)
    if proc.returncode != 0:
        lines = [line for line in proc.stderr.splitlines() if line.strip()]
        raise VoiceError(
            f"{what} failed ({proc.returncode}): {lines[-1] if lines else 'no message'}", stage="annotate"
        )


def encode_audio(source: Path, out: Path, *, until_s: float | None = None) -> None:
    """The source's first audio track as AAC in ``out`` (an ``.m4a``), as the annotated video carries
    it; never past ``until_s`` seconds, whatever the packets say (:mod:`voice.media.limits`)."""
    demuxer = ["-f", demuxer_for(source), "-protocol_whitelist", PROTOCOL_WHITELIST]
    until = [] if until_s is None else ["-t", f"{until_s:.3f}"]
    _ffmpeg(
        [*demuxer, "-i", str(source), "-map", "0:a:0", "-vn", *until, *AUDIO_CODEC, *_EXACT, str(out)],
        "audio encoding",
    )


def join_parts(parts: Sequence[Path], audio: Path | None, out: Path, *, duration_s: float) -> None:
    """Join the annotated parts (in order) and the audio into ``out`` (``duration_s``: the
    video's duration; without ``audio`` a silent track of that length is added, as in one pass)."""
    listing = out.with_suffix(".txt")
    # The concat demuxer reads this list; every entry is one of our own parts, a local file.
    listing.write_text("ffconcat version 1.0\n" + "".join(f"file '{p.resolve()}'\n" for p in parts))
    video = ["-f", "concat", "-safe", "0", "-protocol_whitelist", PROTOCOL_WHITELIST, "-i", str(listing)]
    if audio is not None:
        sound = ["-i", str(audio), "-map", "0:v:0", "-map", "1:a:0", "-c", "copy"]
    else:
        silence = ["-f", "lavfi", "-i", "anullsrc=r=44100:cl=mono"]
        sound = [*silence, "-map", "0:v:0", "-map", "1:a:0", "-c:v", "copy", *AUDIO_CODEC]
    args = [*video, *sound, "-t", f"{duration_s:.3f}", *_EXACT, "-movflags", "+faststart", str(out)]
    try:
        _ffmpeg(args, "joining the annotated parts")
    finally:
        listing.unlink(missing_ok=True)
