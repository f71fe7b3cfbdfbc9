"""The model families and their few configurations: a small search, fits that share work exactly."""

from __future__ import annotations

import numpy as np
import pytest

from voice.config import Settings
from voice.model.families import (
    FAMILIES,
    build_pipeline,
    chosen_config,
    configurations,
    family_probabilities,
    fit,
    probabilities,
)

SETTINGS = Settings(forest_trees=20)


def _data(n: int = 60, k: int = 3, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = np.arange(n) % k
    x = rng.normal(size=(n, 8))
    x[:, 0] += 3.0 * y
    x[rng.uniform(size=x.shape) < 0.1] = np.nan  # parts not seen: the imputer fills them
    return x, y


def test_every_family_has_at_most_four_configurations() -> None:
    configs = configurations(SETTINGS)
    assert {c.family for c in configs} == set(FAMILIES)
    for family in FAMILIES:
        assert 1 <= sum(c.family == family for c in configs) <= 4
    assert len({c.label for c in configs}) == len(configs)
    assert chosen_config(configs[4].label, SETTINGS) == configs[4]
    assert chosen_config(None, SETTINGS) == configs[0]
    assert chosen_config("no-such(model=1)", SETTINGS) == configs[0]


@pytest.mark.parametrize("family", FAMILIES)
def test_each_family_learns_and_returns_one_column_per_class(family: str) -> None:
    x, y = _data()
    config = [c for c in configurations(SETTINGS) if c.family == family][-1]  # the least regularised
    pipeline = fit(config, x, y, SETTINGS)
    assert pipeline.named_steps["model"] is pipeline[-1]
    proba = probabilities(pipeline, x, 3)
    assert proba.shape == (60, 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert np.mean(proba.argmax(axis=1) == y) > 0.8


def test_boosting_stages_equal_fits_with_fewer_iterations() -> None:
    x, y = _data()
    boosting = [c for c in configurations(SETTINGS) if c.family == "boosting"]
    shared = family_probabilities(boosting, (x[:45], y[:45], x[45:]), 3, SETTINGS)
    for config, proba in zip(boosting, shared, strict=True):
        alone = probabilities(fit(config, x[:45], y[:45], SETTINGS), x[45:], 3)
        np.testing.assert_allclose(proba, alone, atol=1e-12, err_msg=config.label)


def test_a_class_missing_from_the_training_part_gets_zero_and_one_class_predicts_itself() -> None:
    x, y = _data()
    seen = y != 1
    for config in configurations(SETTINGS)[::3]:
        proba = probabilities(fit(config, x[seen], y[seen], SETTINGS), x, 3)
        assert (proba[:, 1] == 0).all(), config.label
    one = y == 2
    assert fit(configurations(SETTINGS)[0], x[one], y[one], SETTINGS) is None
    out = family_probabilities(configurations(SETTINGS)[:2], (x[one], y[one], x[:4]), 3, SETTINGS)
    for proba in out:
        np.testing.assert_array_equal(proba, np.tile([0.0, 0.0, 1.0], (4, 1)))


def test_pipelines_keep_empty_columns_so_attributions_stay_aligned() -> None:
    x, y = _data()
    x[:, 3] = np.nan  # never seen
    pipeline = build_pipeline(configurations(SETTINGS)[-1], SETTINGS).fit(x, y)
    assert pipeline[:-1].transform(x).shape[1] == x.shape[1]
