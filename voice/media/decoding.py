"""How many threads libav decodes a video in.

libav decodes several frames at once in threads of its own: as many as it picks itself (one a
core and one more), except for high-frame-rate sources (:func:`decoder_threads`: 1080p or larger
at 50 fps or more), which get three a core. A phone's 1080p60 HEVC frame waits on the frames it
refers to; with more frames in flight the decoder kept the two cores busy instead of leaving a
tenth of them idle, for the same CPU. At 4K30 decoding alone already keeps both cores busy (more
threads added CPU there), and on smaller sources the extra threads only cost CPU
(docs/performance.md). The pixels do not depend on the number of threads (a test checks).
"""

from __future__ import annotations

from typing import Any

from voice.media.probe import VideoInfo
from voice.priority import cores

__all__ = ["HIGH_RATE", "MAX_DECODER_THREADS", "decoder_threads", "threaded_decoding"]

#: libav's own ceiling on the threads it picks.
MAX_DECODER_THREADS = 16
#: A high-frame-rate source (module notes): at least this rate, at least a 1080p frame's pixels.
HIGH_RATE = (50.0, 1920 * 1080)


def decoder_threads(info: VideoInfo) -> int:
    """libav's decoding threads for a source: for a high-frame-rate one (:data:`HIGH_RATE`,
    module notes) three for each core this process may use, at most
    :data:`MAX_DECODER_THREADS`; else 0 (libav's own choice)."""
    fps, pixels = HIGH_RATE
    if info.fps < fps - 0.5 or info.width * info.height < pixels:
        return 0
    return min(MAX_DECODER_THREADS, 3 * cores())


def threaded_decoding(stream: Any, threads: int) -> None:
    """Let libav decode ``stream`` in ``threads`` threads (0: as many as it picks), frame or slice
    threading as the codec allows; set before the first packet."""
    stream.thread_type = "AUTO"
    if threads:
        stream.codec_context.thread_count = threads
