"""The video pass: decode once, run pose, draw the overlays, encode the annotated H.264 video.

One decode of the upload feeds three things at once: MediaPipe pose on every ``stride``-th frame
(the pose track), the overlay drawn on every frame (:func:`overlay_at`: narration caption,
narrated emotion, model prediction, skeleton), and the key frames (JPG + BODY_25 JSON at each
event and a few evenly spaced times). Drawing and encoding run in a thread of their own
(:class:`_Drawer`) so pose never waits for x264.

With a patient model the predicted label must be drawn too, which needs the whole pose track
first: poses then come from a first pass and the second pass only draws and encodes.
"""

from __future__ import annotations

import bisect
import queue
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from voice import layout, media
from voice.annotate import Encoding, H264Writer, Overlay, draw_overlay
from voice.body25 import PoseFrame, pose_to_json
from voice.config import Settings
from voice.errors import CorruptMediaError
from voice.media import Frame, VideoInfo
from voice.model import PatientModel
from voice.poses import PoseTrack, sample_stride, track_poses
from voice.predict import predict_track, prediction_dicts
from voice.session import EventWindow, SessionOutputs
from voice.transcript import Segment, Transcript

__all__ = [
    "KeyFrames",
    "RenderPlan",
    "Timeline",
    "VideoPassResult",
    "key_frame_times",
    "overlay_at",
    "video_pass",
]

#: (index, emotion) of a key frame to save.
KeyFrame = tuple[int, str]


@dataclass(frozen=True)
class RenderPlan:
    """What the video pass needs to know about the session besides the video itself."""

    patient: str
    session: str
    transcript: Transcript
    windows: tuple[EventWindow, ...]


@dataclass
class VideoPassResult:
    track: PoseTrack
    predictions: list[dict[str, Any]]
    timings: dict[str, float]


@dataclass(frozen=True)
class Timeline:
    """What the overlay shows over time: narration segments, event windows, model predictions."""

    segments: tuple[Segment, ...] = ()
    windows: tuple[EventWindow, ...] = ()
    predictions: tuple[dict[str, Any], ...] = ()
    _segment_ends: list[float] = field(init=False, repr=False, compare=False)
    _prediction_ends: list[float] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_segment_ends", [s.end for s in self.segments])
        object.__setattr__(self, "_prediction_ends", [float(p["end"]) for p in self.predictions])


def _event_label(window: EventWindow) -> tuple[str, str]:
    ev = window.event
    who = f"{ev.subject}: " if ev.subject else ""
    label = f"{who}{'NOT ' if ev.negated else ''}{ev.emotion} ({ev.keyword})"
    if ev.ignored is not None:  # kept, not a label: shown uncoloured with the reason
        label = f"{label}, not counted: {ev.ignored}"
    return label, ev.emotion if ev.counts else ""


def overlay_at(t: float, timeline: Timeline) -> Overlay:
    """The overlay of the frame shown at ``t`` seconds (pure: no state between frames).

    Caption: the first segment not yet ended, once it has started. Label: the first event window
    holding ``t``. Prediction: the first prediction window not yet ended (or the last one),
    once it has started.
    """
    caption = ""
    i = bisect.bisect_left(timeline._segment_ends, t)
    if i < len(timeline.segments) and timeline.segments[i].start <= t:
        caption = timeline.segments[i].text
    label, label_emotion = "", ""
    active = next((w for w in timeline.windows if w.start <= t <= w.end), None)
    if active is not None:
        label, label_emotion = _event_label(active)
    predicted = ""
    if timeline.predictions:
        j = min(bisect.bisect_left(timeline._prediction_ends, t), len(timeline.predictions) - 1)
        p = timeline.predictions[j]
        if p["start"] <= t:
            predicted = f"model: {p['label']} {p['probabilities'][p['label']]:.0%}"
    return Overlay(caption, label, label_emotion, predicted)


def key_frame_times(
    windows: Sequence[EventWindow], duration: float, settings: Settings
) -> list[tuple[float, str]]:
    """(time, emotion): event frames first, then ``key_frames_extra`` evenly spaced ones."""
    times = [(w.event.time, w.event.emotion) for w in windows]
    n = settings.key_frames_extra
    for i in range(n):
        times.append(((i + 0.5) * duration / n, "none"))
    return times


class KeyFrames:
    """Picks, among the sampled frames, the one nearest each key time (each key time once)."""

    def __init__(self, times: Sequence[tuple[float, str]], *, tolerance_s: float) -> None:
        self._times = list(times)
        self._tolerance = tolerance_s + 1e-6
        self._taken: set[int] = set()

    def pick(self, time_s: float) -> KeyFrame | None:
        for k, (kt, emotion) in enumerate(self._times):
            if k not in self._taken and abs(kt - time_s) <= self._tolerance:
                self._taken.add(k)
                return (k, emotion)
        return None


class _PoseCursor:
    """The pose to draw on each frame: the latest sampled one (live, or replayed from a track)."""

    def __init__(self, track: PoseTrack, stride: int, *, replay: bool) -> None:
        self._track = track
        self._stride = stride
        self._replay: Iterator[PoseFrame] | None = iter(track.frames) if replay else None
        self.last: PoseFrame | None = None

    def at(self, index: int) -> PoseFrame | None:
        if self._replay is not None:
            if index % self._stride == 0:
                self.last = next(self._replay, self.last)
        elif self._track.frames and self._track.frames[-1].frame == index:
            self.last = self._track.frames[-1]
        return self.last

    def sampled_here(self, index: int) -> bool:
        """True on a sampled frame whose own pose is the one drawn."""
        return index % self._stride == 0 and self.last is not None and self.last.frame == index


_DrawItem = tuple[Frame, PoseFrame | None, Overlay, KeyFrame | None]


class _Drawer:
    """Draws overlays and feeds the encoder in a thread of its own.

    The main thread decodes and runs pose; this one draws (OpenCV releases the GIL) and blocks on
    the encoder's pipe, so pose estimation never waits for x264 and x264 never waits for pose.
    """

    def __init__(
        self,
        writer: H264Writer,
        resize_to: tuple[int, int] | None,
        on_key_frame: Callable[[Frame, PoseFrame, KeyFrame, np.ndarray], None],
    ) -> None:
        self._writer = writer
        self._resize_to = resize_to
        self._on_key_frame = on_key_frame
        self._queue: queue.Queue[_DrawItem | None] = queue.Queue(maxsize=16)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="voice-draw", daemon=True)
        self._thread.start()

    def put(self, frame: Frame, pose: PoseFrame | None, overlay: Overlay, key: KeyFrame | None) -> None:
        if self._error is not None:
            raise self._error
        self._queue.put((frame, pose, overlay, key))

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

    def _draw(self, item: _DrawItem) -> None:
        import cv2

        frame, pose, overlay, key = item
        canvas = (
            frame.bgr
            if self._resize_to is None
            else cv2.resize(frame.bgr, self._resize_to, interpolation=cv2.INTER_AREA)
        )
        drawn = draw_overlay(canvas, pose, overlay)
        self._writer.write(drawn)
        if key is not None and pose is not None:
            self._on_key_frame(frame, pose, key, drawn)

    def _run(self) -> None:
        while (item := self._queue.get()) is not None:
            if self._error is not None:
                continue  # keep draining so the producer never blocks
            try:
                self._draw(item)
            except BaseException as exc:
                self._error = exc


def _key_frame_writer(
    plan: RenderPlan, outputs: SessionOutputs
) -> Callable[[Frame, PoseFrame, KeyFrame, np.ndarray], None]:
    def write(fr: Frame, pose: PoseFrame, key: KeyFrame, drawn: np.ndarray) -> None:
        import cv2

        k, emotion = key
        ok, jpg = cv2.imencode(".jpg", drawn, [cv2.IMWRITE_JPEG_QUALITY, 85])
        if ok:
            frame_key = layout.frame_key(plan.patient, plan.session, k, fr.time_s, emotion)
            pose_key = layout.pose_key(plan.patient, plan.session, k, fr.time_s, emotion)
            outputs.add(frame_key, jpg.tobytes(), "image/jpeg")
            outputs.add(pose_key, pose_to_json(pose, plan.session), "application/json")

    return write


def _feed(
    frames: Iterable[Frame], drawer: _Drawer, poses: _PoseCursor, timeline: Timeline, keys: KeyFrames
) -> tuple[int, float]:
    """Queue every frame for drawing; returns (frames decoded, time of the last one)."""
    decoded, last_t = 0, -1.0
    for fr in frames:
        decoded += 1
        last_t = fr.time_s
        pose = poses.at(fr.index)
        key = keys.pick(fr.time_s) if poses.sampled_here(fr.index) else None
        drawer.put(fr, pose, overlay_at(fr.time_s, timeline), key)
    return decoded, last_t


def _check_complete(decoded: int, last_t: float, info: VideoInfo) -> None:
    if decoded == 0:
        raise CorruptMediaError("no frame could be decoded; the video stream is damaged.")
    expected_last = info.duration_s - 1.0 / info.fps
    if last_t < expected_last - max(1.0, 0.1 * info.duration_s):
        raise CorruptMediaError(
            f"the video stops after {last_t:.1f}s of {info.duration_s:.1f}s; "
            "the file is truncated. Upload the complete original file."
        )


def _output_size(info: VideoInfo, settings: Settings) -> tuple[tuple[int, int], bool]:
    scale = min(1.0, settings.annotate_max_side / max(info.width, info.height))
    return (round(info.width * scale), round(info.height * scale)), scale < 1.0


def video_pass(
    source: Path,
    info: VideoInfo,
    plan: RenderPlan,
    *,
    model: PatientModel | None,
    settings: Settings,
    outputs: SessionOutputs,
) -> VideoPassResult:
    """Decode once: pose on every ``stride``-th frame, draw overlays, encode H.264, grab key frames."""
    stride = sample_stride(info.fps, settings.pose_fps)
    track = PoseTrack([])
    pose_timer = [0.0]
    predictions: list[dict[str, Any]] = []
    if model is not None:
        for _ in track_poses(
            media.iter_frames(source), track, stride=stride, settings=settings, timer=pose_timer
        ):
            pass
        predictions = prediction_dicts(predict_track(model, track.frames, settings=settings))
    timeline = Timeline(plan.transcript.segments, plan.windows, tuple(predictions))
    keys = KeyFrames(
        key_frame_times(plan.windows, info.duration_s, settings), tolerance_s=(stride / info.fps) / 2
    )
    frames: Iterable[Frame] = media.iter_frames(source)
    if model is None:
        frames = track_poses(frames, track, stride=stride, settings=settings, timer=pose_timer)
    poses = _PoseCursor(track, stride, replay=model is not None)
    out_path = outputs.workdir / "annotated.mp4"
    out_size, resize = _output_size(info, settings)
    t_enc = time.perf_counter()
    with H264Writer(
        out_path,
        size=out_size,
        fps=info.fps,
        audio_source=source if info.has_audio else None,
        duration_s=info.duration_s,
        encoding=Encoding(settings.x264_preset, settings.x264_crf),
    ) as writer:
        drawer = _Drawer(writer, out_size if resize else None, _key_frame_writer(plan, outputs))
        try:
            decoded, last_t = _feed(frames, drawer, poses, timeline, keys)
        except BaseException:
            drawer.abandon()
            raise
        drawer.close()
    # Pose, drawing and encoding overlap in one pass: "annotate" is the pass less the pose time.
    annotate_s = time.perf_counter() - t_enc - (0.0 if model is not None else pose_timer[0])
    _check_complete(decoded, last_t, info)
    outputs.add(layout.annotated_video_key(plan.patient, plan.session), out_path, "video/mp4")
    timings = {"pose": pose_timer[0], "annotate": max(0.0, annotate_s), "decode": 0.0}
    return VideoPassResult(track, predictions, timings)
