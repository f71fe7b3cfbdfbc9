"""A decoded frame as the pass wants it: upright, at the plan's size, in BGR (one libav
scale+convert, then the display rotation) or as its 4:2:0 planes (copied as decoded, or scaled by
libav; turned plane by plane). :func:`i420_planes` gives views of the three planes.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from voice.media.probe import rotation_of

__all__ = ["Converter", "i420_planes", "turned"]


#: cv2.rotate codes per counter-clockwise display rotation.
_ROTATE = {90: 2, 180: 1, 270: 0}  # ROTATE_90_COUNTERCLOCKWISE, ROTATE_180, ROTATE_90_CLOCKWISE


class Converter:
    """Decoded frame → upright BGR of the plan's size: one libav scale+convert, then rotation;
    or (``planes``) its upright 4:2:0 planes of that size: copied as decoded when the size is the
    source's, else scaled by libav (no colour conversion either way)."""

    def __init__(self, size: tuple[int, int] | None) -> None:
        from av.video.reformatter import VideoReformatter

        self._size = size
        # One each (each keeps its scaler between frames).
        self._to_bgr, self._to_planes = VideoReformatter(), VideoReformatter()
        self.rotation: int | None = None

    def _stored(self, frame: Any) -> tuple[int, int]:
        """The (width, height) to scale to before turning upright."""
        if self.rotation is None:  # the display matrix of a phone video does not change
            self.rotation = rotation_of(frame)
        turned = self.rotation in (90, 270)
        width, height = self._size or ((frame.height, frame.width) if turned else (frame.width, frame.height))
        return (height, width) if turned else (width, height)

    def __call__(self, frame: Any) -> np.ndarray:
        import cv2

        stored = self._stored(frame)
        if stored == (frame.width, frame.height):
            bgr: np.ndarray = frame.to_ndarray(format="bgr24")
        else:
            small = self._to_bgr.reformat(
                frame, width=stored[0], height=stored[1], format="bgr24", interpolation="AREA"
            )
            bgr = small.to_ndarray()
        code = _ROTATE.get(self.rotation or 0)  # counter-clockwise degrees, as the display matrix says
        if code is not None:
            bgr = cv2.rotate(bgr, code)
        return bgr

    def planes(self, frame: Any) -> np.ndarray:
        """The upright picture as 4:2:0 planes, (height × 3/2, width) bytes (sizes are even)."""
        stored = self._stored(frame)
        if stored == (frame.width, frame.height) and frame.format.name == "yuv420p":
            i420: np.ndarray = frame.to_ndarray()
        else:
            i420 = self._to_planes.reformat(
                frame, width=stored[0], height=stored[1], format="yuv420p", interpolation="AREA"
            ).to_ndarray()
        code = _ROTATE.get(self.rotation or 0)
        return i420 if code is None else turned(i420, stored, code)


def i420_planes(i420: np.ndarray, width: int, height: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Views of the Y (height × width), U and V (height/2 × width/2) planes of 4:2:0 bytes."""
    flat = i420.reshape(-1)
    luma, chroma = width * height, (width // 2) * (height // 2)
    return (
        flat[:luma].reshape(height, width),
        flat[luma : luma + chroma].reshape(height // 2, width // 2),
        flat[luma + chroma : luma + 2 * chroma].reshape(height // 2, width // 2),
    )


def turned(i420: np.ndarray, size: tuple[int, int], code: int) -> np.ndarray:
    """4:2:0 planes of a ``size`` picture turned by ``code`` (a cv2.rotate code), plane by plane."""
    import cv2

    turned = [cv2.rotate(plane, code) for plane in i420_planes(i420, *size)]
    return np.concatenate([plane.reshape(-1) for plane in turned]).reshape(-1, turned[0].shape[1])
