"""Face (70 points) and hands (21 points each) of one person, found from that person's BODY_25 pose.

The caller picks the person and passes their BODY_25 keypoints (25×3, pixels of the frame); this
module never chooses a person. Per frame:

- **Face**: a square region around the head (centred on the nose, sized from the eyes, ears and
  shoulders, turned so the eye line is level) goes straight into MediaPipe's face-landmark model
  (468 points, :mod:`voice.pose.landmark_models`). No face detector runs. When the previous frame found
  the face, its landmarks (moved with the nose) give the region instead, as MediaPipe's own
  tracking does; if that misses, the body region is tried.
- **Hands**: per side the same: the previous hand's landmarks, else a region beyond the wrist
  along the forearm (elbow → wrist), go into MediaPipe's hand-landmark model (lite or full). Only
  when a hand is missing does a palm detector (MediaPipe Hands in static-image mode on the
  upper-body box, run directly: :mod:`voice.pose.palm_search`) look for it, at most every
  ``search_every`` frames, so its cost is paid when a hand is lost, not per frame.
- **Sides** come from the body, not from the image or MediaPipe's handedness
  (:func:`voice.pose.regions.assign_sides`), so a mirrored video keeps each hand on its person's side.

Output follows OpenPose: a part that was looked for and not found is all zeros (confidence 0);
MediaPipe gives no per-point confidence, so a found point has confidence 1. Layouts and the
face-mesh index table: :mod:`voice.pose.face_layout`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from voice.pose.face_layout import face70_from_mesh
from voice.pose.landmark_models import LandmarkModel, face_model
from voice.pose.landmark_models import hand_model as make_hand_model
from voice.pose.palm_search import PalmSearch
from voice.pose.regions import (
    MIN_BODY_CONFIDENCE,
    Roi,
    assign_sides,
    body_scale,
    face_roi_from_body,
    face_roi_from_mesh,
    hand_roi_from_body,
    hand_roi_from_landmarks,
    search_box,
)

__all__ = [
    "FaceHands",
    "FaceHandsEstimator",
    "face_hands_estimator",
    "face_hands_model_name",
    "patient_parts",
]

_SIDES = ("right", "left")
_WRIST = {"right": 4, "left": 7}  # BODY_25


def _seen(body: np.ndarray, i: int) -> np.ndarray | None:
    return np.asarray(body[i, :2], dtype=np.float64) if body[i, 2] >= MIN_BODY_CONFIDENCE else None


def _wrist_on_hand(body: np.ndarray, side: str, hand: np.ndarray) -> np.ndarray | None:
    """That side's BODY_25 wrist if it lies on the hand found (within 1.5 palm lengths of the hand's
    wrist): only then does its movement say where the hand went."""
    wrist = _seen(body, _WRIST[side])
    palm = float(np.hypot(*(hand[9] - hand[0])))
    return wrist if wrist is not None and np.hypot(*(wrist - hand[0])) <= 1.5 * palm else None


def _shift(now: np.ndarray | None, then: np.ndarray | None) -> np.ndarray:
    """How far a body point moved since the last frame (0 when it is not seen in both)."""
    return now - then if now is not None and then is not None else np.zeros(2)


@dataclass(frozen=True)
class FaceHands:
    """One frame's face (70, 3) and hands (21, 3) in OpenPose layout; None = not looked for."""

    face: np.ndarray | None
    hand_left: np.ndarray | None
    hand_right: np.ndarray | None


def _openpose(points: np.ndarray | None, n: int) -> np.ndarray:
    out = np.zeros((n, 3), dtype=np.float64)
    if points is not None:
        out[:, :2] = points[:, :2]
        out[:, 2] = 1.0
    return out


class FaceHandsEstimator:
    """Face and hand landmarks of one person per frame (use one per video: it tracks)."""

    def __init__(
        self,
        *,
        face: bool = True,
        hands: bool = True,
        hand_model: str = "lite",
        search_every: int = 5,
    ) -> None:
        self.face_enabled, self.hands_enabled = face, hands
        self.search_every = max(1, search_every)
        self._hand_model = hand_model
        self._face_net: LandmarkModel | None = face_model() if face else None
        self._hand_net: LandmarkModel | None = make_hand_model(hand_model) if hands else None
        self._search: PalmSearch | None = None
        self._last_face: tuple[np.ndarray, np.ndarray | None] | None = None  # mesh, nose then
        self._last_hand: dict[str, tuple[np.ndarray, np.ndarray | None]] = {}  # side → landmarks, wrist
        self._since_search = self.search_every

    def __enter__(self) -> FaceHandsEstimator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._search = None

    def _first(self, net: LandmarkModel | None, bgr: np.ndarray, rois: list[Roi | None]) -> np.ndarray | None:
        """Landmarks from the first region that holds the part (None: none of them)."""
        if net is None:
            return None
        for roi in rois:
            if roi is not None and (found := net.points(bgr, roi)) is not None:
                return found
        return None

    # --- face -----------------------------------------------------------------------------------

    def _face(self, bgr: np.ndarray, body: np.ndarray) -> np.ndarray:
        nose = _seen(body, 0)
        rois: list[Roi | None] = []
        if self._last_face is not None:
            mesh_then, nose_then = self._last_face
            rois.append(face_roi_from_mesh(mesh_then + _shift(nose, nose_then)))
        rois.append(face_roi_from_body(body))
        mesh = self._first(self._face_net, bgr, rois)
        self._last_face = (mesh, nose) if mesh is not None else None
        if mesh is None:
            return np.zeros((70, 3))
        return _inside(face70_from_mesh(mesh), bgr.shape)

    # --- hands ----------------------------------------------------------------------------------

    def _hand_candidates(self, bgr: np.ndarray, body: np.ndarray, searching: bool) -> list[np.ndarray]:
        """Hands from each side's tracked region, else its forearm region (when that side's BODY_25
        wrist was on the hand). A side that was lost is looked for only on search frames, so a hand
        out of view costs nothing in between."""
        found: list[np.ndarray] = []
        for side in _SIDES:
            rois: list[Roi | None] = []
            wrist_then = None
            if side in self._last_hand:
                pts_then, wrist_then = self._last_hand[side]
                rois.append(hand_roi_from_landmarks(pts_then + _shift(_seen(body, _WRIST[side]), wrist_then)))
            if searching or wrist_then is not None:  # the forearm region, where the wrist is reliable
                rois.append(hand_roi_from_body(body, side, bgr.shape))
            pts = self._first(self._hand_net, bgr, rois)
            if pts is not None:
                found.append(pts)
        return found

    def _palm_search(self, bgr: np.ndarray, body: np.ndarray) -> list[np.ndarray]:
        box = search_box(body, bgr.shape)
        if box is None or self._hand_net is None:
            return []
        if self._search is None:  # made on first use: most videos keep their hands in view
            self._search = PalmSearch(self._hand_net, kind=self._hand_model)
        return self._search.hands(bgr, box)

    def _hands(self, bgr: np.ndarray, body: np.ndarray) -> dict[str, np.ndarray]:
        self._since_search += 1
        searching = len(self._last_hand) < 2 and self._since_search >= self.search_every
        found = self._hand_candidates(bgr, body, searching)
        if searching:
            self._since_search = 0
            if len(found) < 2:
                found += self._palm_search(bgr, body)
        sides = assign_sides(found, body)
        self._last_hand = {side: (pts, _wrist_on_hand(body, side, pts)) for side, pts in sides.items()}
        return sides

    # --- the public call ------------------------------------------------------------------------

    def estimate(self, bgr: np.ndarray, body: np.ndarray | None) -> FaceHands:
        """Face and hands of the person whose BODY_25 keypoints (25×3, frame pixels) are ``body``.

        ``bgr`` is the upright frame those keypoints were measured on. With no body (nobody
        detected) nothing is looked for and every enabled part is all zeros.
        """
        face = np.zeros((70, 3)) if self.face_enabled else None
        left = np.zeros((21, 3)) if self.hands_enabled else None
        right = np.zeros((21, 3)) if self.hands_enabled else None
        if body is None or not np.isfinite(body_scale(body)):
            self._last_face, self._last_hand = None, {}
            return FaceHands(face, left, right)
        kp = np.asarray(body, dtype=np.float64)
        if self.face_enabled:
            face = self._face(bgr, kp)
        if self.hands_enabled:
            sides = self._hands(bgr, kp)
            left = _inside(_openpose(sides.get("left"), 21), bgr.shape)
            right = _inside(_openpose(sides.get("right"), 21), bgr.shape)
        return FaceHands(face, left, right)


def _inside(points: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Points outside the frame were not seen: zero them (OpenPose's "not found")."""
    height, width = shape[:2]
    out = points.copy()
    outside = (out[:, 0] < 0) | (out[:, 1] < 0) | (out[:, 0] >= width) | (out[:, 1] >= height)
    out[outside] = 0.0
    return out


def face_hands_model_name(settings: Any) -> str | None:
    """What found the face and hands (the metadata's ``models.face_hands``); None when both are off."""
    parts = []
    if settings.pose_face:
        parts.append("face_landmark")
    if settings.pose_hands:
        parts.append(f"hand_landmark_{settings.hand_model}")
    return f"mediapipe-0.10.14/{'+'.join(parts)}+litert" if parts else None


def face_hands_estimator(settings: Any) -> Any:
    """The face/hands estimator the settings ask for, or None when both are off."""
    if not (settings.pose_face or settings.pose_hands):
        return None
    return FaceHandsEstimator(
        face=settings.pose_face,
        hands=settings.pose_hands,
        hand_model=settings.hand_model,
        search_every=settings.hand_search_every,
    )


def _rescaled(points: np.ndarray | None, sx: float, sy: float) -> np.ndarray | None:
    """Points found on a scaled image, in the full frame's pixels (not-found zeros stay zeros)."""
    if points is None:
        return None
    out = np.array(points, dtype=np.float64)
    found = out[:, 2] > 0
    out[found, 0] /= sx
    out[found, 1] /= sy
    return out


def patient_parts(
    estimator: Any, bgr: np.ndarray, keypoints: np.ndarray, size: tuple[int, int]
) -> tuple[np.ndarray | None, np.ndarray | None, np.ndarray | None]:
    """The face and hands of the person whose BODY_25 is ``keypoints`` (pixels of a frame of
    ``size``), found on ``bgr`` (that frame, maybe scaled down); in pixels of the full frame."""
    height, width = bgr.shape[:2]
    sx, sy = width / size[0], height / size[1]
    body = np.array(keypoints, dtype=np.float64)
    body[:, 0] *= sx
    body[:, 1] *= sy
    found = estimator.estimate(bgr, body)
    return (
        _rescaled(found.face, sx, sy),
        _rescaled(found.hand_left, sx, sy),
        _rescaled(found.hand_right, sx, sy),
    )
