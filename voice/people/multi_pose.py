"""Everyone in one frame: BlazePose's detector and full landmark model, run as MediaPipe's Tasks
``PoseLandmarker`` runs them (two graphs: a follower in VIDEO mode, a search in IMAGE mode).

:class:`PeopleEstimator` is called on every sampled frame of a video, in time order, and returns
every person's BODY_25 with their torso colours; :mod:`voice.people.estimator` gives them track
ids, smooths them and names the patient. The Tasks graphs ran the same models on the same
regions; running them directly (:mod:`voice.pose.pose_detector`,
:mod:`voice.pose.pose_landmarks`, :mod:`voice.pose.stream_smoothing`) saves the graphs' own
cost, never runs the detector twice on a frame nor the landmark model twice on a region, and
lets the model invocations be timed (:mod:`voice.pose.litert`).
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from voice.config import Settings
from voice.media.frames import downscaled
from voice.people.appearance import torso_histogram
from voice.people.tracking import merge_duplicates, same_person
from voice.pose.body25 import from_mediapipe
from voice.pose.pose_detector import PoseDetector, associate, overlap
from voice.pose.pose_landmarks import BodyLandmarks, BodyModel
from voice.pose.regions import Roi
from voice.pose.stream_smoothing import SinglePoseSmoothing

__all__ = ["MODEL_NAME", "Detection", "PeopleEstimator"]

#: The pose model as metadata names it: the legacy full model's weights, run as the Tasks
#: multi-person graph runs them.
MODEL_NAME = "mediapipe-0.10.14/full-multi"


@dataclass(frozen=True)
class Detection:
    """One person found in one frame: BODY_25 in pixels of the frame, and the torso's colours."""

    keypoints: np.ndarray
    appearance: np.ndarray | None


class _Follower:
    """What the Tasks ``PoseLandmarker`` does in VIDEO mode with ``slots`` poses: each person's
    region comes from their landmarks on the frame before; only while it holds fewer than
    ``slots`` regions does the detector run (:func:`_join`).

    Unlike the graph's association, the held regions are not merged with each other by their
    overlap: BlazePose's regions are large (a person's whole height and more, as squares), so
    two people side by side overlap beyond ``min_tracking`` long before they meet, and the graph
    then dropped one of them until they were apart again (look-alikes crossing changed ids). A
    region held here is a distinct person: doubles of one body are told by their landmarks
    (:func:`_distinct`), never by their regions."""

    def __init__(self, slots: int, min_tracking: float) -> None:
        self.slots = slots
        self._min_tracking = min_tracking
        self._regions: list[Roi] = []
        # With one slot the graph smooths its person's landmarks (voice.pose.stream_smoothing).
        self._smoothing = SinglePoseSmoothing() if slots == 1 else None

    def regions(self, detected: Callable[[], list[Roi]]) -> list[Roi]:
        """This frame's regions (``detected()`` is asked only when too few are held)."""
        held = self._regions
        if len(held) >= self.slots:
            return list(held)
        if not held:  # as the graph starts: its best detections
            return associate([detected()], self._min_tracking)[: self.slots]
        return _join(held, detected(), self._min_tracking)

    def follow(self, found: list[BodyLandmarks], t_ns: int) -> list[np.ndarray]:
        """Keep the found people's next regions (distinct bodies, at most ``slots``); their
        landmarks as the graph returns them."""
        found = found[: self.slots]
        self._regions = [f.next_roi for f in found]
        points = [f.points for f in found]
        if self._smoothing is not None:
            if found:
                points = [self._smoothing(found[0].points, found[0].next_roi.size, t_ns)]
            else:
                self._smoothing.reset()
        return points


def _pairs(held: list[Roi], detected: list[Roi], threshold: float) -> dict[int, int]:
    """Detections that are a held person's (detection index → held index): the two are each
    other's best overlap, above ``threshold``."""
    out: dict[int, int] = {}
    for d, roi in enumerate(detected):
        best = max(range(len(held)), key=lambda i: overlap(roi, held[i]), default=None)
        if best is None or overlap(roi, held[best]) <= threshold:
            continue
        if max(range(len(detected)), key=lambda j: overlap(detected[j], held[best])) == d:
            out[d] = best
    return out


def _join(held: list[Roi], detected: list[Roi], threshold: float) -> list[Roi]:
    """The held regions with the detector's: a detection paired with a held region
    (:func:`_pairs`) replaces it, as MediaPipe's association does; the other detections are
    added, to be told from the held people by their landmarks (:func:`_distinct`)."""
    pairs = _pairs(held, detected, threshold)
    out = list(held)
    for d, h in pairs.items():
        out[h] = detected[d]
    # The detections of people not held are associated among themselves as the graph does.
    return out + associate([[roi for d, roi in enumerate(detected) if d not in pairs]], threshold)


def _distinct(poses: list[np.ndarray]) -> list[int]:
    """The indices of the poses (BODY_25) that are not a double of an earlier one."""
    kept: list[int] = []
    for i, pose in enumerate(poses):
        if not any(same_person(pose, poses[k]) for k in kept):
            kept.append(i)
    return kept


class _Landmarks:
    """The landmark model on a frame's regions: with two or more, every other one in a helper
    thread with a model of its own, so several people take the two cores (LiteRT releases the
    GIL); results in region order, the same as one model gives."""

    def __init__(self, min_presence: float) -> None:
        self._min_presence = min_presence
        self._here = BodyModel(min_presence=min_presence)
        self._there: BodyModel | None = None
        self._helper: ThreadPoolExecutor | None = None

    def find(self, small: np.ndarray, regions: list[Roi]) -> list[BodyLandmarks | None]:
        if len(regions) < 2:
            return [self._here.find(small, roi) for roi in regions]
        if self._helper is None or self._there is None:
            self._there = BodyModel(min_presence=self._min_presence)
            self._helper = ThreadPoolExecutor(1, thread_name_prefix="voice-pose-helper")
        there = self._there
        far = self._helper.submit(lambda: [there.find(small, roi) for roi in regions[1::2]])
        near = [self._here.find(small, roi) for roi in regions[0::2]]
        out: list[BodyLandmarks | None] = [None] * len(regions)
        out[0::2], out[1::2] = near, far.result()
        return out

    def close(self) -> None:
        if self._helper is not None:
            self._helper.shutdown(wait=True)
            self._helper = None


class PeopleEstimator:
    """Everyone's pose per frame, at about the cost of one person's when one is in view.

    BlazePose's detector (:mod:`voice.pose.pose_detector`) and full landmark model
    (:mod:`voice.pose.pose_landmarks`) run directly, in the caller's thread, the way two Tasks
    ``PoseLandmarker`` graphs on the wheel's weights ran them before (the same regions, the same
    numbers; a test compares them). A follower (the VIDEO-mode graph) follows the people
    already known frame to frame: it is sized to their number, so while it holds them all it
    skips the person detector and runs only the landmark model on each tracked region. Every
    ``pose_discover_s`` seconds a search (the IMAGE-mode graph: detector on the whole frame, up
    to ``pose_max_people``, landmarks in each region) looks for newcomers; when it finds more
    people than the follower holds, the follower starts again sized to them, and it starts
    again smaller after ``shrink_after_s`` with fewer people. The search also runs at once on a
    frame where the follower lost someone. On those frames the search adds the people the
    follower does not hold yet (doubles of one body are merged,
    :func:`voice.people.tracking.merge_duplicates`). Several people's landmarks are found on the
    two cores at once (:class:`_Landmarks`). The detector runs at most once a frame and
    the landmark model at most once per region, and once per person: a search region over a
    region the follower holds (each the other's best overlap, above ``pose_min_tracking``) is that person,
    counted but not landmarked again (the graphs ran it, then dropped the result as a double).
    Landmarks come raw; :mod:`voice.people.smoothing` smooths them per track, as the legacy
    graph did.
    """

    def __init__(self, settings: Settings, *, shrink_after_s: float = 5.0) -> None:
        self._detector = PoseDetector(min_score=settings.pose_min_detection)
        self._body = _Landmarks(settings.pose_min_presence)
        self._min_tracking = settings.pose_min_tracking
        self.max_people = settings.pose_max_people
        self.max_side = settings.pose_max_side
        self.discover_s = settings.pose_discover_s
        self.shrink_after_s = shrink_after_s
        self._follower: _Follower | None = None
        self._last_ms = -1
        self._last_discovery = -np.inf
        self._fewer_since: float | None = None
        self._tracked = 0

    def __enter__(self) -> PeopleEstimator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop the landmark helper thread, if one was started."""
        self._body.close()

    @property
    def slots(self) -> int:
        return 0 if self._follower is None else self._follower.slots

    def _resize(self, found: int, time_s: float) -> None:
        """Size the follower to the people found (grow at once, shrink after a while)."""
        want = min(self.max_people, max(1, found))
        if want < self.slots:
            self._fewer_since = time_s if self._fewer_since is None else self._fewer_since
            if time_s - self._fewer_since < self.shrink_after_s:
                return
        self._fewer_since = None
        if want != self.slots:
            self._follower = _Follower(want, self._min_tracking)

    def estimate(
        self, bgr: np.ndarray, *, time_s: float, size: tuple[int, int] | None = None
    ) -> list[Detection]:
        """The people in ``bgr`` (frames must come in time order, as from one video), in pixels
        of a frame of ``size`` (default: ``bgr``'s own; ``bgr`` may be a downscaled copy)."""
        frame = _Frame(bgr, self.max_side, size, self._detector, self._body)
        found: list[np.ndarray] = []
        if time_s - self._last_discovery >= self.discover_s or self._follower is None:
            found = self._discover(frame, time_s)
        assert self._follower is not None
        follower = self._follower
        # Timestamps as the VIDEO-mode graph had them: strictly increasing milliseconds.
        self._last_ms = max(self._last_ms + 1, round(time_s * 1000))
        bodies = frame.bodies(follower.regions(frame.detected))
        bodies = [bodies[i] for i in _distinct([frame.body25(b.points) for b in bodies])]
        points = follower.follow(bodies, self._last_ms * 1_000_000)
        tracked = [frame.body25(p) for p in points]
        if len(tracked) < self._tracked and not found:
            found = self._discover(frame, time_s)  # someone was lost: look again now
        self._tracked = len(tracked)
        # The search's landmarks only for people the follower does not hold: mixing the two
        # regions' landmarks for one person makes them jump (different regions, different guesses).
        people = merge_duplicates(tracked + found, known=len(tracked))
        return [Detection(kp, frame.appearance(kp)) for kp in people]

    def _discover(self, frame: _Frame, time_s: float) -> list[np.ndarray]:
        """The people the whole-frame search finds that the follower does not hold; the follower
        resized to everyone found."""
        self._last_discovery = time_s
        held = self._follower.regions(frame.detected) if self._follower is not None else []
        searched = frame.detected()[: self.max_people]
        # A detection paired with a held region is that person (not landmarked again); the
        # others are newcomers unless their landmarks are a held person's.
        pairs = _pairs(held, searched, self._min_tracking)
        extra = [roi for d, roi in enumerate(searched) if d not in pairs and roi not in held]
        found = merge_duplicates([frame.body25(b.points) for b in frame.bodies(extra)])
        if found and held:
            poses = [frame.body25(b.points) for b in frame.bodies(held)]
            new = merge_duplicates(poses + found, known=len(poses))[len(poses) :]
        else:
            new = found
        self._resize(len(pairs) + len(found), time_s)
        return new


class _Frame:
    """One frame as pose sees it: downscaled to ``max_side``, its detections and landmarks
    computed at most once per region."""

    def __init__(
        self,
        bgr: np.ndarray,
        max_side: int,
        size: tuple[int, int] | None,
        detector: PoseDetector,
        body: _Landmarks,
    ) -> None:
        height, width = bgr.shape[:2]
        self.small, self.scale = downscaled(bgr, max_side)
        if size is not None:
            self.scale *= width / size[0]  # model-input pixels per full-frame pixel
            width, height = size
        self.size = (width, height)
        self._detector, self._body = detector, body
        self._detections: list[Roi] | None = None
        self._bodies: dict[Roi, BodyLandmarks | None] = {}

    def detected(self) -> list[Roi]:
        if self._detections is None:
            self._detections = self._detector.regions(self.small)
        return self._detections

    def bodies(self, regions: list[Roi]) -> list[BodyLandmarks]:
        missing = [roi for roi in dict.fromkeys(regions) if roi not in self._bodies]
        self._bodies.update(zip(missing, self._body.find(self.small, missing), strict=True))
        return [b for roi in regions if (b := self._bodies[roi]) is not None]

    def body25(self, points: np.ndarray) -> np.ndarray:
        """Landmarks (33, 3) in pixels of the small frame → BODY_25 in pixels of the full one."""
        small = np.array([self.small.shape[1], self.small.shape[0]], dtype=np.float64)
        norm = np.column_stack([points[:, :2] / small, points[:, 2]])
        return from_mediapipe(norm, *self.size)

    def appearance(self, keypoints: np.ndarray) -> np.ndarray | None:
        return torso_histogram(self.small, keypoints, self.scale, bgr=True)
