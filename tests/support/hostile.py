"""Hostile media, built at test time (nothing over a few hundred KB is ever committed).

Each maker writes one file into ``directory`` and returns its path:

- manifests saved with a video extension that name another local file: DASH (``.mp4``), HLS
  (``.mov``), ffconcat (``.mp4``) — a demuxer that sniffs would open the file they point at;
- a single 16000×16000 frame in a MOV (PNG): under libav's own size limit, 256 MP to decode;
- an 8K clip, a clip that claims 10 hours, a 240 fps clip (tiny files, lavfi sources);
- a 3 GB sparse file named ``.mp4`` (no disk is used).

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
    "claims_ten_hours",
    "clip_8k",
    "dash_manifest",
    "ffconcat_list",
    "hls_playlist",
    "huge_frame_mov",
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


def claims_ten_hours(directory: Path) -> Path:
    """Two small frames, the second stamped at 10 h: the container says 36000 s, no audio."""
    path = directory / "ten-hours.mp4"
    ffmpeg("-f", "lavfi", "-i", "color=gray:s=160x120:r=1", "-frames:v", "2",
           "-vf", "setpts=N*36000/TB", "-fps_mode", "passthrough", "-c:v", "libx264",
           "-preset", "ultrafast", "-pix_fmt", "yuv420p", path)  # fmt: skip
    return path


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


#: Every hostile maker that needs no target, with the error VOICE must give it.
HOSTILE = {
    huge_frame_mov: "MediaLimitError",
    clip_8k: "MediaLimitError",
    claims_ten_hours: "MediaLimitError",
    too_many_fps: "MediaLimitError",
    sparse_3gb: "MediaLimitError",
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
