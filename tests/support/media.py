"""Bad and unusual inputs, built at test time from the bundled samples (fast: stream copies, lavfi).

Each maker writes one file into ``directory`` and returns its path. ffmpeg is the binary that
``imageio-ffmpeg`` bundles (:func:`voice.media.probe.ffmpeg_exe`). ``long_narrated_video`` builds
benchmark inputs by looping the samples.
"""

from __future__ import annotations

import shutil
import subprocess
import wave
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from voice.media.probe import ffmpeg_exe
from voice.run.demo import load_manifest, samples_dir

__all__ = [
    "PHONE_FORMATS",
    "PhoneFormat",
    "audio_only",
    "long_narrated_video",
    "long_video_events",
    "music_only",
    "narrated",
    "no_person",
    "not_a_video",
    "phone_video",
    "picture_of_size",
    "sample",
    "silence",
    "stream_kinds",
    "truncated",
    "unsupported_extension",
    "video_no_audio",
    "zero_byte",
]

#: The sample the makers start from: one sentence without an emotion, then "Maria is happy."
BASE_SAMPLE = "garden.mp4"


def ffmpeg(*args: object) -> None:
    """Run the bundled ffmpeg quietly; raise with its stderr if it fails."""
    cmd = [ffmpeg_exe(), "-y", "-hide_banner", "-loglevel", "error", *map(str, args)]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"ffmpeg failed ({proc.returncode}): {proc.stderr.strip()}")


def sample(name: str = BASE_SAMPLE) -> Path:
    """A bundled sample session by file name."""
    path = samples_dir() / name
    if not path.is_file():
        raise FileNotFoundError(f"no bundled sample {name!r}; regenerate with scripts/make_samples.py")
    return path


def stream_kinds(path: Path) -> list[str]:
    """The stream types PyAV finds in ``path`` (e.g. ``["video", "audio"]``); raises if unreadable."""
    import av

    with av.open(str(path)) as container:
        return [s.type for s in container.streams]


def zero_byte(directory: Path) -> Path:
    path = directory / "empty.mp4"
    path.write_bytes(b"")
    return path


def truncated(directory: Path, keep: float = 0.3, *, index_first: bool = False) -> Path:
    """The first ``keep`` of a sample's bytes, as an upload cut short.

    By default the index (``moov``) sits at the end of the file, so it is lost and no decoder can
    open the file. With ``index_first=True`` the index survives: the head decodes, the rest is gone.
    """
    full = directory / "full.mp4"
    flags = ["-movflags", "+faststart"] if index_first else []
    ffmpeg("-i", sample(), "-c", "copy", *flags, full)
    data = full.read_bytes()
    full.unlink()
    path = directory / ("truncated_head.mp4" if index_first else "truncated.mp4")
    path.write_bytes(data[: int(len(data) * keep)])
    return path


def not_a_video(directory: Path, kind: str = "text") -> Path:
    """Bytes that are no video, named ``.mp4``: plain text (default) or a PNG image (``kind="png"``).

    Note that ffmpeg opens a PNG as a one-frame image stream, whatever the extension says.
    """
    path = directory / "not_a_video.mp4"
    if kind == "text":
        path.write_text("Maria is happy.\nThis is a text file, not a video.\n" * 20)
    elif kind == "png":
        import cv2

        ok, png = cv2.imencode(".png", np.full((64, 64, 3), (40, 160, 220), np.uint8))
        assert ok
        path.write_bytes(png.tobytes())
    else:
        raise ValueError(f"kind must be 'text' or 'png', not {kind!r}")
    return path


def audio_only(directory: Path) -> Path:
    """The narration (AAC) of a sample in an ``.mp4`` without any video stream."""
    path = directory / "audio_only.mp4"
    ffmpeg("-i", sample(), "-map", "0:a", "-c", "copy", path)
    return path


def video_no_audio(directory: Path) -> Path:
    """A sample's picture (person visible) without any audio stream."""
    path = directory / "video_no_audio.mp4"
    ffmpeg("-i", sample(), "-map", "0:v", "-c", "copy", path)
    return path


def _pattern(path: Path, width: int, height: int) -> Path:
    """A moving colour pattern of ``width`` × ``height`` over a sample's narration, at ``path``."""
    pattern = f"gradients=s={width}x{height}:r=25:speed=0.02:seed=7"
    ffmpeg(
        *["-f", "lavfi", "-i", pattern, "-i", sample()],
        *["-map", "0:v", "-map", "1:a", "-shortest", "-c:v", "libx264", "-preset", "ultrafast"],
        *["-pix_fmt", "yuv420p", "-c:a", "copy"],
        path,
    )
    return path


def no_person(directory: Path) -> Path:
    """A moving colour pattern with nobody in it, over a sample's narration (it names an emotion)."""
    return _pattern(directory / "no_person.mp4", 480, 360)


def picture_of_size(directory: Path, width: int, height: int) -> Path:
    """A moving colour pattern of ``width`` × ``height`` (nobody in it) over a sample's narration."""
    return _pattern(directory / f"picture_{width}x{height}.mp4", width, height)


def silence(directory: Path) -> Path:
    """A sample's picture (person visible) with a silent audio track."""
    path = directory / "silence.mp4"
    ffmpeg(
        *["-i", sample(), "-f", "lavfi", "-i", "anullsrc=r=16000:cl=mono"],
        *["-map", "0:v", "-map", "1:a", "-shortest", "-c:v", "copy", "-c:a", "aac", "-b:a", "32k"],
        path,
    )
    return path


def _chords(seconds: float, rate: int = 16_000) -> np.ndarray:
    """C, F, G, C major chords with a few harmonics: music, no speech."""
    roots = [261.63, 349.23, 392.00, 261.63]
    t = np.arange(int(seconds * rate)) / rate
    out = np.zeros_like(t)
    for i, start in enumerate(np.arange(0, seconds, 1.0)):
        sel = (t >= start) & (t < start + 1.0)
        tau = t[sel] - start
        root = roots[i % len(roots)]
        for ratio in (1.0, 1.26, 1.5):  # major triad
            for harmonic, amp in ((1, 1.0), (2, 0.4), (3, 0.2)):
                out[sel] += amp * np.sin(2 * np.pi * root * ratio * harmonic * tau)
        out[sel] *= np.exp(-2.5 * tau)  # plucked: each chord decays
    return (out / np.abs(out).max() * 0.5).astype(np.float32)


def music_only(directory: Path) -> Path:
    """A sample's picture (person visible) with synthetic chords as its only sound."""
    wav_path = directory / "chords.wav"
    with wave.open(str(wav_path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16_000)
        w.writeframes((_chords(8.0) * 32767).astype("<i2").tobytes())
    path = directory / "music_only.mp4"
    ffmpeg(
        *["-i", sample(), "-i", wav_path],
        *["-map", "0:v", "-map", "1:a", "-shortest", "-c:v", "copy", "-c:a", "aac", "-b:a", "48k"],
        path,
    )
    wav_path.unlink()
    return path


def _flite_wav(text: str, voice: str, directory: Path) -> np.ndarray:
    """One sentence spoken by Debian's flite, as 16 kHz mono int16 samples."""
    wav = directory / "line.wav"
    subprocess.run(["flite", "-voice", voice, "-t", text, "-o", str(wav)], check=True, capture_output=True)
    with wave.open(str(wav)) as w:
        rate, pcm = w.getframerate(), np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
    wav.unlink()
    if rate != 16_000:  # kal16 and the others speak at 16 kHz; resample anything else
        pcm = np.interp(np.arange(0, len(pcm), rate / 16_000), np.arange(len(pcm)), pcm).astype("<i2")
    return pcm


def narrated(directory: Path, name: str, lines: list[tuple[float, str]], voice: str = "rms") -> Path:
    """A sample's picture (a person moving) under a flite narration: each line starts at its time.

    The video lasts until 2 s after the last line ends; the picture loops the base sample.
    """
    rate = 16_000
    spoken = [(at, _flite_wav(text, voice, directory)) for at, text in lines]
    total = max(at + len(pcm) / rate for at, pcm in spoken) + 2.0
    track = np.zeros(int(total * rate), dtype="<i2")
    for at, pcm in spoken:
        start = int(at * rate)
        track[start : start + len(pcm)] = pcm
    wav_path = directory / f"{name}.wav"
    with wave.open(str(wav_path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(track.tobytes())
    path = directory / f"{name}.mp4"
    ffmpeg(
        *["-stream_loop", "-1", "-i", sample(), "-i", wav_path, "-t", f"{total:.2f}"],
        *["-map", "0:v", "-map", "1:a", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"],
        *["-c:a", "aac", "-b:a", "32k"],
        path,
    )
    wav_path.unlink()
    return path


def unsupported_extension(directory: Path, ext: str = "txt") -> Path:
    """A valid sample video saved under an extension VOICE does not accept (``txt``, ``gif``...)."""
    path = directory / f"{Path(BASE_SAMPLE).stem}.{ext}"
    shutil.copyfile(sample(), path)
    return path


# ---------------------------------------------------------------------------------------------
# long inputs for benchmarks


def _playlist(seconds: float) -> list[dict[str, Any]]:
    """Sessions in manifest order, repeated, until their durations reach ``seconds``."""
    sessions = load_manifest()["sessions"]
    out: list[dict[str, Any]] = []
    total = 0.0
    while total < seconds:
        entry = sessions[len(out) % len(sessions)]
        out.append(entry)
        total += float(entry["duration_s"])
    return out


def long_video_events(seconds: float) -> list[dict[str, Any]]:
    """The manifest events of :func:`long_narrated_video` (same ``seconds``), times shifted."""
    events, offset = [], 0.0
    for entry in _playlist(seconds):
        for ev in entry["events"]:
            if offset + ev["time_s"] < seconds:
                events.append({**ev, "time_s": round(offset + ev["time_s"], 3), "file": entry["file"]})
        offset += float(entry["duration_s"])
    return events


def long_narrated_video(
    path: Path, seconds: float, width: int = 640, height: int = 480, *, preset: str = "veryfast"
) -> Path:
    """A ``seconds``-long narrated video: the samples back to back, re-encoded at ``width``×``height``.

    Takes ~0.1 s of wall time per second of output at 640×480 on two cores (veryfast).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    listing = path.with_name(path.name + ".concat.txt")
    listing.write_text("".join(f"file '{samples_dir() / e['file']}'\n" for e in _playlist(seconds)))
    try:
        ffmpeg(
            *["-f", "concat", "-safe", "0", "-i", listing, "-t", f"{seconds:.3f}"],
            *["-vf", f"scale={width}:{height},setsar=1", "-r", "25"],
            *["-c:v", "libx264", "-preset", preset, "-crf", "28", "-pix_fmt", "yuv420p"],
            *["-c:a", "aac", "-b:a", "48k", "-ac", "1", "-ar", "16000", "-movflags", "+faststart"],
            path,
        )
    finally:
        listing.unlink(missing_ok=True)
    return path


# ---------------------------------------------------------------------------------------------
# phone formats (benchmarks/run.py and the render tests)


@dataclass(frozen=True)
class PhoneFormat:
    """How a phone stores video: size as stored, frame rate, codec, bitrate, display rotation."""

    name: str
    width: int  # as stored (an iPhone stores portrait video landscape, plus a rotation)
    height: int
    fps: int
    codec: str  # "hevc" or "h264"
    bitrate_mbps: float
    rotation: int = 0  # display rotation in degrees, counter-clockwise (iPhone portrait: -90)
    suffix: str = ".mp4"

    @property
    def upright(self) -> tuple[int, int]:
        """(width, height) as a viewer sees it."""
        return (self.height, self.width) if self.rotation % 180 else (self.width, self.height)


#: The formats the benchmark and the tests use (ENVIRONMENT.md, "Phone formats").
PHONE_FORMATS: dict[str, PhoneFormat] = {
    f.name: f
    for f in (
        PhoneFormat("iphone-1080p60-hevc-portrait", 1920, 1080, 60, "hevc", 12.0, -90, ".MOV"),
        PhoneFormat("android-1080p30-h264", 1920, 1080, 30, "h264", 8.0),
        PhoneFormat("4k30-hevc", 3840, 2160, 30, "hevc", 20.0, 0, ".MOV"),
    )
}


def _phone_filter(fmt: PhoneFormat, grain: int) -> str:
    """Samples (480×360, 4:3) → the format's upright picture, with film grain, then stored sideways."""
    w, h = fmt.upright
    if h > w:  # portrait: the middle 3:4 of the picture (the person), letterboxed to 9:16
        inner_h = w * 4 // 3
        fit = f"crop=270:360,scale={w}:{inner_h}:flags=bicubic,pad={w}:{h}:0:{(h - inner_h) // 2}"
    else:  # landscape: the whole 4:3 picture, pillarboxed to 16:9
        inner_w = h * 4 // 3
        fit = f"scale={inner_w}:{h}:flags=bicubic,pad={w}:{h}:{(w - inner_w) // 2}:0"
    # Temporal grain keeps the encoder busy, as sensor noise does: phone-like bitrates, not the
    # tiny files a clean upscale gives. Rotation -90 (shown clockwise) means stored anticlockwise.
    turn = ",transpose=cclock" if fmt.rotation == -90 else ""
    return f"{fit}:color=0xd0ccc4,noise=alls={grain}:allf=t+u{turn},setsar=1,fps={fmt.fps}"


def _phone_codec(fmt: PhoneFormat, preset: str) -> list[str]:
    rate = f"{fmt.bitrate_mbps:g}M"
    limits = [
        "-b:v",
        rate,
        "-maxrate",
        f"{fmt.bitrate_mbps * 1.25:g}M",
        "-bufsize",
        f"{fmt.bitrate_mbps * 2:g}M",
    ]
    if fmt.codec == "hevc":
        # One B-frame between references: every other frame is non-reference, the structure a
        # 60 fps stream needs to be playable at 30 fps by dropping frames (temporal sub-layers).
        params = f"log-level=error:keyint={fmt.fps}:bframes=1:b-adapt=0:open-gop=0"
        return ["-c:v", "libx265", "-preset", preset, "-x265-params", params, "-tag:v", "hvc1", *limits]
    return ["-c:v", "libx264", "-preset", preset, "-g", str(fmt.fps), "-profile:v", "high", *limits]


def phone_video(
    path: Path, fmt: PhoneFormat, seconds: float, *, preset: str = "ultrafast", grain: int = 10
) -> Path:
    """A ``seconds``-long narrated video as ``fmt`` records it (the samples back to back, upscaled).

    Stored size, frame rate, codec, bitrate and display rotation are the format's; audio is AAC
    48 kHz stereo. x265 at 1080p60 encodes at ~25 frames/s on two cores: a minute takes minutes.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    listing = path.with_name(path.name + ".concat.txt")
    listing.write_text("".join(f"file '{samples_dir() / e['file']}'\n" for e in _playlist(seconds)))
    plain = path.with_name(path.stem + ".norot" + path.suffix) if fmt.rotation else path
    try:
        ffmpeg(
            *["-f", "concat", "-safe", "0", "-i", listing, "-t", f"{seconds:.3f}"],
            *["-vf", _phone_filter(fmt, grain), *_phone_codec(fmt, preset), "-pix_fmt", "yuv420p"],
            *["-c:a", "aac", "-b:a", "128k", "-ar", "48000", "-ac", "2", "-movflags", "+faststart"],
            plain,
        )
        if fmt.rotation:
            ffmpeg(
                "-display_rotation", fmt.rotation, "-i", plain, "-c", "copy", "-movflags", "+faststart", path
            )
    finally:
        listing.unlink(missing_ok=True)
        if plain != path:
            plain.unlink(missing_ok=True)
    return path
