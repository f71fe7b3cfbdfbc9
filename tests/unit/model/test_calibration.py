"""Calibration figures on cases whose answers are known: Brier score, expected calibration error,
the temperature that made a sample, and the "unsure" threshold."""

from __future__ import annotations

import numpy as np
import pytest

from voice.model.calibration import (
    MIN_CONFIDENT,
    TEMPERATURES,
    apply_temperature,
    brier_score,
    expected_calibration_error,
    fit_temperature,
    reliability,
    unsure_threshold,
)


def test_brier_score_of_known_cases() -> None:
    y = np.array([0, 1, 2, 0])
    onehot = np.eye(3)[y]
    assert brier_score(onehot, y) == 0.0
    assert brier_score(np.full((4, 3), 1 / 3), y) == pytest.approx(2 / 3)  # 1 - 1/k
    assert brier_score(np.eye(3)[[1, 2, 0, 1]], y) == pytest.approx(2.0)  # always wrong and sure
    # (0.8 - 1)² + 0.2² = 0.08 for every row
    assert brier_score(np.array([[0.8, 0.2, 0.0]] * 2), np.array([0, 0])) == pytest.approx(0.08)


def test_expected_calibration_error_of_known_cases() -> None:
    # Ten predictions at 0.8, six right: one bin, |0.6 - 0.8| = 0.2.
    proba = np.tile([0.8, 0.2], (10, 1))
    y = np.array([0] * 6 + [1] * 4)
    assert expected_calibration_error(proba, y) == pytest.approx(0.2)
    # Two bins: 4 at 0.95 all right (gap 0.05), 6 at 0.55 half right... 3 of 6 (gap 0.05).
    proba = np.array([[0.95, 0.05]] * 4 + [[0.55, 0.45]] * 6)
    y = np.array([0] * 4 + [0, 0, 0, 1, 1, 1])
    assert expected_calibration_error(proba, y) == pytest.approx(0.4 * 0.05 + 0.6 * 0.05)
    r = reliability(proba, y)
    assert r.counts.sum() == 10
    assert r.counts[9] == 4
    assert r.counts[5] == 6
    assert r.accuracy[5] == pytest.approx(0.5)
    assert np.isnan(r.confidence[0]), "an empty bin has no confidence"


def test_a_perfectly_calibrated_sample_has_almost_no_calibration_error() -> None:
    rng = np.random.default_rng(0)
    top = rng.uniform(0.5, 1.0, 20000)
    right = rng.uniform(size=top.size) < top
    proba = np.stack([top, 1 - top], axis=1)
    y = np.where(right, 0, 1)
    assert expected_calibration_error(proba, y) < 0.01


def test_temperature_keeps_the_label_and_sums_to_one() -> None:
    proba = np.array([[0.6, 0.3, 0.1], [0.2, 0.5, 0.3]])
    for t in (0.5, 1.0, 2.0):
        out = apply_temperature(proba, t)
        np.testing.assert_allclose(out.sum(axis=1), 1.0)
        assert (out.argmax(axis=1) == proba.argmax(axis=1)).all()
    np.testing.assert_allclose(apply_temperature(proba, 1.0), proba)
    assert apply_temperature(proba, 0.5)[0, 0] > 0.6 > apply_temperature(proba, 2.0)[0, 0]


def test_fit_temperature_recovers_the_temperature_that_made_the_labels() -> None:
    # Labels drawn from calibrated probabilities q; the model reports q sharpened by 1/T_true.
    rng = np.random.default_rng(1)
    logits = rng.normal(scale=1.5, size=(6000, 4))
    q = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    y = np.array([rng.choice(4, p=row) for row in q])
    for true_t in (0.5, 2.0):
        overconfident = apply_temperature(q, 1 / true_t)  # what a model T_true times too sure says
        fitted = fit_temperature(overconfident, y)
        assert fitted == pytest.approx(true_t, rel=0.1)
        assert expected_calibration_error(apply_temperature(overconfident, fitted), y) < 0.02
        assert expected_calibration_error(overconfident, y) > 0.05


def test_fit_temperature_stays_in_its_range() -> None:
    proba = np.array([[0.6, 0.4]] * 20)
    y = np.zeros(20, dtype=int)  # always right: the loss keeps falling as T goes to 0
    assert fit_temperature(proba, y) == pytest.approx(TEMPERATURES[0])
    assert fit_temperature(proba[:0], y[:0]) == 1.0


def _case(tops: list[float], right: list[bool]) -> tuple[np.ndarray, np.ndarray]:
    proba = np.array([[t, 1 - t] for t in tops])
    return proba, np.array([0 if r else 1 for r in right])


def test_unsure_threshold_is_where_the_predictions_become_right_often_enough() -> None:
    # Above 0.8: 10 of 10 right; 0.6-0.7: 5 of 10 right; below: 2 of 10.
    tops = [0.9] * 10 + [0.65] * 10 + [0.55] * 10
    right = [True] * 10 + [True, False] * 5 + [True, False, False, False, False] * 2
    proba, y = _case(tops, right)
    assert unsure_threshold(proba, y, target=0.7) == pytest.approx(0.9)
    assert unsure_threshold(proba, y, target=0.5) == pytest.approx(0.65)


def test_unsure_threshold_when_every_prediction_is_right_is_at_most_the_target() -> None:
    proba, y = _case([0.99] * 10 + [0.95] * 10, [True] * 20)
    assert unsure_threshold(proba, y, target=0.7) == pytest.approx(0.7)
    # an underconfident model right from 0.5 on: the data set the threshold below the target
    proba, y = _case([0.3] * 10 + [0.5] * 10, [False] * 10 + [True] * 10)
    assert unsure_threshold(proba, y, target=0.7) == pytest.approx(0.5)


def test_unsure_threshold_without_enough_evidence_makes_everything_unsure() -> None:
    proba, y = _case([0.9] * 10, [True, False] * 5)  # right half the time at best
    assert unsure_threshold(proba, y, target=0.7) == 1.0
    few = MIN_CONFIDENT - 1
    proba, y = _case([0.9] * few, [True] * few)
    assert unsure_threshold(proba, y, target=0.7) == 1.0
    # only the 3 most confident are right often enough: fewer than MIN_CONFIDENT
    proba, y = _case([0.95] * 3 + [0.6] * 20, [True] * 3 + [False] * 20)
    assert unsure_threshold(proba, y, target=0.7) == 1.0
