"""Per-track landmark smoothing as the legacy pose graph did it: jitter of a still person damped, a
moving person followed, each track on its own, a fresh start after an absence."""

from __future__ import annotations

import numpy as np
import pytest

from tests.support.synthetic import standing
from voice.people.smoothing import LandmarkSmoother, OneEuro

FPS = 5.0


def _jittered(rng: np.random.Generator, x: float, sigma: float = 0.5) -> np.ndarray:
    kp = standing(x, 100)
    seen = kp[:, 2] > 0
    kp[seen, :2] += rng.normal(0, sigma, (int(seen.sum()), 2))
    kp[seen, 2] = rng.uniform(0.5, 1.0, int(seen.sum()))
    return kp


def test_the_first_value_passes_unchanged_and_a_constant_stays() -> None:
    f = OneEuro()
    x = np.array([[10.0, 20.0]])
    np.testing.assert_array_equal(f(0.0, x, 100.0), x)
    for i in range(1, 5):
        np.testing.assert_allclose(f(i / FPS, x, 100.0), x)


def _damping(sigma: float) -> float:
    """Spread of the output over spread of the input, for jitter of ``sigma`` around a still point
    of a 100-unit object sampled at 5 Hz."""
    f, rng = OneEuro(), np.random.default_rng(0)
    raw = 100.0 + rng.normal(0, sigma, 200)
    out = [f(i / FPS, np.array([x]), 100.0)[0] for i, x in enumerate(raw)]
    return float(np.std(out[10:]) / np.std(raw[10:]))


def test_slow_jitter_is_damped_and_a_fast_move_followed() -> None:
    """The cutoff opens with speed (``beta``): small jitter is cut most, a real move of half the
    object size in one sample interval is followed almost at once."""
    assert _damping(0.5) < 0.8
    assert _damping(0.5) < _damping(1.0) < _damping(3.0) < 1.0
    moving = OneEuro()
    moving(0.0, np.array([0.0]), 100.0)
    assert moving(1 / FPS, np.array([50.0]), 100.0)[0] > 45.0


def test_time_going_back_restarts_the_filter() -> None:
    f = OneEuro()
    f(1.0, np.array([0.0]), 10.0)
    np.testing.assert_array_equal(f(0.5, np.array([7.0]), 10.0), [7.0])


def test_a_still_persons_jitter_is_smaller_after_smoothing() -> None:
    rng = np.random.default_rng(1)
    smoother = LandmarkSmoother()
    raw, smooth = [], []
    for i in range(25):
        kp = _jittered(rng, 320)
        raw.append(kp)
        smooth.append(smoother(0, i / FPS, kp))
    seen = raw[0][:, 2] > 0
    raw_spread = np.std([k[seen, :2] for k in raw[5:]], axis=0).mean()
    smooth_spread = np.std([k[seen, :2] for k in smooth[5:]], axis=0).mean()
    assert smooth_spread < 0.85 * raw_spread
    vis = np.std([k[seen, 2] for k in smooth[5:]], axis=0).mean()
    assert vis < 0.5 * np.std([k[seen, 2] for k in raw[5:]], axis=0).mean(), "visibility low-passed"


def test_empty_slots_stay_zero_and_neck_and_midhip_are_midpoints() -> None:
    smoother = LandmarkSmoother()
    rng = np.random.default_rng(2)
    for i in range(5):
        out = smoother(3, i / FPS, _jittered(rng, 200))
    assert out[[20, 23]].tolist() == [[0.0, 0.0, 0.0]] * 2, "MediaPipe has no small toes"
    np.testing.assert_allclose(out[1, :2], (out[2, :2] + out[5, :2]) / 2)
    np.testing.assert_allclose(out[8, :2], (out[9, :2] + out[12, :2]) / 2)


def test_each_track_has_its_own_filter() -> None:
    together, alone = LandmarkSmoother(), LandmarkSmoother()
    rng = np.random.default_rng(3)
    for i in range(10):
        a = _jittered(rng, 150)
        b = _jittered(rng, 480)
        mixed = together(0, i / FPS, a)
        together(1, i / FPS, b)
        np.testing.assert_allclose(mixed, alone(0, i / FPS, a))


@pytest.mark.parametrize(("away_s", "restarted"), [(0.4, False), (0.6, True)])
def test_a_track_back_after_longer_than_reset_after_s_starts_afresh(away_s: float, restarted: bool) -> None:
    smoother = LandmarkSmoother(reset_after_s=0.5)
    smoother(0, 0.0, standing(100, 100))
    back = standing(400, 100)
    out = smoother(0, away_s, back)
    assert np.allclose(out, back) is restarted
