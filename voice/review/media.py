"""The review copy served by HTTP Range requests, through the store's ranged read: seeking in a
video on S3 fetches only the bytes the player asks for, never the whole file."""

from __future__ import annotations

import re
from collections.abc import Iterator

from starlette.responses import Response, StreamingResponse

from voice.errors import VoiceError
from voice.layout import VIDEOS
from voice.storage import Store

__all__ = ["CHUNK", "RangeError", "parse_range", "video_response"]

#: Bytes read from the store per ranged read while streaming a response.
CHUNK = 1 << 20
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


class RangeError(VoiceError):
    """A Range header this server does not serve (several ranges, or outside the file)."""

    stage = "review"


def parse_range(header: str | None, size: int) -> tuple[int, int] | None:
    """``(first, last)`` byte of a single ``bytes=`` range (None: the whole file)."""
    if header is None:
        return None
    match = _RANGE.match(header.strip())
    if match is None or (not match.group(1) and not match.group(2)):
        raise RangeError("give one byte range, e.g. Range: bytes=0-1023.")
    first_text, last_text = match.groups()
    if not first_text:  # the last N bytes
        first, last = max(size - int(last_text), 0), size - 1
    else:
        first = int(first_text)
        last = min(int(last_text), size - 1) if last_text else size - 1
    if first >= size or last < first:
        raise RangeError(f"the range is outside the video ({size} bytes).")
    return first, last


def _chunks(store: Store, key: str, first: int, last: int) -> Iterator[bytes]:
    pos = first
    while pos <= last:
        end = min(pos + CHUNK - 1, last)
        yield store.read_range(VIDEOS, key, pos, end)
        pos = end + 1


def video_response(store: Store, key: str, size: int, range_header: str | None) -> Response:
    """200 with the whole video, or 206 with the requested range (416 comes from RangeError)."""
    wanted = parse_range(range_header, size)
    headers = {"Accept-Ranges": "bytes", "Cache-Control": "private, max-age=0"}
    if wanted is None:
        headers["Content-Length"] = str(size)
        return StreamingResponse(_chunks(store, key, 0, size - 1), headers=headers, media_type="video/mp4")
    first, last = wanted
    headers |= {"Content-Range": f"bytes {first}-{last}/{size}", "Content-Length": str(last - first + 1)}
    return StreamingResponse(
        _chunks(store, key, first, last), status_code=206, headers=headers, media_type="video/mp4"
    )
