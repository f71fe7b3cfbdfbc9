"""Features on synthetic pose samples: named, non-redundant, resolution- and frame-rate-free."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from tests.support.synthetic import SessionStyle, synthetic_dataset, synthetic_sample
from voice.config import EMOTIONS
from voice.model.body_features import (
    FEATURE_NAMES,
    GROUPS,
    extract_feature_matrix,
    extract_features,
)
from voice.pose.body25 import PoseFrame, pose_from_json, pose_to_json

DOC = Path(__file__).resolve().parents[3] / "docs" / "features.md"
FULL_BODY = SessionStyle(width=640, height=720, scale_px=100, neck_x=320, neck_y=150, legs_visible=True)
MOTION = [i for i, n in enumerate(FEATURE_NAMES) if n.startswith(("speed_", "vel_"))]
EXTREMES = [FEATURE_NAMES.index(n) for n in ("speed_all_p95", "speed_wrist_max")]
MEANS = [i for i in MOTION if i not in EXTREMES]


@pytest.fixture(scope="module")
def realistic() -> np.ndarray:
    samples = synthetic_dataset(sessions_per_emotion=4, samples_per_session=3, seed=11)
    return extract_feature_matrix([s.frames for s in samples])


def test_names_are_unique_moderate_and_documented() -> None:
    assert len(set(FEATURE_NAMES)) == len(FEATURE_NAMES)
    assert 40 <= len(FEATURE_NAMES) <= 90
    documented = [line.split("`")[1] for line in DOC.read_text().splitlines() if line.startswith("| `")]
    assert documented[: len(FEATURE_NAMES)] == list(FEATURE_NAMES)  # face and hand features follow


def test_row_is_aligned_with_names() -> None:
    row = extract_features(synthetic_sample("happiness", seed=1))
    assert row.shape == (len(FEATURE_NAMES),)
    matrix = extract_feature_matrix([synthetic_sample(e, seed=2) for e in EMOTIONS])
    assert matrix.shape == (len(EMOTIONS), len(FEATURE_NAMES))


def test_no_constant_column_on_realistic_samples(realistic: np.ndarray) -> None:
    for j, name in enumerate(FEATURE_NAMES):
        column = realistic[:, j]
        finite = column[np.isfinite(column)]
        assert finite.size >= 2, f"{name} has (almost) no data"
        assert np.std(finite) > 1e-9, f"{name} is constant"


def test_no_duplicated_column_on_realistic_samples(realistic: np.ndarray) -> None:
    n = realistic.shape[1]
    for a in range(n):
        for b in range(a + 1, n):
            x, y = realistic[:, a], realistic[:, b]
            same = np.array_equal(np.isnan(x), np.isnan(y)) and np.allclose(
                x[np.isfinite(x)], y[np.isfinite(y)], rtol=1e-9, atol=1e-12
            )
            assert not same, f"{FEATURE_NAMES[a]} duplicates {FEATURE_NAMES[b]}"


@pytest.mark.parametrize("emotion", EMOTIONS)
def test_same_motion_twice_the_pixels_gives_same_features(emotion: str) -> None:
    # Tolerance: rtol 1e-6 (float round-off only); every length is in body units.
    small = FULL_BODY.clean()
    big = replace(
        small,
        width=small.width * 2,
        height=small.height * 2,
        scale_px=small.scale_px * 2,
        neck_x=small.neck_x * 2,
        neck_y=small.neck_y * 2,
    )
    a = extract_features(synthetic_sample(emotion, seed=5, style=small))
    b = extract_features(synthetic_sample(emotion, seed=5, style=big))
    np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-9, equal_nan=True)
    # Only periodicity can be undefined (a noise-free motion with nothing left after detrending).
    undefined = {FEATURE_NAMES[i] for i in np.flatnonzero(~np.isfinite(a))}
    assert undefined <= {"period_neck_y_s", "autocorr_neck_y", "period_wrists_x_s", "autocorr_wrists_x"}


def test_scale_invariance_survives_the_json_round_trip() -> None:
    # The pose files round pixels to 3 decimals: tolerance rtol 1e-3, atol 1e-4.
    small = SessionStyle().clean()
    big = replace(
        small,
        width=small.width * 2,
        height=small.height * 2,
        scale_px=small.scale_px * 2,
        neck_x=small.neck_x * 2,
        neck_y=small.neck_y * 2,
    )
    frames = [synthetic_sample("anger", seed=7, style=s) for s in (small, big)]
    a, b = (extract_features([pose_from_json(pose_to_json(f, "s")) for f in fr]) for fr in frames)
    np.testing.assert_allclose(a, b, rtol=1e-3, atol=1e-4, equal_nan=True)


@pytest.mark.parametrize("emotion", EMOTIONS)
def test_velocities_are_per_second_whatever_the_frame_rate(emotion: str) -> None:
    # Same motion at 25 and 30 fps: mean speeds and velocity spreads agree within 3 %
    # (finite-difference error of np.gradient; the happiness bounce has a kink, worst case ~2 %).
    # Extremes (95th percentile, maximum) depend on which instants were sampled: within 15 %.
    style = FULL_BODY.clean()
    f25 = extract_features(synthetic_sample(emotion, seed=3, style=style, fps=25))
    f30 = extract_features(synthetic_sample(emotion, seed=3, style=style, fps=30))
    np.testing.assert_allclose(f25[MEANS], f30[MEANS], rtol=0.03, atol=1e-3)
    np.testing.assert_allclose(f25[EXTREMES], f30[EXTREMES], rtol=0.15, atol=1e-3)
    # ... while per-frame differences would differ by the frame-rate ratio.
    assert np.nanmax(f25[MOTION]) > 0.01


def test_zero_zero_keypoints_are_missing_not_positions() -> None:
    style = FULL_BODY.clean()
    frames = synthetic_sample("happiness", seed=4, style=style)
    legs = [*GROUPS["legs"], 8, 9, 12]

    def with_legs(value: tuple[float, float, float]) -> list[PoseFrame]:
        out = []
        for f in frames:
            assert f.keypoints is not None
            kp = f.keypoints.copy()
            kp[legs] = value
            out.append(replace(f, keypoints=kp))
        return out

    zero = extract_features(with_legs((0.0, 0.0, 0.95)))  # "not detected" with a high confidence
    low = extract_features(with_legs((100.0, 400.0, 0.1)))  # low confidence
    np.testing.assert_array_equal(zero, low)
    idx = FEATURE_NAMES.index
    assert zero[idx("visible_legs")] == 0.0
    for name in ("angle_knee_r_med", "dist_ankles", "speed_legs", "dist_torso_length", "share_legs"):
        assert np.isnan(zero[idx(name)]), name
    # The upper body is unaffected by the missing legs.
    full = extract_features(frames)
    for name in ("angle_elbow_r_med", "speed_arms", "pos_head_height"):
        assert zero[idx(name)] == pytest.approx(full[idx(name)]), name


def test_frames_without_a_person_and_empty_input() -> None:
    frames = synthetic_sample("sadness", seed=8, style=SessionStyle().clean())
    half = [replace(f, keypoints=None) if i % 2 else f for i, f in enumerate(frames)]
    row = extract_features(half)
    assert np.isfinite(row[FEATURE_NAMES.index("speed_head")])
    assert row[FEATURE_NAMES.index("visible_arms")] == pytest.approx(
        extract_features(frames)[FEATURE_NAMES.index("visible_arms")]
    ), "visibility counts only the frames with a person"
    assert np.isnan(extract_features([])).all()
    nobody = extract_features([replace(f, keypoints=None) for f in frames])
    assert np.isnan(nobody).all()


def test_a_dropout_does_not_spread_to_neighbouring_velocities() -> None:
    frames = synthetic_sample("anger", seed=9, style=SessionStyle().clean())
    holed = []
    for i, f in enumerate(frames):
        kp = f.keypoints.copy() if f.keypoints is not None else None
        if kp is not None and i in (5, 6):
            kp[4, 2] = 0.0  # right wrist unseen for two frames
        holed.append(replace(f, keypoints=kp))
    a, b = extract_features(frames), extract_features(holed)
    i = FEATURE_NAMES.index("speed_arms")
    assert np.isfinite(b[i])
    assert b[i] == pytest.approx(a[i], rel=0.15)


def test_motion_features_separate_the_emotions(realistic: np.ndarray) -> None:
    samples = synthetic_dataset(sessions_per_emotion=4, samples_per_session=3, seed=11)
    labels = np.array([s.emotion for s in samples])
    col = realistic[:, FEATURE_NAMES.index("neck_trend_y")]
    # Sadness sinks: the neck goes down (image y grows) over the window.
    assert np.median(col[labels == "sadness"]) > np.median(col[labels != "sadness"])
    col = realistic[:, FEATURE_NAMES.index("pos_wrist_height_r")]
    assert np.median(col[labels == "surprise"]) > np.median(col[labels == "neutral"])
