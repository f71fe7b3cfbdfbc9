"""The frames a video pass needs, decoded once, small and upright.

A pass asks for a :class:`FramePlan`: every ``show_every``-th frame goes into the annotated
video, every ``pose_every``-th frame is a pose frame, and both arrive at one (small) size. Every
other frame is dropped right after decoding, before any conversion; where the plan allows
(:attr:`FramePlan.skip_nonref`), the decoder is told not to decode the dropped frames that no
other frame refers to. A kept frame is scaled and converted to BGR in one libav pass
(``reformat``), and the display rotation of phone videos is applied to that small image. With
:attr:`FramePlan.planes`, a shown frame comes as its 4:2:0 planes instead (BGR only if it is also
a pose frame): the annotated video is drawn on those and encoded as they are, so a frame that is
only shown is never converted to BGR and back.

Decoding runs in a thread of its own (libav releases the GIL), ahead of the caller by at most
``buffer`` frames, so memory is bounded whatever the video's length, in as many libav threads
as :func:`voice.media.decoding.decoder_threads` plans. The pixels do not depend on their number.
"""

from __future__ import annotations

import contextlib
import math
import queue
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from voice.config import Settings
from voice.errors import CorruptMediaError
from voice.media.decoding import decoder_threads, threaded_decoding
from voice.media.pictures import Converter
from voice.media.probe import VideoInfo, open_container
from voice.priority import lower_this_thread

__all__ = [
    "Frame",
    "FramePlan",
    "downscaled",
    "downscaled_rgb",
    "even_size",
    "frame_plans",
    "iter_decoded",
    "iter_frames",
    "sample_stride",
]


class Frame:
    """One decoded frame: its index and time in the source, and its upright picture.

    ``bgr`` may be smaller than the source; ``size`` is the source's upright (width, height),
    the frame of reference of pose coordinates. ``shown`` is False for a frame that is decoded
    only for pose and is not part of the annotated video. ``i420``, when the plan asks for it
    (:attr:`FramePlan.planes`), is the shown picture as its 4:2:0 planes (Y, then U, then V:
    (height × 3/2, width) bytes), the decoder's own pixels, which drawing and the encoder take as
    they are; ``bgr`` is then converted once, when first asked for, unless the frame is a pose
    frame (those come in BGR from libav, as they always have).
    """

    __slots__ = ("_bgr", "i420", "index", "shown", "size", "time_s")

    def __init__(
        self,
        index: int,
        time_s: float,
        bgr: np.ndarray | None,
        size: tuple[int, int] = (0, 0),
        shown: bool = True,
        i420: np.ndarray | None = None,
    ) -> None:
        if bgr is None and i420 is None:
            raise ValueError("a frame needs a picture: BGR or 4:2:0 planes")
        self.index, self.time_s, self.size, self.shown = index, time_s, size, shown
        self._bgr, self.i420 = bgr, i420

    @property
    def bgr(self) -> np.ndarray:
        """The upright BGR picture (from the planes, once, if the decoder gave only those)."""
        if self._bgr is None:
            import cv2

            assert self.i420 is not None
            self._bgr = np.asarray(cv2.cvtColor(self.i420, cv2.COLOR_YUV2BGR_I420))
        return self._bgr

    @property
    def source_size(self) -> tuple[int, int]:
        """(width, height) of the upright source frame (that of the picture when not given)."""
        if self.size[0] > 0:
            return self.size
        if self._bgr is not None:
            return int(self._bgr.shape[1]), int(self._bgr.shape[0])
        assert self.i420 is not None
        return int(self.i420.shape[1]), int(self.i420.shape[0]) * 2 // 3


@dataclass(frozen=True)
class FramePlan:
    """Which frames a pass needs, and at what upright size (``None``: the source's).

    ``shown_span`` and ``pose_span`` (``[first, stop)`` frame indices) limit a pass to a time
    range of the video (one segment, :mod:`voice.segments.plan`): decoding then starts at the key
    frame before the first needed frame and stops after the last one. ``until_s``: a frame past
    it (by its time or by its count) is a :class:`CorruptMediaError`, whatever the packets say
    (:attr:`voice.media.probe.VideoInfo.decode_until_s`).
    """

    show_every: int = 1  # 0: no frame is shown (a pose-only pass)
    pose_every: int = 0  # 0: no pose frames
    size: tuple[int, int] | None = None
    skip_nonref: bool = False
    shown_span: tuple[int, int] | None = None
    pose_span: tuple[int, int] | None = None
    until_s: float | None = None
    threads: int = 0  # libav's decoding threads (voice.media.decoding); 0: its own choice
    planes: bool = False  # shown frames also come as their 4:2:0 planes (Frame.i420)

    def needs(self, index: int) -> bool:
        return self.shows(index) or self.poses(index)

    def shows(self, index: int) -> bool:
        return self.show_every > 0 and index % self.show_every == 0 and _within(index, self.shown_span)

    def poses(self, index: int) -> bool:
        return self.pose_every > 0 and index % self.pose_every == 0 and _within(index, self.pose_span)

    @property
    def bounds(self) -> tuple[int, int] | None:
        """``[first, stop)`` of the frames this plan may need, or None for the whole video."""
        spans = [
            s for s, used in ((self.shown_span, self.show_every), (self.pose_span, self.pose_every)) if used
        ]
        if not spans or any(s is None for s in spans):
            return None
        return min(s[0] for s in spans if s), max(s[1] for s in spans if s)


def _within(index: int, span: tuple[int, int] | None) -> bool:
    return span is None or span[0] <= index < span[1]


def even_size(width: int, height: int, max_short: int, max_long: int = 0) -> tuple[int, int]:
    """(width, height) scaled down so the short side is ≤ ``max_short`` (and the long side ≤
    ``max_long`` when given), never up, rounded to even numbers (H.264 4:2:0 needs them)."""
    scale = min(1.0, max_short / min(width, height))
    if max_long > 0:
        scale = min(scale, max_long / max(width, height))
    return max(2, round(width * scale / 2) * 2), max(2, round(height * scale / 2) * 2)


class _Clock:
    """Frame index and time from timestamps (``pts``)."""

    def __init__(self, stream: Any) -> None:
        self.time_base = float(stream.time_base) if stream.time_base is not None else 0.0
        self.start = (
            float(stream.start_time * stream.time_base) if stream.start_time and stream.time_base else 0.0
        )
        self.fps = float(stream.average_rate or stream.guessed_rate or 25)

    def seconds(self, pts: int | None, fallback_index: int) -> float:
        if pts is None:
            return fallback_index / self.fps
        return max(0.0, pts * self.time_base - self.start)

    def index(self, pts: int) -> int:
        return round((pts * self.time_base - self.start) * self.fps)

    def pts_at(self, index: float) -> int:
        """The timestamp of frame ``index`` (for seeking)."""
        if self.time_base <= 0:
            return 0
        return max(0, int((max(0.0, index) / self.fps + self.start) / self.time_base))


def iter_decoded(container: Any, stream: Any, plan: FramePlan) -> Iterator[tuple[int, float, Any]]:
    """(index, time, frame) of every decoded frame, in presentation order.

    For a whole video without skipping, the index counts decoded frames. With
    ``plan.skip_nonref`` the decoder is told, packet by packet, to drop non-reference frames the
    plan does not need (its setting is copied into the decoding thread with each packet), and for
    a plan limited to a range (:attr:`FramePlan.bounds`) decoding starts at the key frame before
    the range: indices then come from timestamps (in a constant-rate video both give the same
    numbers). A frame the plan needs is never skipped. A frame whose time or index lies past
    ``plan.until_s`` stops decoding with :class:`CorruptMediaError`.
    """
    clock = _Clock(stream)
    decoded = _decoded(container, stream, plan, clock)
    if plan.until_s is None:
        yield from decoded
        return
    for index, time_s, frame in decoded:
        if max(time_s, index / clock.fps) > plan.until_s:
            raise CorruptMediaError(
                f"the video runs on past {plan.until_s:.1f} s, longer than the file states; it is "
                "damaged or was altered. Upload the original recording.",
                stage="annotate",
            )
        yield index, time_s, frame


def _decoded(container: Any, stream: Any, plan: FramePlan, clock: _Clock) -> Iterator[tuple[int, float, Any]]:
    bounds = plan.bounds
    if bounds is None and not plan.skip_nonref:
        for i, frame in enumerate(container.decode(stream)):
            yield i, clock.seconds(frame.pts, i), frame
        return
    if bounds is not None and bounds[0] > 0:
        # Half a frame early, so rounding never lands after the first frame needed.
        container.seek(clock.pts_at(bounds[0] - 0.5), stream=stream, backward=True, any_frame=False)
    stop = bounds[1] if bounds is not None else None
    for index, frame in _by_timestamp(container, stream, plan, clock):
        if stop is not None and index >= stop:
            return
        yield index, clock.seconds(frame.pts, index), frame


def _by_timestamp(container: Any, stream: Any, plan: FramePlan, clock: _Clock) -> Iterator[tuple[int, Any]]:
    ctx = stream.codec_context
    last = -1
    for packet in container.demux(stream):
        if plan.skip_nonref and packet.pts is not None:
            ctx.skip_frame = "DEFAULT" if plan.needs(clock.index(packet.pts)) else "NONREF"
        for frame in ctx.decode(packet if packet.size else None):
            index = clock.index(frame.pts) if frame.pts is not None else last + 1
            last = index = max(index, last + 1)
            yield index, frame


def iter_frames(
    path: Path, plan: FramePlan | None = None, *, buffer: int = 8, nice: int = 0
) -> Iterator[Frame]:
    """The frames ``plan`` needs (default: every frame at full size), in order, upright: decoded
    in a thread of its own (``nice`` steps lower, :mod:`voice.priority`), at most ``buffer``
    frames ahead.

    A decode error part-way raises CorruptMediaError at that point.
    """
    import av

    plan = plan or FramePlan()
    container = open_container(path)
    stream = container.streams.video[0]
    threaded_decoding(stream, plan.threads)
    convert = Converter(plan.size)
    out: queue.Queue[Frame | BaseException | None] = queue.Queue(maxsize=buffer)
    stop = threading.Event()

    def work() -> None:
        lower_this_thread(nice)
        try:
            source: tuple[int, int] | None = None
            for i, t, frame in iter_decoded(container, stream, plan):
                if stop.is_set():
                    break
                if not plan.needs(i):
                    continue
                shown = plan.shows(i)
                planes = plan.planes and shown
                # BGR for pose (and for a plan without planes); the planes for drawing.
                bgr = convert(frame) if plan.poses(i) or not planes else None
                i420 = convert.planes(frame) if planes else None
                if source is None:
                    turned = convert.rotation in (90, 270)
                    source = (frame.height, frame.width) if turned else (frame.width, frame.height)
                out.put(Frame(i, t, bgr, source, shown, i420))
            out.put(None)
        except (av.error.FFmpegError, ValueError) as exc:
            out.put(
                CorruptMediaError(f"decoding failed part-way ({type(exc).__name__}); the file is damaged.")
            )
        except BaseException as exc:  # surfaced to the caller below
            out.put(exc)

    thread = threading.Thread(target=work, name="voice-decode", daemon=True)
    thread.start()
    try:
        while True:
            item = out.get()
            if item is None:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        while thread.is_alive():
            with contextlib.suppress(queue.Empty):
                out.get(timeout=0.05)
        thread.join()
        container.close()


def frame_plans(info: VideoInfo, settings: Settings) -> tuple[FramePlan, FramePlan]:
    """The plans of the pose-only pass (used with a patient model) and of the drawing pass.

    The annotated video keeps every ``show_every``-th frame (at most ``annotate_max_fps``) at
    most ``annotate_max_short_side`` on its short side, as 4:2:0 planes to draw on; pose keeps
    its own sample rate.
    """
    stride = sample_stride(info.fps, settings.pose_fps)
    show_every = max(1, math.ceil(info.fps / settings.annotate_max_fps - 1e-6))
    out_size = even_size(info.width, info.height, settings.annotate_max_short_side)
    pose_size = even_size(info.width, info.height, min(info.width, info.height), settings.pose_max_side)
    skip, until = settings.decode_skip_nonref, info.decode_until_s
    threads = settings.decode_threads or decoder_threads(info)
    pose_only = FramePlan(0, stride, pose_size, skip_nonref=skip, until_s=until, threads=threads)
    drawing = FramePlan(
        show_every,
        stride,
        out_size,
        skip_nonref=skip and show_every > 1,
        until_s=until,
        threads=threads,
        planes=True,  # drawn on as decoded (voice.drawing.planes)
    )
    return pose_only, drawing


def sample_stride(video_fps: float, pose_fps: float) -> int:
    """Every ``stride``-th frame is a pose frame: the nearest integer stride to the wanted rate."""
    return max(1, round(video_fps / pose_fps))


def downscaled(bgr: np.ndarray, max_side: int) -> tuple[np.ndarray, float]:
    """The frame downscaled so its longer side is at most ``max_side`` (itself if it is); the scale."""
    import cv2

    height, width = bgr.shape[:2]
    scale = min(1.0, max_side / max(height, width))
    if scale >= 1.0:
        return bgr, scale
    small = cv2.resize(bgr, (round(width * scale), round(height * scale)), interpolation=cv2.INTER_AREA)
    return small, scale


def downscaled_rgb(bgr: np.ndarray, max_side: int) -> tuple[np.ndarray, float]:
    """:func:`downscaled`, as RGB."""
    import cv2

    small, scale = downscaled(bgr, max_side)
    return cv2.cvtColor(small, cv2.COLOR_BGR2RGB), scale
