"""The model's feature row: body, face and hands as named groups, documented; free of resolution and
frame rate, NaN where a part is missing, no constant or duplicated column (face and hand columns on
synthetic OpenPose points)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from tests.support.face_hand_windows import flapping, smiling, still, to_mouth, window
from voice.model.face_features import FACE_FEATURE_NAMES, extract_face_features
from voice.model.features import (
    FEATURE_GROUPS,
    FEATURE_NAMES,
    extract_feature_matrix,
    extract_features,
    group_of,
)
from voice.model.hand_features import HAND_FEATURE_NAMES, extract_hand_features
from voice.pose.body25 import pose_from_json, pose_to_json

DOC = Path(__file__).resolve().parents[3] / "docs" / "features.md"


def test_names_are_unique_grouped_and_documented() -> None:
    assert len(set(FEATURE_NAMES)) == len(FEATURE_NAMES)
    assert FEATURE_GROUPS["face"] == FACE_FEATURE_NAMES
    assert FEATURE_GROUPS["hands"] == HAND_FEATURE_NAMES
    assert [group_of(n) for n in FEATURE_NAMES].count("face") == len(FACE_FEATURE_NAMES)
    documented = [line.split("`")[1] for line in DOC.read_text().splitlines() if line.startswith("| `")]
    assert documented == list(FEATURE_NAMES)
    row = extract_features(window(smiling, flapping))
    assert row.shape == (len(FEATURE_NAMES),)


def test_twice_the_pixels_gives_the_same_features() -> None:
    # Tolerance: float round-off only; lengths are in face or hand units.
    for face, hands in ((smiling, flapping), (still, to_mouth)):
        a = np.r_[extract_face_features(window(face, hands)), extract_hand_features(window(face, hands))]
        b = np.r_[
            extract_face_features(window(face, hands, scale=2.0)),
            extract_hand_features(window(face, hands, scale=2.0)),
        ]
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-9, equal_nan=True)
        assert np.isfinite(a).sum() >= len(a) - 3


def test_scale_invariance_survives_the_json_round_trip() -> None:
    # The pose files round pixels to 3 decimals: tolerance rtol 1e-3, atol 1e-3.
    rows = []
    for scale in (1.0, 2.0):
        frames = [pose_from_json(pose_to_json(f, "s")) for f in window(smiling, flapping, scale=scale)]
        rows.append(np.r_[extract_face_features(frames), extract_hand_features(frames)])
    np.testing.assert_allclose(rows[0], rows[1], rtol=1e-3, atol=1e-3, equal_nan=True)


def test_rates_are_per_second_whatever_the_frame_rate() -> None:
    # Same motion sampled at 25 and 30 fps: speeds within 3 % (finite differences), periods within
    # one step of the 10 Hz grid.
    a = extract_features(window(smiling, flapping, fps=25))
    b = extract_features(window(smiling, flapping, fps=30))
    for name in ("face_smile_trend", "face_mouth_speed", "hand_speed_r", "hand_speed_l"):
        i = FEATURE_NAMES.index(name)
        assert a[i] == pytest.approx(b[i], rel=0.03), name
    i = FEATURE_NAMES.index("hand_period_s")
    assert a[i] == pytest.approx(1.0, abs=0.1)
    assert b[i] == pytest.approx(1.0, abs=0.1)


def test_a_missing_face_or_hand_is_nan_not_zero() -> None:
    frames = window(smiling, flapping)
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

        frames = window(face, hands, seed=k, spread=1 + 0.3 * p[5])
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
