"""Everyone in the video, frame by frame, with stable ids, and the patient among them.

:class:`~voice.people.multi_pose.PeopleEstimator` finds every person's BODY_25 in a frame
(BlazePose's detector and full landmark model, run as MediaPipe's Tasks ``PoseLandmarker`` runs
them). :func:`track_people` runs it on every ``stride``-th frame, gives each person a track id
(:class:`voice.people.tracking.PersonTracker`) and lets a :class:`voice.people.patient.PatientChooser`
follow along, so every sampled :class:`~voice.pose.body25.PoseFrame` lists all people and names
the patient as known so far; the patient's face and hands are found one sampled frame behind,
on the other core (:mod:`voice.people.stages`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import numpy as np

from voice.config import Settings
from voice.media.frames import Frame
from voice.people.multi_pose import MODEL_NAME, Detection, PeopleEstimator
from voice.people.patient import PatientChooser
from voice.people.smoothing import LandmarkSmoother
from voice.people.stages import in_pass
from voice.people.tracking import PersonTracker
from voice.pose.body25 import Person, PoseFrame
from voice.pose.face_hands import face_hands_estimator, patient_parts
from voice.pose.track import PoseTrack

__all__ = [
    "MODEL_NAME",
    "Detection",
    "PeopleEstimator",
    "PeoplePass",
    "drawn_patient_differs",
    "patient_track",
    "track_people",
]


class PeoplePass:
    """Everyone in one video's sampled frames, in time order: pose, track ids, smoothing, patient."""

    def __init__(self, settings: Settings, chooser: PatientChooser) -> None:
        self.chooser = chooser
        self._estimator = PeopleEstimator(settings)
        self._tracker = PersonTracker(memory_s=settings.pose_track_memory_s)
        self._smooth = LandmarkSmoother()
        # Face and hands of the patient only (as the chooser names it while the video streams).
        self._face_hands = face_hands_estimator(settings)
        #: The torso colours of the people of the last frame stepped, by track id.
        self.last_appearances: dict[int, np.ndarray | None] = {}
        #: Complete poses already found by frame index, that :func:`track_people` passes on as
        #: they are (a pass begun on the first frames: :mod:`voice.session.head_start`).
        self.done: dict[int, PoseFrame] = {}

    def new_ids_from(self, first: int) -> None:
        """People first seen from now on get ids from ``first`` on (a segment's newcomers:
        :mod:`voice.segments.segment_pass`)."""
        self._tracker.reserve_ids(first)

    def __enter__(self) -> PeoplePass:
        if self._face_hands is not None:
            self._face_hands.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._estimator.close()
        if self._face_hands is not None:
            self._face_hands.__exit__(*exc)

    def body(
        self, bgr: np.ndarray, *, frame: int, time_s: float, size: tuple[int, int] | None = None
    ) -> PoseFrame:
        """One sampled frame's people: everyone in it, and the patient as the chooser sees it so
        far (pixels of a frame of ``size``, by default ``bgr``'s own); no face and hands yet."""
        found = self._estimator.estimate(bgr, time_s=time_s, size=size)
        ids = self._tracker.update(time_s, [d.keypoints for d in found], [d.appearance for d in found])
        people = tuple(
            Person(i, self._smooth(i, time_s, d.keypoints)) for i, d in zip(ids, found, strict=True)
        )
        width, height = size or (bgr.shape[1], bgr.shape[0])
        pose = PoseFrame(frame, time_s, width, height, None, people)
        self.last_appearances = {i: d.appearance for i, d in zip(ids, found, strict=True)}
        self.chooser.observe(pose, self.last_appearances)
        return pose.with_patient(self.chooser.current())

    def parts(self, bgr: np.ndarray, pose: PoseFrame) -> PoseFrame:
        """``pose`` (from :meth:`body` on ``bgr``) with the patient's face and hands (frames
        must come in order: the face and hands are tracked)."""
        if self._face_hands is None or pose.keypoints is None:
            return pose
        size = (pose.width, pose.height)
        return pose.with_patient_parts(*patient_parts(self._face_hands, bgr, pose.keypoints, size))

    def step(
        self, bgr: np.ndarray, *, frame: int, time_s: float, size: tuple[int, int] | None = None
    ) -> PoseFrame:
        """One sampled frame, complete: :meth:`body`, then :meth:`parts`."""
        return self.parts(bgr, self.body(bgr, frame=frame, time_s=time_s, size=size))

    def sampled(self, fr: Frame) -> PoseFrame:
        """:meth:`body` of a decoded frame."""
        return self.body(fr.bgr, frame=fr.index, time_s=fr.time_s, size=fr.source_size)


def track_people(
    frames: Iterable[Frame],
    track: PoseTrack,
    people: PatientChooser | PeoplePass,
    *,
    stride: int,
    settings: Settings,
    timer: list[float] | None = None,
) -> Iterator[Frame]:
    """Pass every frame through, after finding everyone in every ``stride``-th one.

    Each sampled frame is appended to ``track`` as it comes (all people, with the patient the
    chooser names at that point, face and hands), before it is passed on; ``timer[0]``
    accumulates the seconds the body stage was at work (:mod:`voice.people.stages`: face and
    hands run beside it). ``people``: the chooser to follow along, or a :class:`PeoplePass`
    already begun (entered; its chooser, and its :attr:`PeoplePass.done` poses, which this pass
    takes as they are, continuing after them).
    """
    pass_ = people if isinstance(people, PeoplePass) else PeoplePass(settings, people)
    done = pass_.done

    def body(fr: Frame) -> PoseFrame | None:
        if fr.index % stride:
            return None
        return done[fr.index] if fr.index in done else pass_.sampled(fr)

    def parts(fr: Frame, pose: PoseFrame) -> PoseFrame:
        return pose if fr.index in done else pass_.parts(fr.bgr, pose)

    with pass_:
        for fr, pose in in_pass(frames, body=body, parts=parts, stride=stride, settings=settings, busy=timer):
            if pose is not None:
                track.frames.append(pose)
            yield fr


def patient_track(track: PoseTrack, patient_id: int | None) -> PoseTrack:
    """``track`` with ``patient_id`` as the patient on every frame."""
    return PoseTrack([f.with_patient(patient_id) for f in track.frames])


def drawn_patient_differs(track: PoseTrack, patient_id: int | None) -> bool:
    """True when some frame was drawn with another patient than the final one, where it shows:
    the frame holds the final patient or the one it was drawn with."""
    for f in track.frames:
        ids = {p.person_id for p in f.people}
        if f.patient_id != patient_id and (patient_id in ids or f.patient_id in ids):
            return True
    return False
