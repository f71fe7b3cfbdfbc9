"""Everyone in the video, frame by frame, with stable ids, and the patient among them.

:func:`track_people` runs the multi-person pose model (:class:`voice.poses.PeopleEstimator`) on
every ``stride``-th frame, gives each person a track id (:class:`voice.tracking.PersonTracker`)
and lets a :class:`voice.patient.PatientChooser` follow along, so every sampled
:class:`~voice.body25.PoseFrame` lists all people and names the patient as known so far.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator

from voice.body25 import Person, PoseFrame
from voice.config import Settings
from voice.media import Frame
from voice.patient import PatientChooser
from voice.poses import PeopleEstimator, PoseTrack
from voice.tracking import PersonTracker

__all__ = ["drawn_patient_differs", "estimator_for", "patient_track", "track_people"]


def estimator_for(settings: Settings) -> PeopleEstimator:
    return PeopleEstimator(
        max_people=settings.pose_max_people,
        max_side=settings.pose_max_side,
        min_detection=settings.pose_min_detection,
        min_presence=settings.pose_min_presence,
        min_tracking=settings.pose_min_tracking,
    )


def track_people(
    frames: Iterable[Frame],
    track: PoseTrack,
    chooser: PatientChooser,
    *,
    stride: int,
    settings: Settings,
    timer: list[float] | None = None,
) -> Iterator[Frame]:
    """Pass every frame through, after finding everyone in every ``stride``-th one.

    Each sampled frame is appended to ``track`` as it comes (all people, with the patient the
    chooser names at that point); ``timer[0]`` accumulates the seconds spent in pose and tracking.
    """
    tracker = PersonTracker(memory_s=settings.pose_track_memory_s)
    with estimator_for(settings) as estimator:
        for fr in frames:
            if fr.index % stride == 0:
                t0 = time.perf_counter()
                found = estimator.estimate(fr.bgr, time_s=fr.time_s)
                ids = tracker.update(fr.time_s, [d.keypoints for d in found], [d.appearance for d in found])
                height, width = fr.bgr.shape[:2]
                people = tuple(Person(i, d.keypoints) for i, d in zip(ids, found, strict=True))
                pose = PoseFrame(fr.index, fr.time_s, width, height, None, people)
                chooser.observe(pose, {i: d.appearance for i, d in zip(ids, found, strict=True)})
                track.frames.append(pose.with_patient(chooser.current()))
                if timer is not None:
                    timer[0] += time.perf_counter() - t0
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
