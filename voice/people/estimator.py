"""Everyone in the video, frame by frame, with stable ids, and the patient among them.

:class:`PeopleEstimator` finds every person's BODY_25 in a frame with the Tasks
``PoseLandmarker`` on the wheel's own weights (:mod:`voice.pose.bundle`). :func:`track_people`
runs it on every ``stride``-th frame, gives each person a track id
(:class:`voice.people.tracking.PersonTracker`) and lets a :class:`voice.people.patient.PatientChooser` follow
along, so every sampled :class:`~voice.pose.body25.PoseFrame` lists all people and names the patient
as known so far.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from voice.config import Settings
from voice.media.frames import Frame, downscaled_rgb
from voice.people.appearance import torso_histogram
from voice.people.patient import PatientChooser
from voice.people.smoothing import LandmarkSmoother
from voice.people.tracking import PersonTracker, merge_duplicates
from voice.pose.body25 import Person, PoseFrame, from_mediapipe
from voice.pose.bundle import load_bundle
from voice.pose.face_hands import face_hands_estimator, patient_parts
from voice.pose.mediapipe_logs import native_stderr_muted
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


#: The pose model as metadata names it: the legacy full model's weights in the Tasks multi-person graph.
MODEL_NAME = "mediapipe-0.10.14/full-multi"


@dataclass(frozen=True)
class Detection:
    """One person found in one frame: BODY_25 in pixels of the frame, and the torso's colours."""

    keypoints: np.ndarray
    appearance: np.ndarray | None


class PeopleEstimator:
    """Everyone's pose per frame, at about the cost of one person's when one is in view.

    Two Tasks ``PoseLandmarker`` graphs share the bundle. A VIDEO-mode one follows the people
    already known frame to frame: it is sized to their number, so while it holds them all it
    skips the person detector and runs only the landmark model on each tracked region (like the
    legacy single-person solution). Every ``pose_discover_s`` seconds an IMAGE-mode one (detector on
    the whole frame, up to ``pose_max_people``) looks for newcomers; when it finds more people than
    the tracking graph holds, that graph is rebuilt to fit them (~0.1 s of CPU), and it is
    rebuilt smaller after ``shrink_after_s`` with fewer people. The search also runs at once on a
    frame where the tracking graph lost someone. On those frames the search adds
    the people the tracking graph does not hold yet (doubles of one body are merged,
    :func:`voice.people.tracking.merge_duplicates`). Landmarks come raw (the Tasks graph does not smooth;
    :mod:`voice.people.smoothing` does it per track, as the legacy graph did).
    """

    def __init__(self, settings: Settings, *, shrink_after_s: float = 5.0) -> None:
        from mediapipe.tasks.python import BaseOptions

        asset = load_bundle()
        self._base = (
            BaseOptions(model_asset_path=str(asset))
            if isinstance(asset, Path)
            else BaseOptions(model_asset_buffer=asset)
        )
        self._thresholds = (
            settings.pose_min_detection,
            settings.pose_min_presence,
            settings.pose_min_tracking,
        )
        self.max_people = settings.pose_max_people
        self.max_side = settings.pose_max_side
        self.discover_s = settings.pose_discover_s
        self.shrink_after_s = shrink_after_s
        self._finder = self._landmarker(video=False, poses=self.max_people)
        self._follower: Any = None
        self.slots = 0
        self._last_ms = -1
        self._last_discovery = -np.inf
        self._fewer_since: float | None = None
        self._tracked = 0

    def _landmarker(self, *, video: bool, poses: int) -> Any:
        from mediapipe.tasks.python import vision

        detection, presence, tracking = self._thresholds
        options = vision.PoseLandmarkerOptions(
            base_options=self._base,
            running_mode=vision.RunningMode.VIDEO if video else vision.RunningMode.IMAGE,
            num_poses=poses,
            min_pose_detection_confidence=detection,
            min_pose_presence_confidence=presence,
            min_tracking_confidence=tracking,
        )
        with native_stderr_muted():
            return vision.PoseLandmarker.create_from_options(options)

    def __enter__(self) -> PeopleEstimator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._finder.close()
        if self._follower is not None:
            self._follower.close()

    def _resize(self, found: int, time_s: float) -> None:
        """Size the tracking graph to the people found (grow at once, shrink after a while)."""
        want = min(self.max_people, max(1, found))
        if want < self.slots:
            self._fewer_since = time_s if self._fewer_since is None else self._fewer_since
            if time_s - self._fewer_since < self.shrink_after_s:
                return
        self._fewer_since = None
        if want != self.slots:
            if self._follower is not None:
                self._follower.close()
            self._follower = self._landmarker(video=True, poses=want)
            self.slots = want

    def _discover(self, image: Any, time_s: float, size: tuple[int, int]) -> list[np.ndarray]:
        """Everyone the whole-frame search finds; the tracking graph resized to them."""
        self._last_discovery = time_s
        with native_stderr_muted():
            poses = self._finder.detect(image).pose_landmarks
        found = merge_duplicates([_body25(p, *size) for p in poses])
        self._resize(len(found), time_s)
        return found

    def estimate(
        self, bgr: np.ndarray, *, time_s: float, size: tuple[int, int] | None = None
    ) -> list[Detection]:
        """The people in ``bgr`` (frames must come in time order, as from one video), in pixels
        of a frame of ``size`` (default: ``bgr``'s own; ``bgr`` may be a downscaled copy)."""
        import mediapipe as mp

        height, width = bgr.shape[:2]
        rgb, scale = downscaled_rgb(bgr, self.max_side)
        if size is not None:
            scale *= width / size[0]  # model-input pixels per full-frame pixel
            width, height = size
        image = mp.Image(image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(rgb))
        found: list[np.ndarray] = []
        if time_s - self._last_discovery >= self.discover_s or self._follower is None:
            found = self._discover(image, time_s, (width, height))
        # VIDEO mode wants strictly increasing timestamps in ms.
        self._last_ms = max(self._last_ms + 1, round(time_s * 1000))
        poses = self._follower.detect_for_video(image, self._last_ms).pose_landmarks
        tracked = merge_duplicates([_body25(p, width, height) for p in poses])
        if len(tracked) < self._tracked and not found:
            found = self._discover(image, time_s, (width, height))  # someone was lost: look again now
        self._tracked = len(tracked)
        # The search's landmarks only for people the tracking graph does not hold: mixing the two
        # graphs' landmarks for one person makes them jump (different regions, different guesses).
        people = merge_duplicates(tracked + found, known=len(tracked))
        return [Detection(kp, torso_histogram(rgb, kp, scale)) for kp in people]


def _body25(pose: Any, width: int, height: int) -> np.ndarray:
    return from_mediapipe(np.array([(p.x, p.y, p.visibility) for p in pose], dtype=np.float64), width, height)


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

    def step(
        self, bgr: np.ndarray, *, frame: int, time_s: float, size: tuple[int, int] | None = None
    ) -> PoseFrame:
        """One sampled frame: everyone in it, and the patient as the chooser sees it so far
        (pixels of a frame of ``size``, by default ``bgr``'s own)."""
        found = self._estimator.estimate(bgr, time_s=time_s, size=size)
        ids = self._tracker.update(time_s, [d.keypoints for d in found], [d.appearance for d in found])
        people = tuple(
            Person(i, self._smooth(i, time_s, d.keypoints)) for i, d in zip(ids, found, strict=True)
        )
        width, height = size or (bgr.shape[1], bgr.shape[0])
        pose = PoseFrame(frame, time_s, width, height, None, people)
        self.last_appearances = {i: d.appearance for i, d in zip(ids, found, strict=True)}
        self.chooser.observe(pose, self.last_appearances)
        pose = pose.with_patient(self.chooser.current())
        if self._face_hands is None or pose.keypoints is None:
            return pose
        return pose.with_patient_parts(*patient_parts(self._face_hands, bgr, pose.keypoints, (width, height)))


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
    with PeoplePass(settings, chooser) as people:
        for fr in frames:
            if fr.index % stride == 0:
                t0 = time.perf_counter()
                pose = people.step(fr.bgr, frame=fr.index, time_s=fr.time_s, size=fr.source_size)
                track.frames.append(pose)
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
