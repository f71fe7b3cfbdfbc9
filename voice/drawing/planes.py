"""A 4:2:0 picture drawn on as a BGR one is: the annotated video's frames as decoded.

A frame that is only shown (not posed) used to go 4:2:0 → BGR (libswscale, in the decoding
thread) → drawn → BGR → 4:2:0 (OpenCV, for x264): two conversions of every pixel for a few
lines and boxes. :class:`Planes` draws on the decoded planes instead (``Frame.i420``,
:mod:`voice.media.frames`), and the encoder takes them as they are.

- **Lines** (:meth:`Planes.polylines`): on the luma plane in the colour's Y, at full size; on each
  chroma plane (half the width and height) in its U and V, through the same points at half
  scale (OpenCV's fixed point with one fractional bit: no rounding of their own) and half as
  thick (at least one pixel). Antialiasing blends each plane the way it blends each BGR channel,
  and the conversion is linear, so a line's luma is what drawing in BGR and converting gives,
  but for rounding; its colour is as sharp as 4:2:0 can carry.
- **Text boxes** (:meth:`Planes.paste`): the patch converted once (kept while it is in use: the
  patches themselves are cached, :func:`voice.drawing.text.text_patch`) and copied into the three
  planes at an even position (a box moves left or up by at most one pixel), clipped to the frame.
- **Colours** are converted with OpenCV's BGR → I420 (BT.601, video range), the conversion the
  encoder's BGR frames went through.
"""

from __future__ import annotations

import functools
import threading
from collections import OrderedDict
from collections.abc import Sequence

import numpy as np

from voice.media.pictures import i420_planes

__all__ = ["Planes", "yuv_of"]

_PATCHES = 64  # converted text boxes kept (a frame has a handful)


@functools.lru_cache(maxsize=64)
def yuv_of(colour: tuple[int, int, int]) -> tuple[int, int, int]:
    """(Y, U, V) of a BGR colour, as OpenCV's BGR → I420 converts it."""
    import cv2

    block = np.empty((2, 2, 3), np.uint8)
    block[:] = colour
    i420 = cv2.cvtColor(block, cv2.COLOR_BGR2YUV_I420)  # 2×2 Y, then one U and one V
    return int(i420[0, 0]), int(i420[2, 0]), int(i420[2, 1])


class Planes:
    """``i420`` ((height × 3/2, width) bytes, even sizes) drawn on in place."""

    def __init__(self, i420: np.ndarray) -> None:
        self.i420 = i420
        self.height, self.width = i420.shape[0] * 2 // 3, i420.shape[1]
        self._y, self._u, self._v = i420_planes(i420, self.width, self.height)

    @property
    def shape(self) -> tuple[int, int]:
        """(height, width), as a BGR picture's ``shape[:2]``."""
        return self.height, self.width

    def layers(self) -> list[tuple[np.ndarray, int]]:
        """The three planes, each with how many pixels of the picture one of its pixels spans."""
        return [(self._y, 1), (self._u, 2), (self._v, 2)]

    def bgr(self) -> np.ndarray:
        """The picture in BGR (a key frame's image)."""
        import cv2

        return np.asarray(cv2.cvtColor(self.i420, cv2.COLOR_YUV2BGR_I420))

    def polylines(
        self, lines: Sequence[np.ndarray], closed: bool, colour: tuple[int, int, int], thickness: int
    ) -> None:
        """``cv2.polylines`` with antialiasing, as on a BGR picture of this size."""
        import cv2

        y, u, v = yuv_of(colour)
        cv2.polylines(self._y, lines, closed, y, thickness, cv2.LINE_AA)
        half = max(1, round(thickness / 2))
        cv2.polylines(self._u, lines, closed, u, half, cv2.LINE_AA, 1)
        cv2.polylines(self._v, lines, closed, v, half, cv2.LINE_AA, 1)

    def paste(self, patch: np.ndarray, x: int, y: int) -> None:
        """Copy the BGR ``patch`` with its top-left corner at (x, y) (rounded down to even),
        clipped to the frame."""
        x, y = x - x % 2, y - y % 2
        planes = _converted(patch)
        x0, y0 = max(0, x), max(0, y)
        x1, y1 = min(self.width, x + planes[0].shape[1]), min(self.height, y + planes[0].shape[0])
        if x0 >= x1 or y0 >= y1:
            return
        self._y[y0:y1, x0:x1] = planes[0][y0 - y : y1 - y, x0 - x : x1 - x]
        for target, source in ((self._u, planes[1]), (self._v, planes[2])):
            target[y0 // 2 : y1 // 2, x0 // 2 : x1 // 2] = source[
                (y0 - y) // 2 : (y1 - y) // 2, (x0 - x) // 2 : (x1 - x) // 2
            ]


#: Text boxes as planes, by the identity of their BGR patch (held, so the identity stays theirs).
_converted_patches: OrderedDict[int, tuple[np.ndarray, tuple[np.ndarray, ...]]] = OrderedDict()
_lock = threading.Lock()


def _converted(patch: np.ndarray) -> tuple[np.ndarray, ...]:
    """The BGR ``patch`` as 4:2:0 planes (an odd width or height gains a copy of its last column
    or row), converted once while it is among the last ``_PATCHES`` used."""
    import cv2

    with _lock:
        kept = _converted_patches.get(id(patch))
        if kept is not None and kept[0] is patch:
            _converted_patches.move_to_end(id(patch))
            return kept[1]
    height, width = patch.shape[:2]
    even = np.pad(patch, ((0, height % 2), (0, width % 2), (0, 0)), mode="edge")
    planes = i420_planes(cv2.cvtColor(even, cv2.COLOR_BGR2YUV_I420), width + width % 2, height + height % 2)
    with _lock:
        _converted_patches[id(patch)] = (patch, planes)
        if len(_converted_patches) > _PATCHES:
            _converted_patches.popitem(last=False)
    return planes
