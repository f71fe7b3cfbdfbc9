"""Bystanders are not shown: the faces of everyone but the patient blurred on every drawn frame.

Care videos show other residents and staff who did not consent to a model of them. The review copy
and every key-frame JPG blur the face of each person who is not the patient (``VOICE_BLUR_BYSTANDERS``,
on by default; docs/people.md, "Bystanders"):

- **Where.** A face box from the person's BODY_25 head points (nose, eyes, ears; the shoulders
  when no head point was seen), padded (:func:`face_box`), in the source's upright pixels like
  every pose. Between two pose samples the box is interpolated in time as the skeleton is
  (:func:`faces_between`); a person seen in only one of the two samples keeps that sample's box
  for the whole interval (a face is blurred one interval too long rather than shown one frame).
- **Who.** Everyone whose track is not the patient's on that frame, as drawn (the skeleton's
  colour says the same); when no patient is chosen yet, everyone. The patient's own face box is
  never blurred, also where a bystander's box overlaps it.
- **How strong.** The box is averaged down to :data:`CELLS_ACROSS` samples across (about 2.7
  across the face itself) and scaled back up smoothly: what is left is a few patches of colour,
  below the ~7 pixels across at which people still recognise familiar faces (Sinha et al. 2006,
  "Face recognition by humans: nineteen results", result 1). The skeletons are drawn on top.

The cost is two resizes of a small box per bystander per frame (docs/performance.md, "Blurring
bystanders").
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np

from voice.drawing.planes import Planes
from voice.pose.body25 import Person, PoseFrame

__all__ = ["CELLS_ACROSS", "FaceBlur", "FaceBox", "face_box", "faces_between"]

#: BODY_25 head points (Nose, REye, LEye, REar, LEar) and the shoulders (RShoulder, LShoulder).
HEAD = (0, 15, 16, 17, 18)
SHOULDERS = (2, 5)
#: A head point below this confidence does not place the box (MediaPipe's visibility).
MIN_CONFIDENCE = 0.1
#: Padding around the face, as a share of its width on each side.
PAD = 0.3
#: Samples the blurred box keeps across its width (its height in proportion).
CELLS_ACROSS = 4


@dataclass(frozen=True)
class FaceBox:
    """A face's box in pixels: [x0, x1) × [y0, y1) (floats; clipped when drawn)."""

    x0: float
    y0: float
    x1: float
    y1: float

    def lerp(self, other: FaceBox, f: float) -> FaceBox:
        return FaceBox(
            self.x0 + (other.x0 - self.x0) * f,
            self.y0 + (other.y0 - self.y0) * f,
            self.x1 + (other.x1 - self.x1) * f,
            self.y1 + (other.y1 - self.y1) * f,
        )

    def pixels(self, sx: float, sy: float, width: int, height: int) -> tuple[int, int, int, int] | None:
        """The box scaled by (``sx``, ``sy``), grown to whole pixels and clipped to the frame."""
        x0, x1 = max(0, math.floor(self.x0 * sx)), min(width, math.ceil(self.x1 * sx))
        y0, y1 = max(0, math.floor(self.y0 * sy)), min(height, math.ceil(self.y1 * sy))
        return (x0, y0, x1, y1) if x0 < x1 and y0 < y1 else None


def face_box(keypoints: np.ndarray) -> FaceBox | None:
    """The padded face box of a BODY_25 pose (None: neither head nor shoulders were seen).

    The face's width is the largest of: the ears' distance, 2.5 × the eyes' distance, 0.6 × the
    nose's distance from the neck, the spread of the head points (a face turned aside narrows its
    eyes' distance, not the neck's); its height is 1.3 × the width, from above the eyebrows to
    the chin. Without a head point the head is put above the shoulders, half their width wide.
    """
    head = _head(keypoints) or _above_shoulders(keypoints)
    if head is None:
        return None
    (cx, cy), width = head
    cy += 0.1 * width  # the head points sit at eye height; the chin is further than the brow
    half_w, half_h = width * (0.5 + PAD), 1.3 * width * (0.5 + PAD)
    return FaceBox(cx - half_w, cy - half_h, cx + half_w, cy + half_h)


def _seen(keypoints: np.ndarray, *slots: int) -> bool:
    return all(keypoints[s, 2] >= MIN_CONFIDENCE for s in slots)


def _head(keypoints: np.ndarray) -> tuple[tuple[float, float], float] | None:
    """The head's centre (at eye height) and the face's width, from the head points."""
    points = [keypoints[s, :2] for s in HEAD if _seen(keypoints, s)]
    if not points:
        return None
    seen = np.array(points)
    width = float(np.ptp(seen, axis=0).max())
    for (a, b), factor in (((17, 18), 1.0), ((15, 16), 2.5), ((0, 1), 0.6)):
        if _seen(keypoints, a, b):
            width = max(width, factor * float(np.hypot(*(keypoints[a, :2] - keypoints[b, :2]))))
    cx, cy = seen.mean(axis=0)
    return ((float(cx), float(cy)), width) if width > 0 else None


def _above_shoulders(keypoints: np.ndarray) -> tuple[tuple[float, float], float] | None:
    """The head's centre and width from the shoulders: half their width, above the neck."""
    if not _seen(keypoints, *SHOULDERS):
        return None
    right, left = keypoints[SHOULDERS[0], :2], keypoints[SHOULDERS[1], :2]
    width = 0.5 * float(np.hypot(*(right - left)))
    neck = (right + left) / 2
    return ((float(neck[0]), float(neck[1]) - 1.2 * width), width) if width > 0 else None


def _boxes(people: Iterable[Person]) -> dict[int, FaceBox]:
    found = {p.person_id: face_box(p.keypoints) for p in people}
    return {pid: box for pid, box in found.items() if box is not None}


def _boxes_of(pose: PoseFrame) -> dict[int, FaceBox]:
    return _boxes(pose.people)


def faces_between(
    before: PoseFrame | None,
    after: PoseFrame | None,
    time_s: float,
    boxes_of: Callable[[PoseFrame], dict[int, FaceBox]] = _boxes_of,
) -> dict[int, FaceBox]:
    """Everyone's face box at ``time_s`` from the samples around it, by track id: interpolated for
    a person in both, the one sample's box for a person in only one (``boxes_of``: a sample's
    boxes, by track id)."""
    a = boxes_of(before) if before is not None else {}
    b = boxes_of(after) if after is not None else {}
    if before is None or after is None:
        return dict(a or b)
    span = after.time_s - before.time_s
    f = 0.0 if span <= 0 else min(1.0, max(0.0, (time_s - before.time_s) / span))
    return {pid: a[pid].lerp(b[pid], f) if pid in a and pid in b else a.get(pid) or b[pid] for pid in a | b}


def _blurred(patch: np.ndarray) -> np.ndarray:
    """``patch`` averaged down to :data:`CELLS_ACROSS` samples across, scaled back up smoothly."""
    import cv2

    height, width = patch.shape[:2]
    across = min(CELLS_ACROSS, width)
    down = max(1, min(height, round(across * height / width)))
    small = cv2.resize(patch, (across, down), interpolation=cv2.INTER_AREA)
    return cv2.resize(small, (width, height), interpolation=cv2.INTER_LINEAR)


class FaceBlur:
    """Blurs the bystanders' faces of frame after frame (:meth:`__call__`); the boxes of each pose
    sample are found once, not on each of the frames it brackets."""

    def __init__(self) -> None:
        self._known: dict[int, tuple[PoseFrame, dict[int, FaceBox]]] = {}

    def _boxes_of(self, pose: PoseFrame) -> dict[int, FaceBox]:
        known = self._known.get(id(pose))
        if known is not None and known[0] is pose:
            return known[1]
        if len(self._known) >= 4:  # only the samples around the frames being drawn are asked for
            self._known.clear()
        boxes = _boxes(pose.people)
        self._known[id(pose)] = (pose, boxes)  # the pose is held, so its id is not reused meanwhile
        return boxes

    def __call__(
        self,
        bgr: np.ndarray | Planes,
        samples: tuple[PoseFrame | None, PoseFrame | None],
        time_s: float,
        patient_id: int | None,
    ) -> None:
        """Blur, in place, the face of everyone but the patient (``patient_id``; None: nobody is
        the patient yet) on the frame at ``time_s``, between the pose ``samples`` (before, after).
        On a frame's planes each plane is blurred alike, the chroma planes over the box at half
        scale (grown to whole pixels, the patient's kept box too)."""
        before, after = samples
        ref = before or after
        if ref is None or not ref.width or not ref.height:
            return
        boxes = faces_between(before, after, time_s, self._boxes_of)
        if not boxes or (len(boxes) == 1 and patient_id in boxes):
            return
        height, width = bgr.shape[:2]
        sx, sy = width / ref.width, height / ref.height
        patient = boxes.pop(patient_id) if patient_id in boxes else None
        keep = patient.pixels(sx, sy, width, height) if patient is not None else None
        layers = bgr.layers() if isinstance(bgr, Planes) else [(bgr, 1)]
        for box in boxes.values():
            region = box.pixels(sx, sy, width, height)
            if region is None:
                continue
            for layer, step in layers:
                _blur_region(layer, _coarser(region, step), None if keep is None else _coarser(keep, step))


def _coarser(box: tuple[int, int, int, int], step: int) -> tuple[int, int, int, int]:
    """A pixel box on a plane ``step`` times coarser: every pixel it touches."""
    x0, y0, x1, y1 = box
    return x0 // step, y0 // step, -(-x1 // step), -(-y1 // step)


def _blur_region(
    bgr: np.ndarray, region: tuple[int, int, int, int], keep: tuple[int, int, int, int] | None
) -> None:
    """Blur ``region`` of ``bgr`` in place, all but where it overlaps ``keep`` (the patient's face)."""
    x0, y0, x1, y1 = region
    blurred = _blurred(bgr[y0:y1, x0:x1])
    if keep is not None:
        kx0, ky0, kx1, ky1 = max(x0, keep[0]), max(y0, keep[1]), min(x1, keep[2]), min(y1, keep[3])
        if kx0 < kx1 and ky0 < ky1:
            blurred[ky0 - y0 : ky1 - y0, kx0 - x0 : kx1 - x0] = bgr[ky0:ky1, kx0:kx1]
    bgr[y0:y1, x0:x1] = blurred
