"""What the annotated video shows on a frame: skeletons (the patient in the emotion colour, others
grey with their ids), the patient's face and hands, the narrated emotion, the model's label and
the narration caption. Lines are drawn with OpenCV; text with a TrueType font
(:mod:`voice.drawing.text`: boxes rendered once and pasted).

Every text box lies inside the frame whatever its size and shape (:func:`text_boxes`): the
emotion label and the model's label top left, "patient not found" top right (below the labels
when they leave no room), the caption centred at the bottom, each scaled or wrapped to the
frame's width less a margin; a person's id sits above their skeleton, moved inside the frame
when the skeleton reaches its edge. Text sizes follow the frame's short side, so a portrait
frame shows text as large as a landscape one of the same resolution.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import overload

import numpy as np

from voice.drawing.planes import Planes
from voice.drawing.text import text_patch
from voice.pose.body25 import PoseFrame

__all__ = [
    "EMOTION_COLOURS",
    "NOT_FOUND",
    "OTHERS_COLOUR",
    "SKELETON",
    "Canvas",
    "Overlay",
    "TextBox",
    "draw_overlay",
    "person_tags",
    "text_boxes",
]

#: BODY_25 limbs to draw (pairs of slots).
SKELETON: tuple[tuple[int, int], ...] = (
    (0, 1), (1, 2), (2, 3), (3, 4), (1, 5), (5, 6), (6, 7), (1, 8), (8, 9), (9, 10), (10, 11),
    (8, 12), (12, 13), (13, 14), (0, 15), (15, 17), (0, 16), (16, 18), (14, 19), (14, 21),
    (11, 22), (11, 24),
)  # fmt: skip

#: BGR colours per emotion.
EMOTION_COLOURS: dict[str, tuple[int, int, int]] = {
    "happiness": (0, 200, 255),
    "sadness": (255, 120, 0),
    "anger": (0, 0, 230),
    "surprise": (200, 0, 200),
    "neutral": (180, 180, 180),
}

MIN_CONFIDENCE = 0.3

#: Face contour runs (OpenPose face points; closed ones are drawn as loops) and hand chains.
FACE_RUNS: tuple[tuple[range, bool], ...] = (
    (range(0, 17), False), (range(17, 22), False), (range(22, 27), False), (range(27, 31), False),
    (range(31, 36), False), (range(36, 42), True), (range(42, 48), True), (range(48, 60), True),
    (range(60, 68), True),
)  # fmt: skip
HAND_RUNS: tuple[tuple[int, ...], ...] = tuple((0, *range(1 + 4 * f, 5 + 4 * f)) for f in range(5))
_FACE_HAND_COLOUR = (235, 235, 235)
# The same as index arrays, so a frame's chains are picked by one lookup each, not point by point.
_LIMBS = np.array(SKELETON, dtype=np.intp)
_FACE_CHAINS = tuple((np.array(r, dtype=np.intp), closed) for r, closed in FACE_RUNS)
_HAND_CHAINS = tuple((np.array(chain, dtype=np.intp), False) for chain in HAND_RUNS)


@dataclass(frozen=True)
class Overlay:
    """What to draw on one frame (``caption``: its lines separated by "\\n")."""

    caption: str = ""
    label: str = ""
    label_emotion: str = ""
    predicted: str = ""


#: Colour of the people who are not the patient.
OTHERS_COLOUR = (150, 150, 150)


#: What the overlay is drawn on: a BGR picture, or a frame's 4:2:0 planes (drawn as BGR would be).
Canvas = np.ndarray | Planes


def _polylines(
    canvas: Canvas, lines: list[np.ndarray], closed: bool, colour: tuple[int, int, int], thickness: int
) -> None:
    import cv2

    if isinstance(canvas, Planes):
        canvas.polylines(lines, closed, colour, thickness)
    else:
        cv2.polylines(canvas, lines, closed, colour, thickness, cv2.LINE_AA)


def _paste(bgr: Canvas, patch: np.ndarray, x: int, y: int) -> None:
    """Copy ``patch`` onto ``bgr`` with its top-left corner at (x, y), clipped to the frame."""
    if isinstance(bgr, Planes):
        bgr.paste(patch, x, y)
        return
    h, w = bgr.shape[:2]
    x0, y0 = max(0, x), max(0, y)
    x1, y1 = min(w, x + patch.shape[1]), min(h, y + patch.shape[0])
    if x0 < x1 and y0 < y1:
        bgr[y0:y1, x0:x1] = patch[y0 - y : y1 - y, x0 - x : x1 - x]


def _draw_person(bgr: Canvas, pts: np.ndarray, colour: tuple[int, int, int], thick: int) -> None:
    seen = pts[:, 2] >= MIN_CONFIDENCE
    xy = np.rint(pts[:, :2]).astype(np.int32)  # half to even, as round() does
    # The limbs in one call (a two-point polyline is the same pixels as cv2.line: fewer calls,
    # fewer hand-overs of the GIL between the pass's threads).
    limbs = _LIMBS[seen[_LIMBS].all(axis=1)]
    if len(limbs):
        _polylines(bgr, list(xy[limbs]), False, colour, thick)
    joints = (255, 255, 255) if colour != OTHERS_COLOUR else OTHERS_COLOUR
    # The joints in one call too: a closed one-point polyline 2r thick is the same pixels as a
    # filled circle of radius r (its round cap), drawn in the same order (a test checks).
    dots = xy[seen].reshape(-1, 1, 2)
    if len(dots):
        _polylines(bgr, list(dots), True, joints, 2 * (thick + 1))


def _people(pose: PoseFrame) -> list[tuple[int, np.ndarray]]:
    """(track id, keypoints) of everyone, others first (the patient is drawn on top); -1: a
    single-person pose without ids."""
    people = [(p.person_id, p.keypoints) for p in pose.people]
    if not people and pose.keypoints is not None:
        people = [(-1, pose.keypoints)]
    return sorted(people, key=lambda p: p[0] == pose.patient_id)


def _scale(pose: PoseFrame, width: int, height: int) -> np.ndarray:
    return np.array(
        [width / pose.width if pose.width else 1.0, height / pose.height if pose.height else 1.0, 1.0]
    )


def _draw_people(bgr: Canvas, pose: PoseFrame, patient_colour: tuple[int, int, int], unit: float) -> None:
    """The patient's skeleton in ``patient_colour``, everyone else's in grey."""
    h, w = bgr.shape[:2]
    scale = _scale(pose, w, h)
    thick = max(1, round(2 * unit))
    for person_id, keypoints in _people(pose):
        is_patient = person_id == pose.patient_id or person_id == -1
        colour = patient_colour if is_patient else OTHERS_COLOUR
        _draw_person(bgr, keypoints * scale, colour, thick if is_patient else max(1, thick - 1))


@dataclass(frozen=True)
class TextBox:
    """A rendered text box and where its top-left corner goes on the frame."""

    x: int
    y: int
    patch: np.ndarray

    @property
    def box(self) -> tuple[int, int, int, int]:
        """(left, top, right, bottom), right and bottom exclusive."""
        return self.x, self.y, self.x + self.patch.shape[1], self.y + self.patch.shape[0]


def _sizes(width: int, height: int) -> tuple[int, int, int, int]:
    """Text sizes (px) of the caption, the labels and the small marks, and the margin: from the
    frame's short side (a caption line is 1/20 of it, as broadcast subtitles are)."""
    short = min(width, height)
    return (
        max(10, round(short / 20)),
        max(10, round(short / 24)),
        max(9, round(short / 30)),
        max(4, round(short / 40)),
    )


def _inside(patch: np.ndarray, x: float, y: float, width: int, height: int) -> TextBox:
    """The box moved inside the frame (its patch is never larger than the room it was made for)."""
    return TextBox(
        int(min(max(0, round(x)), max(0, width - patch.shape[1]))),
        int(min(max(0, round(y)), max(0, height - patch.shape[0]))),
        patch,
    )


def person_tags(
    width: int, height: int, pose: PoseFrame, patient_colour: tuple[int, int, int]
) -> list[TextBox]:
    """Each tracked person's id ("#3", "#0 patient") above the top left of their skeleton."""
    _, _, small, margin = _sizes(width, height)
    scale = _scale(pose, width, height)
    out = []
    for person_id, keypoints in _people(pose):
        pts = keypoints * scale
        seen = pts[pts[:, 2] >= MIN_CONFIDENCE]
        if person_id < 0 or not len(seen):
            continue
        is_patient = person_id == pose.patient_id
        colour = patient_colour if is_patient else OTHERS_COLOUR
        text = f"#{person_id}{' patient' if is_patient else ''}"
        tag = text_patch(text, colour, small, width - 2 * margin, height - 2 * margin)
        out.append(_inside(tag, seen[:, 0].min(), seen[:, 1].min() - tag.shape[0] - 2, width, height))
    return out


def text_boxes(width: int, height: int, overlay: Overlay, *, not_found: bool = False) -> list[TextBox]:
    """Where the overlay's texts go on a ``width`` × ``height`` frame (module notes): labels top
    left, "patient not found" top right, the caption centred at the bottom; all inside the frame."""
    caption_px, label_px, small_px, margin = _sizes(width, height)
    room_w, room_h = width - 2 * margin, height - 2 * margin
    boxes: list[TextBox] = []
    y = margin
    for text, emotion in ((overlay.label, overlay.label_emotion), (overlay.predicted, "")):
        if text:
            patch = text_patch(text, EMOTION_COLOURS.get(emotion, (255, 255, 255)), label_px, room_w, room_h)
            boxes.append(_inside(patch, margin, y, width, height))
            y += patch.shape[0] + margin // 2
    if not_found:
        patch = text_patch(NOT_FOUND, (90, 90, 255), small_px, room_w, room_h)
        x = width - margin - patch.shape[1]
        clash = any(b.box[2] + margin // 2 > x for b in boxes)
        boxes.append(_inside(patch, x, y if clash else margin, width, height))
    if overlay.caption:
        patch = text_patch(overlay.caption, (255, 255, 255), caption_px, room_w, room_h, centred=True)
        boxes.append(
            _inside(patch, (width - patch.shape[1]) / 2, height - 2 * margin - patch.shape[0], width, height)
        )
    return boxes


@overload
def draw_overlay(bgr: np.ndarray, pose: PoseFrame | None, overlay: Overlay) -> np.ndarray: ...
@overload
def draw_overlay(bgr: Planes, pose: PoseFrame | None, overlay: Overlay) -> Planes: ...
@overload
def draw_overlay(bgr: Canvas, pose: PoseFrame | None, overlay: Overlay) -> Canvas: ...


def draw_overlay(bgr: Canvas, pose: PoseFrame | None, overlay: Overlay) -> Canvas:
    """Draw skeletons, ids, labels and the caption onto ``bgr`` (in place: a BGR picture or a
    frame's planes) and return it."""
    h, w = bgr.shape[:2]
    unit = max(h, w) / 640.0
    colour = EMOTION_COLOURS.get(overlay.label_emotion, (0, 255, 0))
    boxes = []
    if pose is not None:
        _draw_people(bgr, pose, colour, unit)
        if pose.keypoints is not None:
            sx = w / pose.width if pose.width else 1.0
            sy = h / pose.height if pose.height else 1.0
            _draw_face_hands(bgr, pose, (sx, sy))
        boxes = person_tags(w, h, pose, colour)
    boxes += text_boxes(w, h, overlay, not_found=pose is not None and pose.keypoints is None)
    for box in boxes:
        _paste(bgr, box.patch, box.x, box.y)
    return bgr


#: The marker of a frame where pose was sampled but the patient was not found.
NOT_FOUND = "patient not found"


def _draw_face_hands(bgr: Canvas, pose: PoseFrame, scale: tuple[float, float]) -> None:
    """The face contour and the hands, thin and light (they are small next to the skeleton)."""
    runs = [(pose.face, _FACE_CHAINS), (pose.hand_left, _HAND_CHAINS), (pose.hand_right, _HAND_CHAINS)]
    lines: list[tuple[bool, np.ndarray]] = []  # in drawing order
    for points, chains in runs:
        if points is None:
            continue
        seen = points[:, 2] >= MIN_CONFIDENCE
        if not seen.any():
            continue
        xy = np.round(points[:, :2] * scale).astype(np.int32)
        lines += [(closed, xy[idx]) for idx, closed in chains if seen[idx].all()]
    # One call per run of chains alike (open or closed), in the same order: the same pixels as
    # one call per chain, with fewer hand-overs of the GIL.
    for closed, group in itertools.groupby(lines, key=lambda line: line[0]):
        _polylines(bgr, [chain for _, chain in group], closed, _FACE_HAND_COLOUR, 1)
