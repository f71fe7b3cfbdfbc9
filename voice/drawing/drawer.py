"""Drawing and encoding in a thread of their own, one pose interval behind the frames.

:class:`Drawer` takes decoded frames with the pose sampled on them (if any) and the overlay of
their moment, holds each frame until the pose sample after it exists
(:class:`~voice.drawing.interpolation.Lookahead`), draws the skeletons interpolated between the two samples
and feeds the encoder. :func:`feed` queues a pass's frames; :class:`Samples` says which pose was
sampled on a frame, live (just estimated) or replayed from a stored track. Used by the one-pass
video pass (:mod:`voice.session.video_pass`) and by the segments of a long video
(:mod:`voice.segments.segment_pass`).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np

from voice.drawing.blur import FaceBlur
from voice.drawing.interpolation import Lookahead
from voice.drawing.overlay import Canvas, Overlay, draw_overlay
from voice.drawing.planes import Planes
from voice.drawing.timeline import KeyFrame, KeyFrames, Timeline, overlay_at
from voice.errors import CorruptMediaError
from voice.media.frames import Frame
from voice.media.h264 import H264Writer
from voice.pose.body25 import PoseFrame
from voice.pose.track import PoseTrack
from voice.priority import lower_this_thread

__all__ = ["Drawer", "Fed", "KeyFrameSink", "Samples", "check_complete", "feed"]

#: Called with each key frame as drawn: the frame, its pose, which key it is, the drawn picture.
KeyFrameSink = Callable[[Frame, PoseFrame, KeyFrame, np.ndarray], None]


class Samples:
    """The pose sampled on a frame: the one just estimated (live), or replayed from a track."""

    def __init__(self, track: PoseTrack, *, replay: bool) -> None:
        self._track = track
        self._by_index = {p.frame: p for p in track.frames} if replay else None

    def put(self, pose: PoseFrame) -> None:
        """Replace a replayed sample (the same frame, e.g. with the patient's face and hands found)."""
        if self._by_index is None:
            raise ValueError("only replayed samples can be replaced")
        self._by_index[pose.frame] = pose

    def at(self, index: int) -> PoseFrame | None:
        if self._by_index is not None:
            return self._by_index.get(index)
        frames = self._track.frames
        return frames[-1] if frames and frames[-1].frame == index else None


_DrawItem = tuple[Frame, Overlay, KeyFrame | None]
_Around = tuple[PoseFrame | None, PoseFrame | None]


class Drawer:
    """Draws overlays and feeds the encoder in a thread of its own, one pose interval behind.

    The main thread decodes and runs pose; this one holds each frame until the pose sample after
    it exists (:class:`~voice.drawing.interpolation.Lookahead`), draws the pose interpolated between the two
    samples (OpenCV releases the GIL) and blocks on the encoder's pipe, so pose estimation never
    waits for x264 and x264 never waits for pose.
    """

    def __init__(
        self, writer: H264Writer | None, on_key_frame: KeyFrameSink, *, blur: bool = False, nice: int = 0
    ) -> None:
        self._writer = writer
        self._nice = nice  # this thread's priority below the caller's (voice.priority)
        self._on_key_frame = on_key_frame
        self._blur = FaceBlur() if blur else None  # bystanders' faces, before the overlay
        self._lookahead: Lookahead[_DrawItem] = Lookahead()
        self._queue: queue.Queue[tuple[_DrawItem, PoseFrame | None] | None] = queue.Queue(maxsize=16)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="voice-draw", daemon=True)
        self._thread.start()

    def put(self, frame: Frame, sample: PoseFrame | None, overlay: Overlay, key: KeyFrame | None) -> None:
        """Queue a frame; ``sample`` is the pose sampled on it (None between samples)."""
        if self._error is not None:
            raise self._error
        self._queue.put(((frame, overlay, key), sample))

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join()
        if self._error is not None:
            raise self._error

    def abandon(self) -> None:
        """Stop after a failure elsewhere; the thread drains what is queued and ends."""
        if self._error is None:
            self._error = RuntimeError("abandoned")
        self._queue.put(None)
        self._thread.join()

    def _draw(self, item: _DrawItem, pose: PoseFrame | None, samples: _Around) -> None:
        frame, overlay, key = item
        if not frame.shown and key is None:
            return
        # On the decoded planes when the frame has them (voice.drawing.planes), else on BGR.
        canvas: Canvas = Planes(frame.i420) if frame.i420 is not None else frame.bgr
        if self._blur is not None and pose is not None:
            self._blur(canvas, samples, frame.time_s, pose.patient_id)
        drawn = draw_overlay(canvas, pose, overlay)
        if frame.shown and self._writer is not None:
            if isinstance(drawn, Planes):
                self._writer.write_i420(drawn.i420)
            else:
                self._writer.write(drawn)
        if key is not None and pose is not None:
            self._on_key_frame(frame, pose, key, drawn.bgr() if isinstance(drawn, Planes) else drawn)

    def _run(self) -> None:
        lower_this_thread(self._nice)
        while (entry := self._queue.get()) is not None:
            if self._error is not None:
                continue  # keep draining so the producer never blocks
            item, sample = entry
            try:
                around = (self._lookahead.last_sample, sample)  # the samples around what is released
                for held, pose in self._lookahead.push(item, item[0].time_s, sample):
                    self._draw(held, pose, around)
            except BaseException as exc:
                self._error = exc
        if self._error is None:
            try:
                around = (self._lookahead.last_sample, None)
                for item, pose in self._lookahead.flush():
                    self._draw(item, pose, around)
            except BaseException as exc:
                self._error = exc


@dataclass
class Fed:
    """What :func:`feed` queued: frames in all and the time of the last one, frames shown and
    the time of the last one shown."""

    frames: int = 0
    last_s: float = -1.0
    shown: int = 0
    last_shown_s: float = -1.0


def feed(
    frames: Iterable[Frame],
    drawer: Drawer,
    samples: Samples,
    timeline: Timeline,
    keys: tuple[KeyFrames, Callable[[int], bool] | None],
) -> Fed:
    """Queue every frame for drawing. ``keys``: the key-frame picker, and which frames may be
    key frames (None: every frame with a pose sample)."""
    picker, owns = keys
    fed = Fed()
    for fr in frames:
        fed.frames += 1
        fed.last_s = fr.time_s
        if fr.shown:
            fed.shown += 1
            fed.last_shown_s = fr.time_s
        sample = samples.at(fr.index)
        key = None
        if sample is not None and (owns is None or owns(fr.index)):
            key = picker.pick(fr.time_s)
        drawer.put(fr, sample, overlay_at(fr.time_s, timeline), key)
    return fed


def check_complete(decoded: int, last_s: float, *, until_s: float, tolerance_s: float) -> None:
    """A pass that decoded nothing, or stopped more than ``tolerance_s`` before ``until_s`` (the
    time of the last frame it should reach), read a damaged or truncated file."""
    if decoded == 0:
        raise CorruptMediaError("no frame could be decoded; the video stream is damaged.")
    if last_s < until_s - tolerance_s:
        raise CorruptMediaError(
            f"the video stops after {last_s:.1f}s of {until_s:.1f}s; "
            "the file is truncated. Upload the complete original file."
        )
