"""Faces that change and hands that move, made from scikit-image's astronaut photo (public domain).

Used by the tests and by ``scripts/make_samples.py``. Everything is deterministic.

- :func:`expressive_face` warps the photo's mouth, brows and eyelids with smooth displacement
  fields (lip corners up = smile, down = frown; lower lip down = mouth open; brows up; lids down).
- :func:`draw_hand` renders an open right hand (palm to the camera, fingers up) that MediaPipe's
  palm detector and hand-landmark model find; mirrored, it is a left hand.
- :func:`paste_hand` puts a hand on a frame, turned and scaled.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

__all__ = [
    "EXPRESSION",
    "FACE_POINTS",
    "astronaut_bgr",
    "draw_hand",
    "expressive_face",
    "paste_hand",
    "synthetic_face",
    "synthetic_hand",
]

#: Where things are on the 512×512 photo (pixels; from MediaPipe's face mesh on the photo).
FACE_POINTS: dict[str, tuple[float, float]] = {
    "mouth_r": (201.8, 139.2),
    "mouth_l": (245.0, 141.0),
    "lip_up": (223.5, 143.2),
    "lip_low": (223.0, 150.1),
    "chin": (221.3, 177.4),
    "brow_r": (198.8, 86.9),
    "brow_l": (253.0, 90.7),
    "lid_r": (202.8, 97.6),
    "lid_l": (248.3, 99.7),
}


@lru_cache(maxsize=1)
def astronaut_bgr() -> np.ndarray:
    from skimage import data

    rgb = np.asarray(data.astronaut())
    return np.ascontiguousarray(rgb[:, :, ::-1])


def _bump(xx: np.ndarray, yy: np.ndarray, at: tuple[float, float], sigma: float) -> np.ndarray:
    return np.asarray(np.exp(-((xx - at[0]) ** 2 + (yy - at[1]) ** 2) / (2 * sigma**2)))


def expressive_face(
    smile: float = 0.0, mouth_open: float = 0.0, brows: float = 0.0, eyes_closed: float = 0.0
) -> np.ndarray:
    """The astronaut photo (BGR, 512×512) with its expression changed.

    ``smile`` −1…1 moves the lip corners down (frown) or up (smile) by up to 9 px and out by 3 px;
    ``mouth_open`` 0…1 pulls the lower lip and chin down by up to 14 px; ``brows`` −1…1 lowers or
    raises the eyebrows by up to 7 px; ``eyes_closed`` 0…1 lowers the upper lids by up to 5 px.
    """
    import cv2

    img = astronaut_bgr()
    yy, xx = np.mgrid[0:512, 0:512].astype(np.float32)
    dx = np.zeros_like(xx)
    dy = np.zeros_like(yy)
    p = FACE_POINTS
    for key, out in (("mouth_r", -1.0), ("mouth_l", 1.0)):
        b = _bump(xx, yy, p[key], 7.0)
        dy += -9.0 * smile * b
        dx += 3.0 * smile * out * b
    dy += 14.0 * mouth_open * (_bump(xx, yy, p["lip_low"], 10.0) * 0.8 + _bump(xx, yy, p["chin"], 18.0) * 0.6)
    for key in ("brow_r", "brow_l"):
        dy += -7.0 * brows * _bump(xx, yy, p[key], 11.0)
    for key in ("lid_r", "lid_l"):
        dy += 5.0 * eyes_closed * _bump(xx, yy, p[key], 5.0)
    # Backward mapping: each output pixel samples the photo where its content came from.
    return np.asarray(
        cv2.remap(img, xx - dx, yy - dy, interpolation=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    )


def draw_hand(
    size: int, *, spread: float = 1.0, curl: float = 0.0, skin: tuple[int, int, int] = (120, 160, 215)
) -> tuple[np.ndarray, np.ndarray]:
    """An open right hand, fingers up, wrist at the bottom centre: (BGR size×size, alpha 0…1).

    ``spread`` scales the angles between the fingers (0.5 closed … 1.5 wide); ``curl`` 0…0.6
    shortens them (a loose fist).
    """
    import cv2

    s = 4  # drawn at 4× and shrunk: smooth edges
    big = size * s
    img = np.zeros((big, big, 3), np.uint8)
    mask = np.zeros((big, big), np.uint8)

    def c(x: float, y: float) -> tuple[int, int]:
        return int(x * big), int(y * big)

    def part(draw: object) -> None:
        for target, color in ((img, skin), (mask, 255)):
            draw(target, color)  # type: ignore[operator]

    palm = np.array(
        [c(0.30, 0.55), c(0.70, 0.55), c(0.72, 0.80), c(0.62, 0.95), c(0.38, 0.95), c(0.28, 0.80)]
    )
    part(lambda t, col: cv2.fillPoly(t, [palm.astype(np.int32)], col, cv2.LINE_AA))
    fingers = (
        ((0.34, 0.57), 0.30, -12),
        ((0.46, 0.55), 0.36, -4),
        ((0.58, 0.56), 0.33, 4),
        ((0.68, 0.59), 0.25, 12),
    )
    crease = tuple(int(v * 0.8) for v in skin)
    for (bx, by), length, angle in fingers:
        a = np.radians(angle * spread)
        tip = (bx + length * np.sin(a) * (1 - curl), by - length * np.cos(a) * (1 - curl))
        part(lambda t, col, b=(bx, by), e=tip: cv2.line(t, c(*b), c(*e), col, int(0.085 * big), cv2.LINE_AA))
        part(lambda t, col, e=tip: cv2.circle(t, c(*e), int(0.0425 * big), col, -1, cv2.LINE_AA))
        for f in (0.33, 0.66):
            q = c(bx + (tip[0] - bx) * f, by + (tip[1] - by) * f)
            cv2.line(
                img, (q[0] - int(0.03 * big), q[1]), (q[0] + int(0.03 * big), q[1]), crease, s, cv2.LINE_AA
            )
    a = np.radians(-55 * spread)
    thumb_tip = (0.30 + 0.25 * np.sin(a) * (1 - curl), 0.80 - 0.25 * np.cos(a) * (1 - curl))
    part(lambda t, col: cv2.line(t, c(0.30, 0.80), c(*thumb_tip), col, int(0.10 * big), cv2.LINE_AA))
    part(lambda t, col: cv2.circle(t, c(*thumb_tip), int(0.05 * big), col, -1, cv2.LINE_AA))
    part(lambda t, col: cv2.rectangle(t, c(0.38, 0.9), c(0.62, 1.0), col, -1))
    img = cv2.GaussianBlur(img, (0, 0), s * 0.8)
    mask = cv2.GaussianBlur(mask, (0, 0), s * 0.8)
    small = cv2.resize(img, (size, size), interpolation=cv2.INTER_AREA)
    alpha = cv2.resize(mask, (size, size), interpolation=cv2.INTER_AREA).astype(np.float32) / 255.0
    return small, alpha


def paste_hand(
    frame: np.ndarray,
    wrist: tuple[float, float],
    *,
    size: int,
    angle_deg: float = 0.0,
    right: bool = True,
    spread: float = 1.0,
) -> np.ndarray:
    """``frame`` with a hand whose wrist is at ``wrist`` (px), fingers turned ``angle_deg``
    clockwise from up. ``right=False`` mirrors it into a left hand (palm to the camera)."""
    import cv2

    hand, alpha = draw_hand(size, spread=spread)
    if not right:
        hand, alpha = hand[:, ::-1], alpha[:, ::-1]
    # The drawn wrist sits at (0.5, 0.95) of the hand image.
    m = cv2.getRotationMatrix2D((0.5 * size, 0.95 * size), -angle_deg, 1.0)
    m[0, 2] += wrist[0] - 0.5 * size
    m[1, 2] += wrist[1] - 0.95 * size
    h, w = frame.shape[:2]
    warped = cv2.warpAffine(np.ascontiguousarray(hand), m, (w, h))
    a = cv2.warpAffine(np.ascontiguousarray(alpha), m, (w, h))[..., None]
    return np.asarray(frame * (1 - a) + warped * a, dtype=np.uint8)


# ---------------------------------------------------------------------------------------------
# synthetic OpenPose face and hand points (no model): for the feature tests


#: The expression parameters of :func:`synthetic_face` and their neutral values.
EXPRESSION = {
    "smile": 0.0,
    "mouth_open": 0.0,
    "brows": 0.0,
    "eyes": 1.0,
    "yaw": 0.0,
    "roll_deg": 0.0,
    "wink": 0.0,
}


def synthetic_face(centre: tuple[float, float], unit: float, **expression: float) -> np.ndarray:
    """A plausible 70-point OpenPose face (70, 3): ``unit`` px between the outer eye corners,
    eye midpoint at ``centre``. Expression (:data:`EXPRESSION`): ``smile`` lifts the lip corners,
    ``mouth_open`` drops the lower lip, ``brows`` raises the brows, ``eyes`` scales the lid gaps
    (``wink`` closes the left eye's by that share), ``yaw`` shifts the inner face sideways,
    ``roll_deg`` turns the face."""
    unknown = set(expression) - set(EXPRESSION)
    if unknown:
        raise TypeError(f"unknown expression parameters {sorted(unknown)}")
    e = {**EXPRESSION, **expression}
    smile, mouth_open, brows, eyes, yaw, wink = (
        e[k] for k in ("smile", "mouth_open", "brows", "eyes", "yaw", "wink")
    )
    roll_deg = e["roll_deg"]
    pts = np.zeros((70, 2))
    k = np.arange(17)
    pts[:17] = np.stack([-0.95 * np.cos(np.pi * k / 16), 0.05 + 1.05 * np.sin(np.pi * k / 16)], axis=1)
    brow_u = np.linspace(-0.6, -0.12, 5)
    pts[17:22] = np.stack([brow_u, -0.25 - 0.1 * brows - 0.05 * np.sin(np.linspace(0, np.pi, 5))], axis=1)
    pts[22:27] = pts[17:22][::-1] * [-1, 1]
    pts[27:31] = np.stack([np.zeros(4), np.linspace(0.05, 0.45, 4)], axis=1)
    pts[31:36] = np.stack([np.linspace(-0.15, 0.15, 5), [0.52, 0.54, 0.55, 0.54, 0.52]], axis=1)
    gap_up, gap_low = 0.06 * eyes, 0.05 * eyes
    r_eye = [(-0.5, 0), (-0.38, -gap_up), (-0.27, -gap_up), (-0.15, 0), (-0.27, gap_low), (-0.38, gap_low)]
    pts[36:42] = r_eye
    up, low = gap_up * (1 - wink), gap_low * (1 - wink)
    pts[42:48] = [(0.15, 0), (0.27, -up), (0.38, -up), (0.5, 0), (0.38, low), (0.27, low)]
    corner_v = 0.86 - 0.1 * smile
    drop = 0.3 * mouth_open
    pts[48:60] = [
        (-0.3 - 0.04 * smile, corner_v), (-0.2, 0.8), (-0.1, 0.78), (0, 0.79), (0.1, 0.78), (0.2, 0.8),
        (0.3 + 0.04 * smile, corner_v), (0.2, 0.92 + drop), (0.1, 0.95 + drop), (0, 0.96 + drop),
        (-0.1, 0.95 + drop), (-0.2, 0.92 + drop),
    ]  # fmt: skip
    pts[60:68] = [
        (-0.25, corner_v), (-0.1, 0.84), (0, 0.845), (0.1, 0.84), (0.25, corner_v),
        (0.1, 0.86 + drop), (0, 0.865 + drop), (-0.1, 0.86 + drop),
    ]  # fmt: skip
    pts[68], pts[69] = (-0.325, 0.0), (0.325, 0.0)
    inner = np.r_[17:70]
    pts[inner, 0] += 0.2 * yaw
    a = np.radians(roll_deg)
    rot = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
    out = np.ones((70, 3))
    out[:, :2] = pts @ rot.T * unit + np.asarray(centre)
    return out


def synthetic_hand(
    wrist: tuple[float, float], unit: float, *, angle_deg: float = 0.0, spread: float = 1.0, curl: float = 0.0
) -> np.ndarray:
    """A 21-point open hand (21, 3): ``unit`` px from the wrist to the middle finger's base, fingers
    turned ``angle_deg`` clockwise from up; ``spread`` opens the fingers, ``curl`` 0…0.8 shortens them."""
    pts = np.zeros((21, 2))
    fingers = (
        ((-0.3, -0.25), -50, 0.45), ((-0.3, -0.95), -10, 0.8), ((0, -1), 0, 0.9), ((0.25, -0.95), 10, 0.85),
        ((0.45, -0.85), 22, 0.65),
    )  # fmt: skip
    for f, (base, angle, length) in enumerate(fingers):
        a = np.radians(angle * spread)
        step = length * (1 - curl) / 3
        for j in range(4):
            pts[1 + 4 * f + j] = (base[0] + j * step * np.sin(a), base[1] - j * step * np.cos(a))
    a = np.radians(angle_deg)
    rot = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
    out = np.ones((21, 3))
    out[:, :2] = pts @ rot.T * unit + np.asarray(wrist)
    return out
