"""Windows of OpenPose points whose face and hands move as a function of time.

The feature tests (``tests/unit/model/``) build a 4 s sample from a face motion (``smiling``: the
expression parameters of :func:`~tests.support.face_media.synthetic_face` over time) and a hands
motion (``flapping``, ``to_mouth``: both wrists over time), at any pixel scale and frame rate.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from tests.support.face_media import synthetic_face, synthetic_hand
from voice.pose.body25 import PoseFrame

__all__ = ["Motion", "flapping", "smiling", "still", "to_mouth", "window"]

Motion = Callable[[float], dict[str, float]]


def still(t: float) -> dict[str, float]:
    return {}


def window(
    face: Motion = still,
    hands: Callable[[float], tuple[tuple[float, float], tuple[float, float]]] | None = None,
    *,
    scale: float = 1.0,
    fps: float = 5.0,
    seed: int = 0,
    spread: float = 1.0,
) -> list[PoseFrame]:
    """A window of frames: a body (only there so a person is detected), a face whose expression
    follows ``face(t)``, and hands whose wrists follow ``hands(t)``; every pixel × ``scale``."""
    rng = np.random.default_rng(seed)
    frames = []
    for i in range(round(4.0 * fps) + 1):  # a 4 s window
        t = i / fps
        jitter = rng.normal(0, 0.6, 2)  # a little head movement, px at scale 1
        body = np.zeros((25, 3))
        body[[0, 1, 2, 5, 8]] = [(320, 170, 1), (320, 240, 1), (265, 240, 1), (375, 240, 1), (320, 400, 1)]
        face_pts = synthetic_face((320 + jitter[0], 150 + jitter[1]), 50, **face(t))
        right = left = None
        if hands is not None:
            (rx, ry), (lx, ly) = hands(t)
            right = synthetic_hand((rx, ry), 22, angle_deg=-10, spread=spread)
            left = synthetic_hand((lx, ly), 22, angle_deg=10, spread=spread, curl=0.3 * (spread - 1))
            left[:, 0] = 2 * lx - left[:, 0]  # a left hand: the mirror image
        kp, face_kp, left_kp, right_kp = [
            p.copy() if p is not None else None for p in (body, face_pts, left, right)
        ]
        for p in (kp, face_kp, left_kp, right_kp):
            if p is not None:
                p[:, :2] *= scale
        size = round(640 * scale), round(480 * scale)
        frames.append(PoseFrame(i, t, *size, kp, face=face_kp, hand_left=left_kp, hand_right=right_kp))
    return frames


def flapping(t: float) -> tuple[tuple[float, float], tuple[float, float]]:
    lift = 25 * np.sin(2 * np.pi * 1.0 * t)
    return (250, 330 - lift), (390, 330 - lift)


def to_mouth(t: float) -> tuple[tuple[float, float], tuple[float, float]]:
    """The right hand goes up to the mouth (reaching it at 1.5–2.5 s) and back; the left rests."""
    k = float(np.clip(1 - abs(t - 2.0) / 1.0, 0, 1))
    return (250 + k * 70, 330 - k * 110), (390, 330)


def smiling(t: float) -> dict[str, float]:
    return {
        "smile": t / 4.0,
        "mouth_open": 0.1 * np.sin(t),
        "eyes": 1 - 0.1 * t,
        "brows": 0.1 * np.sin(2 * t),
    }
