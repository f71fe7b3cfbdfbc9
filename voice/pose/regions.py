"""Where to look for a person's face and hands, from their BODY_25 pose (pure geometry, numpy only).

A region (:class:`Roi`) is a square in frame pixels with a rotation, in MediaPipe's convention:
``rotation`` is clockwise in radians and turns the region so that the face's eye line is level,
or the hand's wrist → middle-finger direction points up. The sizes follow MediaPipe's own
tracking regions: 1.5× the face mesh's box, 2× the box of a hand's palm and finger-base points.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = [
    "MIN_BODY_CONFIDENCE",
    "Roi",
    "assign_sides",
    "body_scale",
    "face_roi_from_body",
    "face_roi_from_mesh",
    "hand_roi_from_body",
    "hand_roi_from_landmarks",
    "search_box",
]

#: BODY_25 keypoints below this confidence are not used to place a region.
MIN_BODY_CONFIDENCE = 0.3

NOSE, NECK, RSHO, RELB, RWRI, LSHO, LELB, LWRI, MIDHIP = range(9)
REYE, LEYE, REAR, LEAR = 15, 16, 17, 18
_ARM = {"right": (RSHO, RELB, RWRI), "left": (LSHO, LELB, LWRI)}
# Palm and finger-base points of a hand (MediaPipe's HandLandmarkLandmarksToRoi uses these).
_HAND_BOX_POINTS = (0, 1, 2, 3, 5, 6, 9, 10, 13, 14, 17, 18)


@dataclass(frozen=True)
class Roi:
    cx: float
    cy: float
    size: float
    rotation: float


def _seen(body: np.ndarray, i: int) -> np.ndarray | None:
    kp = body[i]
    if kp[2] < MIN_BODY_CONFIDENCE or not np.all(np.isfinite(kp[:2])) or (kp[0] == 0 and kp[1] == 0):
        return None
    return np.asarray(kp[:2], dtype=np.float64)


def _dist(body: np.ndarray, a: int, b: int) -> float:
    pa, pb = _seen(body, a), _seen(body, b)
    return float(np.hypot(*(pa - pb))) if pa is not None and pb is not None else math.nan


def body_scale(body: np.ndarray) -> float:
    """Shoulder width in pixels (the neck–mid-hip length × 0.8 without shoulders); NaN if neither."""
    shoulders = _dist(body, RSHO, LSHO)
    if np.isfinite(shoulders) and shoulders > 0:
        return shoulders
    torso = _dist(body, NECK, MIDHIP)
    return 0.8 * torso if np.isfinite(torso) and torso > 0 else math.nan


def _rotation(start: np.ndarray, end: np.ndarray, target: float) -> float:
    """MediaPipe's region rotation: ``target − angle(start → end)``, y up, wrapped to (−π, π]."""
    angle = target - math.atan2(-(end[1] - start[1]), end[0] - start[0])
    return math.atan2(math.sin(angle), math.cos(angle))


def _box_roi(points: np.ndarray, rotation: float, scale: float, shift_y: float = 0.0) -> Roi:
    """The square around ``points`` in a frame turned by ``rotation``, scaled, shifted along its y."""
    x_axis = np.array([math.cos(rotation), math.sin(rotation)])
    y_axis = np.array([-math.sin(rotation), math.cos(rotation)])
    u, v = points @ x_axis, points @ y_axis
    width, height = float(np.ptp(u)), float(np.ptp(v))
    cu, cv = (u.max() + u.min()) / 2, (v.max() + v.min()) / 2 + shift_y * height
    centre = cu * x_axis + cv * y_axis
    return Roi(float(centre[0]), float(centre[1]), max(width, height) * scale, rotation)


def face_roi_from_mesh(mesh: np.ndarray) -> Roi:
    """MediaPipe's tracking region from face-mesh points (N, 2) px: eye corners 33 → 263 level, ×1.5."""
    return _box_roi(mesh[:, :2], _rotation(mesh[33], mesh[263], 0.0), 1.5)


def hand_roi_from_landmarks(points: np.ndarray) -> Roi:
    """MediaPipe's tracking region from 21 hand points (px): wrist → middle base up, ×2, shifted up."""
    rotation = _rotation(points[0], points[9], math.pi / 2)
    return _box_roi(points[list(_HAND_BOX_POINTS), :2], rotation, 2.0, shift_y=-0.1)


def face_roi_from_body(body: np.ndarray) -> Roi | None:
    """The head region from BODY_25: centred on the nose, level with the eyes (or ears).

    Size: the largest of 3.7× the eye distance, 1.7× the ear distance and 0.75× the shoulder
    width (each ≈ 1.5× the face mesh's box on a frontal face; the largest survives a turned head).
    """
    nose, reye, leye = _seen(body, NOSE), _seen(body, REYE), _seen(body, LEYE)
    rear, lear = _seen(body, REAR), _seen(body, LEAR)
    sizes = [3.7 * _dist(body, REYE, LEYE), 1.7 * _dist(body, REAR, LEAR), 0.75 * _dist(body, RSHO, LSHO)]
    size = max((s for s in sizes if np.isfinite(s)), default=math.nan)
    if reye is not None and leye is not None:
        rotation = _rotation(reye, leye, 0.0)
    elif rear is not None and lear is not None:
        rotation = _rotation(rear, lear, 0.0)
    else:
        rotation = 0.0
    head = [p for p in (reye, leye) if p is not None]
    centre = nose if nose is not None else (np.mean(head, axis=0) if head else None)
    if centre is None or not np.isfinite(size) or size < 8:
        return None
    return Roi(float(centre[0]), float(centre[1]), size, rotation)


def hand_roi_from_body(body: np.ndarray, side: str, shape: tuple[int, ...]) -> Roi | None:
    """The hand region beyond the ``side`` wrist along the forearm; None if the wrist is not seen.

    The hand (≈ 0.75 of the forearm) is centred 0.32 forearms beyond the wrist; the region is
    1.05 forearms (at least 0.7 shoulder widths, for a forearm pointing at the camera).
    """
    _, elbow_i, wrist_i = _ARM[side]
    wrist, elbow = _seen(body, wrist_i), _seen(body, elbow_i)
    height, width = shape[:2]
    if wrist is None or not (0 <= wrist[0] < width and 0 <= wrist[1] < height):
        return None
    scale = body_scale(body)
    if elbow is None:
        if not np.isfinite(scale):
            return None
        return Roi(float(wrist[0]), float(wrist[1]), 0.7 * scale, 0.0)
    forearm = wrist - elbow
    length = float(np.hypot(*forearm))
    size = max(1.05 * length, 0.7 * scale if np.isfinite(scale) else 0.0)
    if size < 8:
        return None
    centre = wrist + 0.32 * forearm
    return Roi(float(centre[0]), float(centre[1]), size, _rotation(elbow, wrist, math.pi / 2))


def search_box(body: np.ndarray, shape: tuple[int, ...]) -> tuple[int, int, int, int] | None:
    """Upper-body box (x0, y0, x1, y1) for the palm search: seen head, arm and hip points, widened
    by one shoulder width (hands reach beyond the elbows), clipped to the frame."""
    scale = body_scale(body)
    pts = [p for i in (*range(9), REYE, LEYE, REAR, LEAR) if (p := _seen(body, i)) is not None]
    if not pts or not np.isfinite(scale):
        return None
    arr = np.array(pts)
    height, width = shape[:2]
    x0, y0 = int(max(0, arr[:, 0].min() - scale)), int(max(0, arr[:, 1].min() - scale))
    x1, y1 = int(min(width, arr[:, 0].max() + scale)), int(min(height, arr[:, 1].max() + scale))
    return (x0, y0, x1, y1) if x1 - x0 >= 32 and y1 - y0 >= 32 else None


def _dedupe(hands: Sequence[np.ndarray]) -> list[np.ndarray]:
    """Drop a hand whose wrist lies within a third of a kept hand's size (the same hand twice)."""
    kept: list[np.ndarray] = []
    for h in hands:
        size = float(np.ptp(h[:, 0]) + np.ptp(h[:, 1])) / 2
        if all(np.hypot(*(h[0] - k[0])) > size / 3 for k in kept):
            kept.append(h)
    return kept


def _across(body: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """The body's centre and its unit right → left axis (shoulders, else hips, else eyes)."""
    for right, left in ((RSHO, LSHO), (9, 12), (REYE, LEYE)):
        pr, pl = _seen(body, right), _seen(body, left)
        if pr is not None and pl is not None and np.hypot(*(pl - pr)) > 0:
            return (pr + pl) / 2, (pl - pr) / np.hypot(*(pl - pr))
    return None


def _by_wrists(hands: list[np.ndarray], right: np.ndarray, left: np.ndarray) -> dict[str, np.ndarray]:
    """Sides from both seen wrists: the pairing with the smallest hand-wrist to wrist distances."""
    wrist = {"right": right, "left": left}
    if len(hands) == 2:
        options = [{"right": hands[0], "left": hands[1]}, {"right": hands[1], "left": hands[0]}]
    else:
        options = [{"right": hands[0]}, {"left": hands[0]}]

    def cost(option: dict[str, np.ndarray]) -> float:
        return sum(float(np.hypot(*(h[0] - wrist[s]))) for s, h in option.items())

    return min(options, key=cost)


def assign_sides(hands: Sequence[np.ndarray], body: np.ndarray) -> dict[str, np.ndarray]:
    """Give each found hand (21, 2) px to the person's right or left by the body, not the image.

    With both BODY_25 wrists seen, the pairing with the smallest wrist distances wins (crossed
    arms stay right). Otherwise the hands are ordered along the body's own right → left axis
    (shoulders, else hips, else eyes): the one further to the person's right is the right hand,
    and a single hand goes to the side of the body it is on. A hand farther than 3 shoulder
    widths from that side's shoulder (or the body's centre) is not this person's and is dropped.
    """
    scale = body_scale(body)
    candidates = _dedupe(hands)[:2]
    axis = _across(body)
    if not candidates or not np.isfinite(scale) or axis is None:
        return {}
    centre, u = axis
    right, left = _seen(body, RWRI), _seen(body, LWRI)
    if right is not None and left is not None:
        sides = _by_wrists(candidates, right, left)
    else:
        along = sorted(candidates, key=lambda h: float((h[0] - centre) @ u))
        if len(along) == 2:
            sides = {"right": along[0], "left": along[1]}
        else:
            sides = {"right" if float((along[0][0] - centre) @ u) < 0 else "left": along[0]}
    kept = {}
    for side, hand in sides.items():
        anchor = _seen(body, _ARM[side][0])
        anchor = centre if anchor is None else anchor
        if np.hypot(*(hand[0] - anchor)) <= 3.0 * scale:
            kept[side] = hand
    return kept
