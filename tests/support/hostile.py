"""Hostile media, built at test time (nothing over a few hundred KB is ever committed).

Each maker writes one file into ``directory`` and returns its path:

- manifests saved with a video extension that name another local file: DASH (``.mp4``), HLS
  (``.mov``), ffconcat (``.mp4``) — a demuxer that sniffs would open the file they point at;
- a single 16000×16000 frame in a MOV (PNG): under libav's own size limit, 256 MP to decode;
- an 8K clip, a clip that claims 10 hours, a 240 fps clip (tiny files, lavfi sources);
- a 3 GB sparse file named ``.mp4`` (no disk is used);
- streams that disagree with the video or with the header: a 2-second video carrying two hours
  of audio, the same in a Matroska file whose header says 2 s, ten minutes of frames under a
  header that says 2 s, and a file that states no duration at all and runs ten hours (the audio
  is one 10-second AAC clip looped by stream copy: hours of it cost a few hundred KB and < 1 s).

:class:`OpenWatch` tells whether any process opened a file: the file is a FIFO, and a watcher
thread polls for a reader (a non-blocking open for writing succeeds only when one is there).
"""

from __future__ import annotations

import errno
import os
import struct
import threading
import time
import zlib
from pathlib import Path
from types import TracebackType

from tests.support.media import ffmpeg

__all__ = [
    "HOSTILE",
    "OpenWatch",
    "audio_longer_than_video",
    "audio_past_its_header",
    "claims_ten_hours",
    "clip_8k",
    "dash_manifest",
    "ffconcat_list",
    "frames_past_their_header",
    "hls_playlist",
    "hours_of_audio",
    "huge_frame_mov",
    "no_stated_duration",
    "restate_mkv_duration",
    "sparse_3gb",
    "too_many_fps",
]


def dash_manifest(directory: Path, target: Path) -> Path:
    """An MPEG-DASH manifest, saved as ``.mp4``, whose only segment is ``target``."""
    path = directory / "dash-manifest.mp4"
    path.write_text(
        '<?xml version="1.0"?><MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="static" '
        'mediaPresentationDuration="PT10S" minBufferTime="PT1S" '
        'profiles="urn:mpeg:dash:profile:isoff-on-demand:2011"><Period><AdaptationSet '
        'mimeType="video/mp4"><Representation id="1" bandwidth="1000" width="640" height="480">'
        f"<BaseURL>{target}</BaseURL></Representation></AdaptationSet></Period></MPD>"
    )
    return path


def hls_playlist(directory: Path, target: Path) -> Path:
    """An HLS playlist, saved as ``.mov``, whose only segment is ``target``."""
    path = directory / "hls-playlist.mov"
    path.write_text(
        "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:10\n#EXT-X-MEDIA-SEQUENCE:0\n"
        f"#EXTINF:10.0,\n{target}\n#EXT-X-ENDLIST\n"
    )
    return path


def ffconcat_list(directory: Path, target: Path) -> Path:
    """An ffconcat list, saved as ``.mp4``, naming ``target``."""
    path = directory / "ffconcat-list.mp4"
    path.write_text(f"ffconcat version 1.0\nfile '{target}'\n")
    return path


def _gray_png(path: Path, width: int, height: int) -> None:
    """A black 8-bit grayscale PNG written row by row (no frame-sized buffer)."""

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))

    comp = zlib.compressobj(9)
    row = bytes(width + 1)  # filter byte + pixels
    idat = b"".join(comp.compress(row) for _ in range(height)) + comp.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    )


def huge_frame_mov(directory: Path) -> Path:
    """One 16000×16000 PNG frame in a MOV (~250 KB on disk, 256 MP to decode)."""
    png = directory / "huge-frame.png"
    _gray_png(png, 16000, 16000)
    path = directory / "huge-frame.mov"
    ffmpeg("-f", "image2", "-c:v", "png", "-i", png, "-c", "copy", "-f", "mov", path)
    png.unlink()
    return path


def clip_8k(directory: Path) -> Path:
    """Two black frames of 7680×4320 H.264 (a few KB)."""
    path = directory / "clip-8k.mp4"
    ffmpeg("-f", "lavfi", "-i", "color=black:s=7680x4320:r=2", "-frames:v", "2", "-c:v", "libx264",
           "-preset", "ultrafast", "-pix_fmt", "yuv420p", path)  # fmt: skip
    return path


def _two_frames_ten_hours_apart(path: Path) -> Path:
    ffmpeg("-f", "lavfi", "-i", "color=gray:s=160x120:r=1", "-frames:v", "2",
           "-vf", "setpts=N*36000/TB", "-fps_mode", "passthrough", "-c:v", "libx264",
           "-preset", "ultrafast", "-pix_fmt", "yuv420p", path)  # fmt: skip
    return path


def claims_ten_hours(directory: Path) -> Path:
    """Two small frames, the second stamped at 10 h: the container says 36000 s, no audio."""
    return _two_frames_ten_hours_apart(directory / "ten-hours.mp4")


def too_many_fps(directory: Path) -> Path:
    """Half a second of 240 fps video (slow motion), 160×120."""
    path = directory / "slow-motion-240fps.mov"
    ffmpeg("-f", "lavfi", "-i", "testsrc=s=160x120:r=240", "-t", "0.5", "-c:v", "libx264",
           "-preset", "ultrafast", "-pix_fmt", "yuv420p", path)  # fmt: skip
    return path


def sparse_3gb(directory: Path) -> Path:
    """A 3 GiB file of zeros named ``.mp4``, sparse: it takes no disk space."""
    path = directory / "three-gigabytes.mp4"
    with path.open("wb") as fh:
        fh.truncate(3 * 2**30)
    return path


HOURS_OF_AUDIO_S = 7200  # under the default limit (3 h): only the streams' disagreement refuses it


def _two_seconds_with_hours_of_audio(path: Path) -> None:
    clip = path.with_suffix(".ten-seconds.m4a")
    ffmpeg("-f", "lavfi", "-i", "anullsrc=r=8000:cl=mono", "-t", "10", "-c:a", "aac", "-b:a", "8k", clip)
    ffmpeg("-f", "lavfi", "-t", "2", "-i", "color=gray:s=160x120:r=5", "-stream_loop", "-1", "-i", clip,
           "-map", "0:v", "-map", "1:a", "-t", HOURS_OF_AUDIO_S, "-c:v", "libx264", "-preset", "ultrafast",
           "-pix_fmt", "yuv420p", "-c:a", "copy", path)  # fmt: skip
    clip.unlink()


def audio_longer_than_video(directory: Path, video_s: float, audio_s: float) -> Path:
    """``video_s`` seconds of video and ``audio_s`` of a tone, each stream stating its length (MP4)."""
    path = directory / f"video-{video_s}s-audio-{audio_s}s.mp4"
    ffmpeg("-f", "lavfi", "-t", video_s, "-i", "color=gray:s=160x120:r=5", "-f", "lavfi", "-t", audio_s,
           "-i", "sine=frequency=300:sample_rate=16000", "-map", "0:v", "-map", "1:a", "-c:v", "libx264",
           "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", path)  # fmt: skip
    return path


def hours_of_audio(directory: Path) -> Path:
    """Two seconds of video and two hours of audio, each stream stating its own length (MP4)."""
    path = directory / "two-seconds-two-hours-of-audio.mp4"
    _two_seconds_with_hours_of_audio(path)
    return path


#: Matroska's segment duration: element 0x4489, an 8-byte float of milliseconds (as ffmpeg writes it).
_MKV_DURATION = b"\x44\x89\x88"


def restate_mkv_duration(path: Path, seconds: float | None) -> None:
    """Rewrite the duration a Matroska header states (None: turn it into a Void element, so the
    file states no duration at all). Its streams state none of their own."""
    data = bytearray(path.read_bytes())
    at = data.find(_MKV_DURATION)
    assert at > 0, "no segment duration in the header"
    if seconds is None:
        data[at : at + 3] = b"\xec\x89\x00"  # Void (0xEC) of 9 bytes: the duration's size and value
    else:
        data[at + 3 : at + 11] = struct.pack(">d", seconds * 1000.0)
    path.write_bytes(bytes(data))


def audio_past_its_header(directory: Path) -> Path:
    """The two hours of audio again, in a Matroska file whose header says the whole is 2 s."""
    path = directory / "audio-past-its-header.mkv"
    _two_seconds_with_hours_of_audio(path)
    restate_mkv_duration(path, 2.0)
    return path


def frames_past_their_header(directory: Path) -> Path:
    """Ten minutes of frames (5 fps, 160×120, no audio) in a Matroska file whose header says 2 s."""
    path = directory / "frames-past-their-header.mkv"
    ffmpeg("-f", "lavfi", "-i", "color=gray:s=160x120:r=5", "-t", "600", "-c:v", "libx264",
           "-preset", "ultrafast", "-pix_fmt", "yuv420p", path)  # fmt: skip
    restate_mkv_duration(path, 2.0)
    return path


def no_stated_duration(directory: Path) -> Path:
    """Two frames, the second at 10 h, in a Matroska file that states no duration anywhere."""
    path = _two_frames_ten_hours_apart(directory / "no-stated-duration.mkv")
    restate_mkv_duration(path, None)
    return path


#: Every hostile maker that needs no target, with the error VOICE must give it.
HOSTILE = {
    huge_frame_mov: "MediaLimitError",
    clip_8k: "MediaLimitError",
    claims_ten_hours: "MediaLimitError",
    too_many_fps: "MediaLimitError",
    sparse_3gb: "MediaLimitError",
    hours_of_audio: "MediaLimitError",
    audio_past_its_header: "CorruptMediaError",
    frames_past_their_header: "CorruptMediaError",
    no_stated_duration: "MediaLimitError",
}


class OpenWatch:
    """A FIFO at ``path`` that records whether anything opened it for reading.

    Use as a context manager; :attr:`opened` is True once a reader appeared. A reader that does
    open it gets end-of-file at once (the watcher closes its end), so nothing hangs.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.opened = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="open-watch", daemon=True)

    def __enter__(self) -> OpenWatch:
        os.mkfifo(self.path)
        self._thread.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        time.sleep(0.05)
        self._stop.set()
        self._thread.join()

    def _watch(self) -> None:
        while not self._stop.is_set():
            try:
                fd = os.open(self.path, os.O_WRONLY | os.O_NONBLOCK)
            except OSError as exc:
                if exc.errno != errno.ENXIO:  # ENXIO: no reader yet
                    raise
            else:
                self.opened = True
                os.close(fd)
            time.sleep(0.002)
