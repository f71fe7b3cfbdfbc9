"""Synthetic BODY_25 pose tracks for tests, benchmarks and docs (no video, no MediaPipe).

A skeleton with realistic upper-body proportions is moved by an emotion-specific motion pattern
(happiness bounces, sadness sinks with the head dropped, anger shakes the arms, surprise throws
the arms up at a random moment, neutral sways a little), placed in a frame of a given resolution,
and degraded the way MediaPipe output is: keypoint noise, low-confidence keypoints, legs often
off-frame, frames with no person. The motion itself is drawn before any noise, so the same
``seed`` gives the same motion at any frame rate, scale or resolution.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from voice import layout
from voice.config import EMOTIONS
from voice.pose.body25 import PoseFrame, pose_to_json
from voice.storage import Store

__all__ = [
    "SessionStyle",
    "SyntheticSample",
    "moving_skeleton",
    "standing",
    "synthetic_dataset",
    "synthetic_sample",
    "synthetic_track",
    "write_samples",
]

# Neutral standing pose in body units (shoulder width 1.0), neck at the origin, y pointing down.
_TEMPLATE = np.array(
    [
        (0.0, -0.55),  # 0 Nose
        (0.0, 0.0),  # 1 Neck
        (-0.5, 0.0),  # 2 RShoulder
        (-0.6, 0.75),  # 3 RElbow
        (-0.62, 1.45),  # 4 RWrist
        (0.5, 0.0),  # 5 LShoulder
        (0.6, 0.75),  # 6 LElbow
        (0.62, 1.45),  # 7 LWrist
        (0.0, 1.6),  # 8 MidHip
        (-0.3, 1.6),  # 9 RHip
        (-0.32, 2.5),  # 10 RKnee
        (-0.33, 3.4),  # 11 RAnkle
        (0.3, 1.6),  # 12 LHip
        (0.32, 2.5),  # 13 LKnee
        (0.33, 3.4),  # 14 LAnkle
        (-0.1, -0.65),  # 15 REye
        (0.1, -0.65),  # 16 LEye
        (-0.2, -0.6),  # 17 REar
        (0.2, -0.6),  # 18 LEar
        (0.4, 3.55),  # 19 LBigToe
        (0.0, 0.0),  # 20 LSmallToe (MediaPipe has none)
        (0.3, 3.47),  # 21 LHeel
        (-0.4, 3.55),  # 22 RBigToe
        (0.0, 0.0),  # 23 RSmallToe (MediaPipe has none)
        (-0.3, 3.47),  # 24 RHeel
    ]
)
_HEAD = [0, 15, 16, 17, 18]
_LEGS = [9, 10, 11, 12, 13, 14, 19, 21, 22, 24]
_NO_LANDMARK = [20, 23]
_ARM_R = [3, 4]
_ARM_L = [6, 7]


def standing(x: float, y: float, shoulder: float = 60.0, confidence: float = 0.9) -> np.ndarray:
    """A standing person's BODY_25 (pixels, confidence) with the neck at ``(x, y)``."""
    kp = np.zeros((25, 3))
    kp[:, :2] = _TEMPLATE * shoulder + (x, y)
    kp[:, 2] = confidence
    kp[_NO_LANDMARK] = 0.0
    return kp


@dataclass(frozen=True)
class SessionStyle:
    """How one video shows the person: resolution, size and place in the frame, legs in view."""

    width: int = 640
    height: int = 480
    scale_px: float = 110.0  # shoulder width in pixels
    neck_x: float = 320.0
    neck_y: float = 170.0
    legs_visible: bool = False
    noise: float = 0.015  # keypoint noise, body units
    dropout: float = 0.04  # probability that a keypoint has low confidence in a frame
    missing_frames: float = 0.03  # probability that no person is detected in a frame

    @classmethod
    def random(cls, rng: np.random.Generator) -> SessionStyle:
        width, height = [(640, 480), (1280, 720), (1920, 1080), (720, 1280)][int(rng.integers(4))]
        scale_px = float(rng.uniform(0.12, 0.25) * min(width, height))
        return cls(
            width=width,
            height=height,
            scale_px=scale_px,
            neck_x=float(width * rng.uniform(0.35, 0.65)),
            neck_y=float(height * rng.uniform(0.25, 0.4)),
            legs_visible=bool(rng.random() < 0.35),
            noise=float(rng.uniform(0.008, 0.025)),
            dropout=float(rng.uniform(0.0, 0.08)),
            missing_frames=float(rng.uniform(0.0, 0.06)),
        )

    def clean(self) -> SessionStyle:
        """The same framing without noise, dropouts or missing frames (for invariance tests)."""
        return replace(self, noise=0.0, dropout=0.0, missing_frames=0.0)


def _smoothstep(x: np.ndarray) -> np.ndarray:
    return np.asarray(1.0 / (1.0 + np.exp(-x)))


def _motion_params(emotion: str, rng: np.random.Generator) -> dict[str, float]:
    # Drawn first and in a fixed order, so the motion does not depend on the frame rate.
    return {
        "amp": float(rng.uniform(0.6, 1.4)),
        "freq": float(rng.uniform(0.8, 1.25)),
        "phase": float(rng.uniform(0, 2 * np.pi)),
        "onset": float(rng.uniform(0.8, 2.2)),
        "posture": float(rng.uniform(-1.0, 1.0)),
        "sway_phase": float(rng.uniform(0, 2 * np.pi)),
    }


def _pose_at(emotion: str, t: np.ndarray, p: dict[str, float]) -> np.ndarray:
    """(T, 25, 2) positions in body units relative to the resting neck, for times ``t`` (s)."""
    n = t.size
    pose = np.repeat(_TEMPLATE[None, :, :], n, axis=0).copy()
    a, f, ph = p["amp"], p["freq"], p["phase"]
    # Everyone sways a little and breathes.
    sway = 0.02 * np.sin(2 * np.pi * 0.3 * t + p["sway_phase"])
    pose[:, :, 0] += sway[:, None]
    if emotion == "happiness":
        bounce = -0.12 * a * np.abs(np.sin(np.pi * 1.6 * f * t + ph))
        pose[:, :, 1] += bounce[:, None]
        lift = 0.55 + 0.15 * p["posture"]
        pose[:, [4, 7], 1] -= lift + 0.1 * a * np.sin(2 * np.pi * 1.6 * f * t + ph)[:, None]
        pose[:, [3, 6], 1] -= 0.4 * lift
        pose[:, [4, 7], 0] *= 1.2
    elif emotion == "sadness":
        sink = 0.07 * a * t
        pose[:, :, 1] += sink[:, None]
        pose[:, _HEAD, 1] += 0.22 + 0.05 * p["posture"]
        pose[:, _HEAD, 0] += 0.03 * p["posture"]
        pose[:, [4, 7], 0] *= 0.75
        pose[:, [3, 6], 0] *= 0.85
        pose[:, [2, 5], 1] += 0.06
    elif emotion == "anger":
        shake = 0.1 * a * np.sin(2 * np.pi * 1.8 * f * t + ph)
        pose[:, [4, 7], 0] = np.array([-0.3, 0.3]) * (1 + 0.1 * p["posture"])
        pose[:, [4, 7], 1] = 0.85
        pose[:, [3, 6], 0] *= 1.15
        pose[:, _ARM_R + _ARM_L, 0] += shake[:, None]
        pose[:, _ARM_R + _ARM_L, 1] += 0.5 * shake[:, None]
        pose[:, _HEAD, 0] += 0.04 * np.sin(2 * np.pi * 1.8 * f * t + ph + 1.0)[:, None]
    elif emotion == "surprise":
        step = _smoothstep((t - p["onset"]) * 12.0)
        pose[:, [4, 7], 1] -= (1.9 + 0.2 * p["posture"]) * step[:, None] * a**0.3
        pose[:, [4, 7], 0] *= 1 + 0.4 * step[:, None]
        pose[:, [3, 6], 1] -= 0.9 * step[:, None]
        pose[:, [3, 6], 0] *= 1 + 0.3 * step[:, None]
        pose[:, _HEAD, 1] -= 0.08 * step[:, None]
        pose[:, :, 1] -= 0.05 * step[:, None]
    elif emotion == "neutral":
        pose[:, [4, 7], 0] += 0.03 * p["posture"]
        pose[:, :, 1] += (0.01 * np.sin(2 * np.pi * 0.25 * t + ph))[:, None]
    else:
        raise ValueError(f"unknown emotion {emotion!r}; use one of {', '.join(EMOTIONS)}.")
    return pose


def _render(
    pose: np.ndarray, times: np.ndarray, style: SessionStyle, rng: np.random.Generator, start_frame: int
) -> list[PoseFrame]:
    """Body-unit poses → pixel BODY_25 frames with confidences, noise and dropouts."""
    n = times.size
    noisy = pose + rng.normal(0.0, 1.0, pose.shape) * style.noise if style.noise > 0 else pose
    xy = np.empty_like(noisy)
    xy[..., 0] = style.neck_x + noisy[..., 0] * style.scale_px
    xy[..., 1] = style.neck_y + noisy[..., 1] * style.scale_px
    conf = rng.uniform(0.65, 1.0, (n, 25)) if style.noise > 0 else np.full((n, 25), 0.9)
    if style.dropout > 0:
        drop = rng.random((n, 25)) < style.dropout
        conf[drop] = rng.uniform(0.0, 0.25, int(drop.sum()))
    if not style.legs_visible:
        conf[:, _LEGS] = rng.uniform(0.0, 0.2, (n, len(_LEGS))) if style.noise > 0 else 0.05
    # Off-frame keypoints are never confident.
    off = (xy[..., 0] < 0) | (xy[..., 0] >= style.width) | (xy[..., 1] < 0) | (xy[..., 1] >= style.height)
    conf[off] = np.minimum(conf[off], 0.1)
    # Neck and MidHip are midpoints: confidence is the lower of the pair (as in voice.pose.body25).
    conf[:, 1] = np.minimum(conf[:, 2], conf[:, 5])
    conf[:, 8] = np.minimum(conf[:, 9], conf[:, 12])
    xy[:, _NO_LANDMARK, :] = 0.0
    conf[:, _NO_LANDMARK] = 0.0
    missing = rng.random(n) < style.missing_frames if style.missing_frames > 0 else np.zeros(n, bool)
    frames = []
    for i in range(n):
        kp = None if missing[i] else np.concatenate([xy[i], conf[i, :, None]], axis=1)
        frames.append(PoseFrame(start_frame + i, float(times[i]), style.width, style.height, kp))
    return frames


def synthetic_sample(
    emotion: str,
    *,
    seed: int,
    fps: float = 5.0,
    duration_s: float = 4.0,
    start_s: float = 0.0,
    style: SessionStyle | None = None,
) -> list[PoseFrame]:
    """One training sample: ``duration_s`` of poses at ``fps`` showing ``emotion``.

    The motion depends only on ``emotion`` and ``seed``; ``fps`` and ``style`` change how it
    is sampled and shown, not the motion itself.
    """
    rng = np.random.default_rng(seed)
    params = _motion_params(emotion, rng)
    style = style or SessionStyle()
    n = int(np.floor(duration_s * fps + 1e-9)) + 1
    local_t = np.arange(n) / fps
    pose = _pose_at(emotion, local_t, params)
    return _render(pose, start_s + local_t, style, rng, start_frame=round(start_s * fps))


def synthetic_track(
    segments: Sequence[tuple[str, float]], *, seed: int, fps: float = 5.0, style: SessionStyle | None = None
) -> list[PoseFrame]:
    """A whole video's pose track: consecutive ``(emotion, seconds)`` segments."""
    frames: list[PoseFrame] = []
    start = 0.0
    for i, (emotion, seconds) in enumerate(segments):
        part = synthetic_sample(
            emotion, seed=seed * 1000 + i, fps=fps, duration_s=seconds, start_s=start, style=style
        )
        frames.extend(part[:-1] if i < len(segments) - 1 else part)
        start += seconds
    return frames


@dataclass(frozen=True)
class SyntheticSample:
    emotion: str
    session: str
    event_index: int
    frames: list[PoseFrame]


def synthetic_dataset(
    *,
    sessions_per_emotion: int,
    samples_per_session: int,
    emotions: Sequence[str] = EMOTIONS,
    seed: int = 0,
    fps: float = 5.0,
    duration_s: float = 4.0,
) -> list[SyntheticSample]:
    """Samples from ``sessions_per_emotion`` videos per emotion, each video narrating one emotion."""
    rng = np.random.default_rng(seed)
    samples: list[SyntheticSample] = []
    for emotion in emotions:
        for s in range(sessions_per_emotion):
            digest = hashlib.sha256(f"{seed}-{emotion}-{s}".encode()).hexdigest()
            session = layout.session_id(f"clip {emotion} {s}.mp4", digest)
            style = SessionStyle.random(rng)
            for k in range(samples_per_session):
                frames = synthetic_sample(
                    emotion,
                    seed=int(rng.integers(2**31)),
                    fps=fps,
                    duration_s=duration_s,
                    start_s=5.0 * k,
                    style=style,
                )
                samples.append(SyntheticSample(emotion, session, k, frames))
    return samples


def write_samples(store: Store, patient: str, samples: Sequence[SyntheticSample]) -> list[str]:
    """Write samples as the pipeline does: pose files per sample folder plus one index per session.

    Returns the sample prefixes written.
    """
    import json

    by_session: dict[str, list[dict[str, object]]] = {}
    prefixes = []
    for sample in samples:
        prefix = layout.sample_prefix(patient, sample.emotion, sample.session, sample.event_index)
        for pose in sample.frames:
            key = layout.sample_pose_key(prefix, pose.frame)
            store.write(layout.PATIENTS, key, pose_to_json(pose, sample.session))
        by_session.setdefault(sample.session, []).append(
            {"emotion": sample.emotion, "prefix": prefix, "poses": len(sample.frames)}
        )
        prefixes.append(prefix)
    for session, entries in by_session.items():
        doc = {"session": session, "source_key": f"{patient}/{session}.mp4", "samples": entries}
        store.write(layout.PATIENTS, layout.session_index_key(patient, session), json.dumps(doc).encode())
    return prefixes


def moving_skeleton(time_s: float, *, speed_px_s: float = 600.0, scale: float = 80.0) -> np.ndarray:
    """A standing skeleton (BODY_25, confidence 0.9) moving right at ``speed_px_s`` pixels/s."""
    return standing(100.0 + speed_px_s * time_s, 60.0, shoulder=scale)
