"""The video pass: decode once, find everyone, draw the overlays, encode the annotated H.264 video.

One decode of the upload feeds three things at once: multi-person pose on every ``stride``-th
frame (:func:`voice.people.estimator.track_people`: everyone, with track ids, and the patient as known so
far), the overlay drawn on every frame (:func:`voice.drawing.timeline.overlay_at`: narration caption,
narrated emotion, model prediction; the patient's skeleton in the emotion's colour, others in
grey with their ids), and the key frames (JPG + BODY_25 JSON at each event and a few evenly
spaced times). Frames come small and upright from :mod:`voice.media.frames` (the annotated video is a
review copy: at most ``annotate_max_fps`` and ``annotate_max_short_side``). Drawing and encoding
run in a thread of their own (:class:`voice.drawing.drawer.Drawer`) so pose never waits for
x264; that thread holds each frame until the pose sample after it exists and draws the skeleton
interpolated between the two (:mod:`voice.drawing.interpolation`).

Who the patient is is final only at the end (:mod:`voice.people.patient`). The single pass draws with
the choice as it stands on each frame; when the final choice differs on a frame where it shows,
the video is drawn again from the stored poses (a second decode, no pose). With a patient model
the predicted label must be drawn too, which needs the whole pose track first: poses then come
from a first pass and the second pass only draws and encodes.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from voice import layout
from voice.config import Settings
from voice.drawing.drawer import Drawer, KeyFrameSink, Samples, check_complete, feed
from voice.drawing.timeline import KeyFrame, KeyFrames, Timeline, key_frame_times
from voice.media.frames import Frame, FramePlan, frame_plans, iter_frames
from voice.media.h264 import H264Writer, encoding_of
from voice.media.probe import VideoInfo
from voice.model.patient_model import PatientModel
from voice.model.predict import predict_track, prediction_records
from voice.narration.windows import EventWindow
from voice.people.estimator import drawn_patient_differs, patient_track, track_people
from voice.people.patient import PatientChoice, PatientChooser
from voice.people.pin import PersonPin
from voice.people.track_stats import TrackStats
from voice.pose.body25 import PoseFrame, pose_to_json
from voice.pose.track import PoseTrack
from voice.records.session import PredictionRecord
from voice.session.head_start import HeadStart
from voice.session.outputs import SessionOutputs
from voice.transcription.transcript import Transcript

__all__ = ["RenderPlan", "VideoPassResult", "video_pass"]


@dataclass(frozen=True)
class RenderPlan:
    """What the video pass needs to know about the session besides the video itself: who the
    patient is (``pin``: the user's point on them; ``appearance``: their profile's torso colours)."""

    patient: str
    session: str
    transcript: Transcript
    windows: tuple[EventWindow, ...]
    pin: PersonPin | None = None
    appearance: np.ndarray | None = None
    #: Pose begun on the first frames while the narration was transcribed
    #: (:mod:`voice.session.head_start`); the pass continues it.
    head: HeadStart | None = None


@dataclass
class VideoPassResult:
    """The pose track (the patient's keypoints on each frame, everyone in ``people``), the
    people's tracks, the patient's track and why, their torso colours, predictions, timings."""

    track: PoseTrack
    predictions: list[PredictionRecord]
    timings: dict[str, float]
    people: list[TrackStats] = field(default_factory=list)
    patient: PatientChoice = field(default_factory=lambda: PatientChoice(None, "none", "not run"))
    appearance: np.ndarray | None = None
    redrawn: bool = False


def _key_frame_writer(plan: RenderPlan, outputs: SessionOutputs) -> KeyFrameSink:
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


@dataclass(frozen=True)
class _Pass:
    """One video pass's fixed inputs."""

    source: Path
    info: VideoInfo
    plan: RenderPlan
    settings: Settings
    outputs: SessionOutputs
    pose_plan: FramePlan  # the pose-only pass
    draw_plan: FramePlan  # the pass that draws the annotated video

    @property
    def stride(self) -> int:
        return self.draw_plan.pose_every


def _encode(job: _Pass, frames: Iterable[Frame], samples: Samples, timeline: Timeline) -> None:
    """Draw every frame (overlay, skeletons) and encode the annotated video; keep the key frames."""
    info, settings, plan = job.info, job.settings, job.draw_plan
    keys = KeyFrames(
        key_frame_times(job.plan.windows, info.duration_s, settings), tolerance_s=(job.stride / info.fps) / 2
    )
    out_path = job.outputs.workdir / "annotated.mp4"
    with H264Writer(
        out_path,
        size=plan.size or (info.width, info.height),
        fps=info.fps / plan.show_every,
        audio_source=job.source if info.has_audio else None,
        copy_audio=info.audio_codec == "aac",
        duration_s=info.duration_s,
        encoding=encoding_of(settings),
        nice=settings.pass_nice,
    ) as writer:
        drawer = Drawer(
            writer,
            _key_frame_writer(job.plan, job.outputs),
            blur=settings.blur_bystanders,
            nice=settings.pass_nice,
        )
        try:
            fed = feed(frames, drawer, samples, timeline, (keys, None))
        except BaseException:
            drawer.abandon()
            raise
        drawer.close()
    # The whole video: its last frame, less a tenth of its length (containers round durations).
    until = info.duration_s - 1.0 / info.fps
    check_complete(fed.frames, fed.last_s, until_s=until, tolerance_s=max(1.0, 0.1 * info.duration_s))
    job.outputs.add(layout.annotated_video_key(job.plan.patient, job.plan.session), out_path, "video/mp4")


def _decoded(source: Path, plan: FramePlan, settings: Settings) -> Iterator[Frame]:
    """A pass's frames, decoded at a lower priority than its body stage (voice.priority)."""
    return iter_frames(source, plan, nice=settings.pass_nice)


def video_pass(
    source: Path,
    info: VideoInfo,
    plan: RenderPlan,
    *,
    model: PatientModel | None,
    settings: Settings,
    outputs: SessionOutputs,
) -> VideoPassResult:
    """Decode once: everyone's pose on every ``stride``-th frame, the patient among them, overlays,
    H.264, key frames (module notes: when it decodes twice)."""
    job = _Pass(source, info, plan, settings, outputs, *frame_plans(info, settings))
    # With a model, pose runs on the pose-only pass's frames: only a head start begun on those fits.
    head = plan.head if plan.head is not None and plan.head.pose_only == (model is not None) else None
    if plan.head is not None and head is None:
        plan.head.discard()
    chooser = (
        head.chooser
        if head is not None
        else PatientChooser((info.width, info.height), pin=plan.pin, appearance=plan.appearance)
    )
    track = PoseTrack([])
    pose_timer = [0.0 if head is None else head.busy_s]

    def people(frames: Iterable[Frame]) -> Iterator[Frame]:
        who = head.people if head is not None else chooser
        return track_people(frames, track, who, stride=job.stride, settings=settings, timer=pose_timer)

    predictions: list[PredictionRecord] = []
    live = model is None
    if model is not None:
        for _ in people(_decoded(source, job.pose_plan, settings)):
            pass
        chosen = patient_track(track, chooser.final().track_id)
        predictions = prediction_records(predict_track(model, chosen.frames, settings=settings))
        track = chosen
    timeline = Timeline.of(plan.transcript, plan.windows, predictions)
    t_enc = time.perf_counter()
    frames = _decoded(source, job.draw_plan, settings)
    _encode(job, people(frames) if live else frames, Samples(track, replay=not live), timeline)
    choice = chooser.final()
    redraw = live and drawn_patient_differs(track, choice.track_id)
    track = patient_track(track, choice.track_id)
    if redraw:
        _encode(job, _decoded(source, job.draw_plan, settings), Samples(track, replay=True), timeline)
    # Pose, drawing and encoding overlap in one pass: "annotate" is the pass less the pose time.
    annotate_s = time.perf_counter() - t_enc - (pose_timer[0] if live else 0.0)
    timings = {"pose": pose_timer[0], "annotate": max(0.0, annotate_s), "decode": 0.0}
    colours = None if choice.track_id is None else chooser.appearance(choice.track_id)
    return VideoPassResult(track, predictions, timings, chooser.stats(), choice, colours, redraw)
