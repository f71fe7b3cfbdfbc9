"""Facial and hand features on synthetic OpenPose points: named, resolution- and frame-rate-free,
NaN where missing, and they move the way the face and hands move."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from tests.support.face_media import synthetic_face, synthetic_hand
from voice.model.face_features import FACE_FEATURE_NAMES, extract_face_features
from voice.model.features import (
    FEATURE_GROUPS,
    FEATURE_NAMES,
    extract_feature_matrix,
    extract_features,
    group_of,
)
from voice.model.hand_features import HAND_FEATURE_NAMES, extract_hand_features
from voice.pose.body25 import PoseFrame, pose_from_json, pose_to_json

DOC = Path(__file__).resolve().parents[3] / "docs" / "features.md"
Motion = Callable[[float], dict[str, float]]


def _still(t: float) -> dict[str, float]:
    return {}


def sample(
    face: Motion = _still,
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


def test_names_are_unique_grouped_and_documented() -> None:
    assert len(set(FEATURE_NAMES)) == len(FEATURE_NAMES)
    assert FEATURE_GROUPS["face"] == FACE_FEATURE_NAMES
    assert FEATURE_GROUPS["hands"] == HAND_FEATURE_NAMES
    assert [group_of(n) for n in FEATURE_NAMES].count("face") == len(FACE_FEATURE_NAMES)
    documented = [line.split("`")[1] for line in DOC.read_text().splitlines() if line.startswith("- `")]
    assert documented == list(FEATURE_NAMES)
    row = extract_features(sample(smiling, flapping))
    assert row.shape == (len(FEATURE_NAMES),)


def test_twice_the_pixels_gives_the_same_features() -> None:
    # Tolerance: float round-off only; lengths are in face or hand units.
    for face, hands in ((smiling, flapping), (_still, to_mouth)):
        a = np.r_[extract_face_features(sample(face, hands)), extract_hand_features(sample(face, hands))]
        b = np.r_[
            extract_face_features(sample(face, hands, scale=2.0)),
            extract_hand_features(sample(face, hands, scale=2.0)),
        ]
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-9, equal_nan=True)
        assert np.isfinite(a).sum() >= len(a) - 3


def test_scale_invariance_survives_the_json_round_trip() -> None:
    # The pose files round pixels to 3 decimals: tolerance rtol 1e-3, atol 1e-3.
    rows = []
    for scale in (1.0, 2.0):
        frames = [pose_from_json(pose_to_json(f, "s")) for f in sample(smiling, flapping, scale=scale)]
        rows.append(np.r_[extract_face_features(frames), extract_hand_features(frames)])
    np.testing.assert_allclose(rows[0], rows[1], rtol=1e-3, atol=1e-3, equal_nan=True)


def test_rates_are_per_second_whatever_the_frame_rate() -> None:
    # Same motion sampled at 25 and 30 fps: speeds within 3 % (finite differences), periods within
    # one step of the 10 Hz grid.
    a = extract_features(sample(smiling, flapping, fps=25))
    b = extract_features(sample(smiling, flapping, fps=30))
    for name in ("face_smile_trend", "face_mouth_speed", "hand_speed_r", "hand_speed_l"):
        i = FEATURE_NAMES.index(name)
        assert a[i] == pytest.approx(b[i], rel=0.03), name
    i = FEATURE_NAMES.index("hand_period_s")
    assert a[i] == pytest.approx(1.0, abs=0.1)
    assert b[i] == pytest.approx(1.0, abs=0.1)


def test_a_rising_smile_rises_and_a_neutral_face_does_not() -> None:
    idx = FACE_FEATURE_NAMES.index
    rising = extract_face_features(sample(lambda t: {"smile": t / 4.0}))
    neutral = extract_face_features(sample())
    frowning = extract_face_features(sample(lambda t: {"smile": -t / 4.0}))
    assert rising[idx("face_smile_trend")] > 0.02
    assert abs(neutral[idx("face_smile_trend")]) < 0.005
    assert frowning[idx("face_smile_trend")] < -0.02
    assert rising[idx("face_smile_med")] > neutral[idx("face_smile_med")] > frowning[idx("face_smile_med")]
    # a tilted head is not a smile: the face is measured level
    tilted = extract_face_features(sample(lambda t: {"roll_deg": 20.0}))
    assert tilted[idx("face_smile_med")] == pytest.approx(neutral[idx("face_smile_med")], abs=1e-3)
    assert tilted[idx("face_head_roll_med")] == pytest.approx(20.0, abs=0.5)


def test_expressions_move_their_own_features() -> None:
    idx = FACE_FEATURE_NAMES.index
    base = extract_face_features(sample())
    for params, name in (
        ({"mouth_open": 1.0}, "face_mouth_open_med"),
        ({"brows": 1.0}, "face_brow_height_med"),
        ({"eyes": 2.0}, "face_eye_open_r_med"),
        ({"eyes": 2.0}, "face_eye_open_l_med"),
        ({"yaw": 0.5}, "face_head_yaw_med"),
    ):
        moved = extract_face_features(sample(lambda t, p=params: p))  # type: ignore[misc]
        assert moved[idx(name)] > base[idx(name)] + 0.05, name


def test_hand_to_mouth_is_an_event_and_resting_hands_are_not() -> None:
    idx = HAND_FEATURE_NAMES.index
    reach = extract_hand_features(sample(hands=to_mouth))
    rest = extract_hand_features(sample(hands=lambda t: ((250, 330), (390, 330))))
    assert reach[idx("hand_mouth_events")] == pytest.approx(1 / 4.0)  # one episode in 4 s
    assert 0.1 < reach[idx("hand_mouth_share")] < 0.5
    assert rest[idx("hand_mouth_share")] == 0.0
    assert rest[idx("hand_mouth_events")] == 0.0
    assert reach[idx("hand_face_dist_r")] < rest[idx("hand_face_dist_r")]
    assert reach[idx("hand_speed_r")] > 1.0
    assert rest[idx("hand_speed_l")] < 0.01
    flap = extract_hand_features(sample(hands=flapping))
    # the autocorrelation of a 1 s period at lag 1 s over a 4 s window is at most (4 − 1) / 4
    assert flap[idx("hand_autocorr")] > 0.6
    assert flap[idx("hand_period_s")] == pytest.approx(1.0, abs=0.1)


def test_a_missing_face_or_hand_is_nan_not_zero() -> None:
    frames = sample(smiling, flapping)
    lost = [replace(f, face=np.zeros((70, 3)), hand_left=np.zeros((21, 3))) for f in frames]
    face, hands = extract_face_features(lost), extract_hand_features(lost)
    assert face[0] == 0.0
    assert np.isnan(face[1:]).all()
    idx = HAND_FEATURE_NAMES.index
    assert hands[idx("hand_visible_l")] == 0.0
    assert hands[idx("hand_visible_r")] == 1.0
    for name in ("hand_speed_l", "hand_open_l", "hand_dist_hands", "hand_face_dist_r", "hand_mouth_share"):
        assert np.isnan(hands[idx(name)]), name
    assert np.isfinite(hands[idx("hand_speed_r")])
    # not looked for (face/hands off, or pose files from before) → every column NaN
    off = [replace(f, face=None, hand_left=None, hand_right=None) for f in frames]
    assert np.isnan(extract_face_features(off)).all()
    assert np.isnan(extract_hand_features(off)).all()
    # half the frames without the face: visibility halves, the expression is still measured
    half = [replace(f, face=np.zeros((70, 3))) if i % 2 else f for i, f in enumerate(frames)]
    row = extract_face_features(half)
    assert row[0] == pytest.approx(11 / 21)
    assert np.isfinite(row[1:]).all()


def test_no_constant_or_duplicated_column_over_varied_samples() -> None:
    rng = np.random.default_rng(3)
    samples = []
    for k in range(12):
        p = rng.uniform(-1, 1, 6)

        def face(t: float, p: np.ndarray = p) -> dict[str, float]:
            return {"smile": p[0] + 0.2 * p[1] * t, "mouth_open": 0.5 + 0.4 * p[2] * np.sin(t * (2 + p[3])),
                    "brows": p[4] * 0.5, "eyes": 1 + 0.3 * p[5] * np.cos(t), "yaw": 0.2 * p[1] * np.sin(t),
                    "roll_deg": 5 * p[3], "wink": 0.3 * abs(p[0]) * t / 4}  # fmt: skip

        def hands(t: float, p: np.ndarray = p, k: int = k) -> tuple[tuple[float, float], tuple[float, float]]:
            f = 0.6 + 0.3 * (p[0] + 1)
            lift = 30 * p[2] * np.sin(2 * np.pi * f * t)
            reach = float(np.clip(1 - abs(t - 2 - p[4]) / (0.5 + abs(p[5])), 0, 1)) if k % 3 == 0 else 0.0
            return (250 + 70 * reach, 330 - lift - 110 * reach), (390 - 20 * p[1] * np.sin(3 * t), 330 + lift)

        frames = sample(face, hands, seed=k, spread=1 + 0.3 * p[5])
        # some samples lose the face or a hand for a few frames
        lose = {"face": 70, "hand_left": 21, "hand_right": 21}
        part = list(lose)[k % 4] if k % 4 < 3 else None
        if part is not None:
            frames = [
                replace(f, **{part: np.zeros((lose[part], 3))}) if i % (3 + k) == 1 else f
                for i, f in enumerate(frames)
            ]
        samples.append(frames)
    x = extract_feature_matrix(samples)
    cols = [FEATURE_NAMES.index(n) for n in (*FACE_FEATURE_NAMES, *HAND_FEATURE_NAMES)]
    filled = np.where(np.isnan(x[:, cols]), -1e9, x[:, cols])
    names = [FEATURE_NAMES[c] for c in cols]
    for j, name in enumerate(names):
        assert np.unique(filled[:, j]).size > 1, f"{name} is constant"
    for a in range(len(cols)):
        for b in range(a + 1, len(cols)):
            assert not np.allclose(filled[:, a], filled[:, b]), (names[a], names[b])
