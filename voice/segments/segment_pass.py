"""The video pass on one segment of a long video (:mod:`voice.segments.plan`).

The same pass as :mod:`voice.session.video_pass`, on a time range: decoding starts at the key frame before
the range (:class:`voice.media.frames.FramePlan` spans), everyone's pose runs from ``plan.link`` frames
before the segment's first frame to ``plan.link`` frames after its last, and only the segment's
own frames are drawn and encoded. The annotated part is video only, encoded with the same
parameters as every other part and starting with an IDR frame (x264 starts every stream with
one), so the parts join without re-encoding; the audio is added once to the whole
(:mod:`voice.media.concat`).

Track ids. Tracking restarts at each segment (a fresh tracker, smoother and pose graph, warmed
up on the ``link`` frames before the segment). The people it finds there keep the ids it gives
them (0, 1, …: the ones most likely to continue a track of the segment before); people first
seen after that get ids from ``ID_BLOCK × segment`` on, which no other segment uses, so the id
drawn next to a newcomer is already the one the joined video keeps (:mod:`voice.segments.joining`).

With a patient model the segment runs pose only (``draw=False``): the predicted label needs the
whole video's poses, so every segment is drawn afterwards (:func:`draw_segment`).
"""

from __future__ import annotations

import time
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from voice.config import Settings
from voice.drawing.drawer import Drawer, Fed, KeyFrameSink, Samples, check_complete, feed
from voice.drawing.timeline import KeyFrame, KeyFrames, Timeline, key_frame_times
from voice.media.frames import Frame, FramePlan, frame_plans, iter_frames
from voice.media.h264 import H264Writer, encoding_of
from voice.media.probe import VideoInfo
from voice.people.estimator import PeoplePass
from voice.people.patient import PatientChooser
from voice.people.stages import in_pass
from voice.pose.body25 import PoseFrame
from voice.pose.face_hands import face_hands_estimator, patient_parts
from voice.pose.track import PoseTrack
from voice.records.session import PredictionRecord
from voice.segments.plan import OPEN_END, Segment, SegmentPlan
from voice.session.video_pass import RenderPlan

__all__ = ["ID_BLOCK", "KeyFrameImage", "SegmentJob", "SegmentResult", "draw_segment", "segment_pass"]

#: Newcomers of segment ``s`` get track ids from ``ID_BLOCK × s`` on.
ID_BLOCK = 1000


@dataclass(frozen=True)
class SegmentJob:
    """One segment of a long video: the plan, which segment, the session's render plan, where
    the annotated part goes, whether this pass draws, and the model's predictions (if any)."""

    plan: SegmentPlan
    segment: Segment
    render: RenderPlan
    workdir: Path
    draw: bool = True
    predictions: tuple[PredictionRecord, ...] = ()


@dataclass(frozen=True)
class KeyFrameImage:
    """A key frame as drawn: which key (``key_frame_times`` index) and emotion, where, the JPG."""

    key: int
    emotion: str
    frame: int
    time_s: float
    jpg: bytes


@dataclass
class SegmentResult:
    """What one segment's pass found and made.

    ``frames``: every pose sample it estimated (the link frames before and after its own
    included), with its own track ids and the patient as it chose (and drew) them;
    ``colours``: per track, the sum of the torso histograms over the segment's own samples and
    how many there were; ``video``: the annotated part (None for a pose-only pass).
    """

    index: int
    frames: list[PoseFrame]
    colours: dict[int, tuple[np.ndarray, int]] = field(default_factory=dict)
    key_frames: list[KeyFrameImage] = field(default_factory=list)
    video: Path | None = None
    shown: int = 0  # frames in ``video``
    timings: dict[str, float] = field(default_factory=dict)


def _spans(job: SegmentJob, info: VideoInfo, settings: Settings, *, replay: bool) -> FramePlan:
    """The frames a segment's pass decodes: its own frames shown, pose over its pose span (a
    replay needs only the samples on either side of its frames, for the interpolation)."""
    pose_only, drawing = frame_plans(info, settings)
    seg, stride = job.segment, job.plan.stride
    pose_span = (max(0, seg.first - stride), seg.stop + 1) if replay else job.plan.pose_span(seg)
    if not job.draw:
        return replace(pose_only, shown_span=None, pose_span=pose_span)
    return replace(drawing, shown_span=(seg.first, seg.stop), pose_span=pose_span)


def _jpg_sink(found: list[KeyFrameImage]) -> KeyFrameSink:
    def keep(fr: Frame, pose: PoseFrame, key: KeyFrame, drawn: np.ndarray) -> None:
        import cv2

        ok, jpg = cv2.imencode(".jpg", drawn, [cv2.IMWRITE_JPEG_QUALITY, 85])
        if ok:
            found.append(KeyFrameImage(key[0], key[1], fr.index, fr.time_s, jpg.tobytes()))

    return keep


class _People:
    """Everyone's pose on the segment's pose frames, with the segment's track ids (module notes)."""

    def __init__(self, job: SegmentJob, info: VideoInfo, settings: Settings, plan: FramePlan) -> None:
        render = job.render
        self.chooser = PatientChooser((info.width, info.height), pin=render.pin, appearance=render.appearance)
        self.job, self.settings, self.plan = job, settings, plan
        self.track = PoseTrack([])
        self.colours: dict[int, tuple[np.ndarray, int]] = {}
        self.seconds = 0.0

    def _keep_colours(self, appearances: dict[int, np.ndarray | None]) -> None:
        for track_id, hist in appearances.items():
            if hist is not None:
                total, n = self.colours.get(track_id, (np.zeros_like(hist), 0))
                self.colours[track_id] = (total + hist, n + 1)

    def __call__(self, frames: Iterable[Frame]) -> Iterator[Frame]:
        seg = self.job.segment
        renumbered = [seg.index == 0]
        busy = [0.0]
        with PeoplePass(self.settings, self.chooser) as people:

            def body(fr: Frame) -> PoseFrame | None:
                if not self.plan.poses(fr.index):
                    return None
                if not renumbered[0] and fr.index >= seg.first:
                    people.new_ids_from(ID_BLOCK * seg.index)
                    renumbered[0] = True
                pose = people.sampled(fr)
                if seg.first <= fr.index < seg.stop:
                    self._keep_colours(people.last_appearances)
                return pose

            for fr, pose in in_pass(
                frames,
                body=body,
                parts=lambda fr, pose: people.parts(fr.bgr, pose),
                stride=self.plan.pose_every,
                settings=self.settings,
                busy=busy,
            ):
                if pose is not None:
                    self.track.frames.append(pose)
                    self.seconds = busy[0]
                yield fr


def _until(job: SegmentJob, info: VideoInfo) -> tuple[float, float]:
    """The time of the last frame the pass must reach, and how far short of it it may stop."""
    seg = job.segment
    if seg.stop == OPEN_END:  # the end of the video: as the one-pass render checks it
        return info.duration_s - 1.0 / info.fps, max(1.0, 0.1 * info.duration_s)
    return seg.end_s - job.plan.show_every / info.fps, 1.0


def _encode(
    job: SegmentJob, info: VideoInfo, settings: Settings, frames: Iterable[Frame], samples: Samples
) -> tuple[Path, list[KeyFrameImage], Fed]:
    """Draw and encode the segment's own frames; keep its key frames."""
    timeline = Timeline.of(job.render.transcript, job.render.windows, job.predictions)
    stride_s = job.plan.stride / info.fps
    keys = KeyFrames(key_frame_times(job.render.windows, info.duration_s, settings), tolerance_s=stride_s / 2)
    plan = frame_plans(info, settings)[1]
    out = job.workdir / f"segment_{job.segment.index:03d}.mp4"
    found: list[KeyFrameImage] = []
    with H264Writer(
        out,
        size=plan.size or (info.width, info.height),
        fps=info.fps / job.plan.show_every,
        audio_source=None,
        duration_s=None,
        encoding=encoding_of(settings),
        video_only=True,
        nice=settings.pass_nice,
    ) as writer:
        drawer = Drawer(writer, _jpg_sink(found), blur=settings.blur_bystanders, nice=settings.pass_nice)
        owned = range(job.segment.first, job.segment.stop)
        try:
            fed = feed(frames, drawer, samples, timeline, (keys, owned.__contains__))
        except BaseException:
            drawer.abandon()
            raise
        drawer.close()
    return out, found, fed


def segment_pass(source: Path, info: VideoInfo, job: SegmentJob, *, settings: Settings) -> SegmentResult:
    """Pose (and, unless ``job.draw`` is off, the annotated part) of one segment (module notes)."""
    plan = _spans(job, info, settings, replay=False)
    people = _People(job, info, settings, plan)
    until, tolerance = _until(job, info)
    t0 = time.perf_counter()
    result = SegmentResult(job.segment.index, people.track.frames)
    if job.draw:
        out, keys, fed = _encode(
            job,
            info,
            settings,
            people(iter_frames(source, plan, nice=settings.pass_nice)),
            Samples(people.track, replay=False),
        )
        check_complete(fed.shown, fed.last_shown_s, until_s=until, tolerance_s=tolerance)
        result.video, result.key_frames, result.shown = out, keys, fed.shown
    else:
        last = -1.0
        count = 0
        for fr in people(iter_frames(source, plan, nice=settings.pass_nice)):
            if job.segment.first <= fr.index < job.segment.stop:
                count, last = count + 1, fr.time_s
        check_complete(count, last, until_s=until, tolerance_s=tolerance + job.plan.stride / info.fps)
    result.colours = people.colours
    result.timings = {"pose": people.seconds, "annotate": max(0.0, time.perf_counter() - t0 - people.seconds)}
    return result


def _with_parts(
    frames: Iterable[Frame], samples: Samples, wanted: Collection[int], settings: Settings
) -> Iterator[Frame]:
    """The frames, passed through; on those in ``wanted`` the patient's face and hands are found
    first and put into their samples (:func:`voice.segments.joining.parts_to_find`)."""
    estimator = face_hands_estimator(settings) if wanted else None
    if estimator is None:
        yield from frames
        return
    with estimator:
        for fr in frames:
            pose = samples.at(fr.index)
            if fr.index in wanted and pose is not None and pose.keypoints is not None:
                parts = patient_parts(estimator, fr.bgr, pose.keypoints, fr.source_size)
                samples.put(pose.with_patient_parts(*parts))
            yield fr


def draw_segment(
    source: Path,
    info: VideoInfo,
    job: SegmentJob,
    frames: list[PoseFrame],
    *,
    settings: Settings,
    find_parts: Collection[int] = frozenset(),
) -> SegmentResult:
    """Draw and encode the segment again from stored poses (``frames``: the joined ones, final
    ids and patient): no pose runs, only the segment's frames and the samples around them are
    decoded; the patient's face and hands are found on the samples in ``find_parts``. The
    result's frames are those drawn with."""
    plan = _spans(job, info, settings, replay=True)
    samples = Samples(PoseTrack(frames), replay=True)
    decoded = _with_parts(iter_frames(source, plan), samples, find_parts, settings)
    out, keys, fed = _encode(job, info, settings, decoded, samples)
    until, tolerance = _until(job, info)
    check_complete(fed.shown, fed.last_shown_s, until_s=until, tolerance_s=tolerance)
    drawn = [samples.at(f.frame) or f for f in frames]
    return SegmentResult(job.segment.index, drawn, key_frames=keys, video=out, shown=fed.shown)
