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
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from voice import layout
from voice.annotate import Encoding, H264Writer, Overlay, draw_overlay
from voice.body25 import PoseFrame, pose_to_json
from voice.config import Settings
from voice.errors import CorruptMediaError
from voice.frames import Frame, frame_plans, iter_frames
from voice.lookahead import Lookahead
from voice.media import VideoInfo
from voice.model import PatientModel
from voice.poses import PoseTrack, track_poses
from voice.predict import pose_track, predict_track, prediction_dicts
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


_DrawItem = tuple[Frame, Overlay, KeyFrame | None]


class _Drawer:
    """Draws overlays and feeds the encoder in a thread of its own, one pose interval behind.

    The main thread decodes and runs pose; this one holds each frame until the pose sample after
    it exists (:class:`~voice.lookahead.Lookahead`), draws the pose interpolated between the two
    samples (OpenCV releases the GIL) and blocks on the encoder's pipe, so pose estimation never
    waits for x264 and x264 never waits for pose.
    """

    def __init__(
        self, writer: H264Writer, on_key_frame: Callable[[Frame, PoseFrame, KeyFrame, np.ndarray], None]
    ) -> None:
        self._writer = writer
        self._on_key_frame = on_key_frame
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

    def _draw(self, item: _DrawItem, pose: PoseFrame | None) -> None:
        frame, overlay, key = item
        if not frame.shown and key is None:
            return
        drawn = draw_overlay(frame.bgr, pose, overlay)
        if frame.shown:
            self._writer.write(drawn)
        if key is not None and pose is not None:
            self._on_key_frame(frame, pose, key, drawn)

    def _run(self) -> None:
        while (entry := self._queue.get()) is not None:
            if self._error is not None:
                continue  # keep draining so the producer never blocks
            item, sample = entry
            try:
                for held, pose in self._lookahead.push(item, item[0].time_s, sample):
                    self._draw(held, pose)
            except BaseException as exc:
                self._error = exc
        if self._error is None:
            try:
                for item, pose in self._lookahead.flush():
                    self._draw(item, pose)
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
    frames: Iterable[Frame], drawer: _Drawer, samples: _Samples, timeline: Timeline, keys: KeyFrames
) -> tuple[int, float]:
    """Queue every frame for drawing; returns (frames decoded, time of the last one)."""
    decoded, last_t = 0, -1.0
    for fr in frames:
        decoded += 1
        last_t = fr.time_s
        sample = samples.at(fr.index)
        key = keys.pick(fr.time_s) if sample is not None else None
        drawer.put(fr, sample, overlay_at(fr.time_s, timeline), key)
    return decoded, last_t


class _Samples:
    """The pose sampled on a frame: the one just estimated (live), or replayed from a track."""

    def __init__(self, track: PoseTrack, *, replay: bool) -> None:
        self._track = track
        self._by_index = {p.frame: p for p in track.frames} if replay else None

    def at(self, index: int) -> PoseFrame | None:
        if self._by_index is not None:
            return self._by_index.get(index)
        frames = self._track.frames
        return frames[-1] if frames and frames[-1].frame == index else None


def _check_complete(decoded: int, last_t: float, info: VideoInfo) -> None:
    if decoded == 0:
        raise CorruptMediaError("no frame could be decoded; the video stream is damaged.")
    expected_last = info.duration_s - 1.0 / info.fps
    if last_t < expected_last - max(1.0, 0.1 * info.duration_s):
        raise CorruptMediaError(
            f"the video stops after {last_t:.1f}s of {info.duration_s:.1f}s; "
            "the file is truncated. Upload the complete original file."
        )


def video_pass(
    source: Path,
    info: VideoInfo,
    plan: RenderPlan,
    *,
    model: PatientModel | None,
    settings: Settings,
    outputs: SessionOutputs,
) -> VideoPassResult:
    """Decode once: pose on every ``stride``-th frame, draw overlays, encode H.264, grab key frames.

    With a patient model, a pose-only pass comes first (the predictions need the whole track).
    """
    _, draw_plan = frame_plans(info, settings)
    track = PoseTrack([])
    pose_timer = [0.0]
    predictions: list[dict[str, Any]] = []
    if model is not None:
        track = pose_track(source, settings, info=info, timer=pose_timer)
        predictions = prediction_dicts(predict_track(model, track.frames, settings=settings))
    timeline = Timeline(plan.transcript.segments, plan.windows, tuple(predictions))
    frames = iter_frames(source, draw_plan)
    if model is None:
        frames = track_poses(frames, track, stride=draw_plan.pose_every, settings=settings, timer=pose_timer)
    t_enc = time.perf_counter()
    out_path = outputs.workdir / "annotated.mp4"
    with H264Writer(
        out_path,
        size=draw_plan.size or (info.width, info.height),
        fps=info.fps / draw_plan.show_every,
        audio_source=source if info.has_audio else None,
        duration_s=info.duration_s,
        encoding=Encoding(settings.x264_preset, settings.x264_crf),
    ) as writer:
        keys = KeyFrames(
            key_frame_times(plan.windows, info.duration_s, settings),
            tolerance_s=(draw_plan.pose_every / info.fps) / 2,
        )
        drawer = _Drawer(writer, _key_frame_writer(plan, outputs))
        try:
            decoded, last_t = _feed(frames, drawer, _Samples(track, replay=model is not None), timeline, keys)
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
