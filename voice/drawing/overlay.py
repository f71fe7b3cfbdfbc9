"""What the annotated video shows on a frame: skeletons (the patient in the emotion colour, others
grey with their ids), the patient's face and hands, the narrated emotion, the model's label and
the narration caption. Drawn with OpenCV; text boxes are rendered once and pasted.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from voice.pose.body25 import PoseFrame

__all__ = ["EMOTION_COLOURS", "NOT_FOUND", "OTHERS_COLOUR", "SKELETON", "Overlay", "draw_overlay"]

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


@dataclass(frozen=True)
class Overlay:
    """What to draw on one frame."""

    caption: str = ""
    label: str = ""
    label_emotion: str = ""
    predicted: str = ""


def _ascii(text: str) -> str:
    # Hershey fonts draw ASCII only; the label's middle dot ("happy · smiling") becomes a dash.
    return text.replace("·", "-").encode("ascii", "replace").decode()


def _wrap(text: str, fits: Callable[[str], bool], max_lines: int = 3) -> list[str]:
    """Greedy word wrap by measured width; the first ``max_lines`` lines, the last one ellipsised."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        candidate = f"{line} {word}".strip()
        if line and not fits(candidate):
            lines.append(line)
            line = word
        else:
            line = candidate
    if line:
        lines.append(line)
    if len(lines) > max_lines:
        lines = [*lines[: max_lines - 1], lines[max_lines - 1] + " ..."]
    return lines


#: Colour of the people who are not the patient.
OTHERS_COLOUR = (150, 150, 150)


def _paste(bgr: np.ndarray, patch: np.ndarray, x: int, y: int) -> None:
    """Copy ``patch`` onto ``bgr`` with its top-left corner at (x, y), clipped to the frame."""
    h, w = bgr.shape[:2]
    x0, y0 = max(0, x), max(0, y)
    x1, y1 = min(w, x + patch.shape[1]), min(h, y + patch.shape[0])
    if x0 < x1 and y0 < y1:
        bgr[y0:y1, x0:x1] = patch[y0 - y : y1 - y, x0 - x : x1 - x]


def _draw_person(bgr: np.ndarray, pts: np.ndarray, colour: tuple[int, int, int], thick: int) -> None:
    import cv2

    for a, b in SKELETON:
        if pts[a, 2] >= MIN_CONFIDENCE and pts[b, 2] >= MIN_CONFIDENCE:
            pa, pb = (round(pts[a, 0]), round(pts[a, 1])), (round(pts[b, 0]), round(pts[b, 1]))
            cv2.line(bgr, pa, pb, colour, thick, cv2.LINE_AA)
    joints = (255, 255, 255) if colour != OTHERS_COLOUR else OTHERS_COLOUR
    for x, y, c in pts:
        if c >= MIN_CONFIDENCE:
            cv2.circle(bgr, (round(x), round(y)), thick + 1, joints, -1, cv2.LINE_AA)


def _draw_people(bgr: np.ndarray, pose: PoseFrame, patient_colour: tuple[int, int, int], unit: float) -> None:
    """The patient's skeleton in ``patient_colour``, everyone else's in grey, each with its id."""
    h, w = bgr.shape[:2]
    scale = np.array([w / pose.width if pose.width else 1.0, h / pose.height if pose.height else 1.0, 1.0])
    thick = max(1, round(2 * unit))
    people = [(p.person_id, p.keypoints) for p in pose.people]
    if not people and pose.keypoints is not None:
        people = [(-1, pose.keypoints)]
    # Others first, so the patient's skeleton is drawn on top.
    for person_id, keypoints in sorted(people, key=lambda p: p[0] == pose.patient_id):
        is_patient = person_id == pose.patient_id or person_id == -1
        colour = patient_colour if is_patient else OTHERS_COLOUR
        pts = keypoints * scale
        _draw_person(bgr, pts, colour, thick if is_patient else max(1, thick - 1))
        seen = pts[pts[:, 2] >= MIN_CONFIDENCE]
        if person_id >= 0 and len(seen):
            tag = _label_patch(f"#{person_id}{' patient' if is_patient else ''}", colour, unit * 0.8)
            _paste(bgr, tag, round(seen[:, 0].min()), round(seen[:, 1].min()) - tag.shape[0] - 2)


def draw_overlay(bgr: np.ndarray, pose: PoseFrame | None, overlay: Overlay) -> np.ndarray:
    """Draw skeletons, emotion label and narration caption onto ``bgr`` (in place) and return it."""
    h, w = bgr.shape[:2]
    unit = max(h, w) / 640.0
    if pose is not None:
        _draw_people(bgr, pose, EMOTION_COLOURS.get(overlay.label_emotion, (0, 255, 0)), unit)
        if pose.keypoints is not None:
            sx = w / pose.width if pose.width else 1.0
            sy = h / pose.height if pose.height else 1.0
            _draw_face_hands(bgr, pose, (sx, sy))
    pad = round(8 * unit)
    y = pad
    for text, emotion in ((overlay.label, overlay.label_emotion), (overlay.predicted, "")):
        if text:
            patch = _label_patch(text, EMOTION_COLOURS.get(emotion, (255, 255, 255)), unit)
            _paste(bgr, patch, pad, y)
            y += patch.shape[0] + pad
    if overlay.caption:
        patch = _caption_patch(overlay.caption, w, unit)
        bgr[h - patch.shape[0] :, :] = patch[-h:]
    if pose is not None and pose.keypoints is None:
        _mark_not_found(bgr, unit)
    return bgr


#: The marker of a frame where pose was sampled but the patient was not found.
NOT_FOUND = "patient not found"


def _mark_not_found(bgr: np.ndarray, unit: float) -> None:
    """A small text box in the top right corner, so a missing skeleton is never a silent gap."""
    patch = _label_patch(NOT_FOUND, (90, 90, 255), unit * 0.75)
    pad = round(8 * unit)
    _paste(bgr, patch, bgr.shape[1] - pad - patch.shape[1], pad)


def _draw_face_hands(bgr: np.ndarray, pose: PoseFrame, scale: tuple[float, float]) -> None:
    """The face contour and the hands, thin and light (they are small next to the skeleton)."""
    import cv2

    runs = [(pose.face, [(list(r), closed) for r, closed in FACE_RUNS])]
    runs += [
        (hand, [(list(chain), False) for chain in HAND_RUNS]) for hand in (pose.hand_left, pose.hand_right)
    ]
    for points, chains in runs:
        if points is None or not (points[:, 2] >= MIN_CONFIDENCE).any():
            continue
        xy = np.round(points[:, :2] * scale).astype(np.int32)
        for idx, closed in chains:
            if (points[idx, 2] >= MIN_CONFIDENCE).all():
                cv2.polylines(bgr, [xy[idx]], closed, _FACE_HAND_COLOUR, 1, cv2.LINE_AA)


# Text is the costly part of an overlay (anti-aliased Hershey glyphs, ~1 ms a line) and changes
# a few times a minute: each box is rendered once and pasted on every frame that shows it.
_FONT = 0  # cv2.FONT_HERSHEY_SIMPLEX


def _text_metrics(unit: float) -> tuple[float, int, int]:
    return 0.6 * unit, max(1, round(2 * unit)), round(8 * unit)


@functools.lru_cache(maxsize=64)
def _label_patch(text: str, colour: tuple[int, int, int], unit: float) -> np.ndarray:
    import cv2

    scale, thick, pad = _text_metrics(unit)
    (tw, th), base = cv2.getTextSize(_ascii(text), _FONT, scale, thick)
    patch = np.zeros((th + base + pad, tw + 2 * pad, 3), dtype=np.uint8)
    cv2.putText(patch, _ascii(text), (pad, th + pad // 2), _FONT, scale, colour, thick, cv2.LINE_AA)
    return patch


@functools.lru_cache(maxsize=64)
def _caption_patch(caption: str, width: int, unit: float) -> np.ndarray:
    import cv2

    scale, thick, pad = _text_metrics(unit)
    (_, ch), _ = cv2.getTextSize("M", _FONT, scale, thick)

    def fits(line: str) -> bool:
        return bool(cv2.getTextSize(line, _FONT, scale, thick)[0][0] <= width - 4 * pad)

    lines = _wrap(_ascii(caption), fits)
    line_h = ch + pad
    patch = np.zeros((line_h * len(lines) + 2 * pad, width, 3), dtype=np.uint8)
    for i, line in enumerate(lines):
        cv2.putText(
            patch, line, (2 * pad, pad + ch + i * line_h), _FONT, scale, (255, 255, 255), thick, cv2.LINE_AA
        )
    return patch
