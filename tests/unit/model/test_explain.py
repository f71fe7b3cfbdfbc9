"""Attributions: on a feature matrix where one feature alone separates one emotion, the attribution
of a prediction of that emotion ranks that feature first, for every family; the words follow the
value's side of the usual."""

from __future__ import annotations

import numpy as np
import pytest

from voice.config import Settings
from voice.model.explain import OUTPUT_SPACE, attributions, family_of, shares, top_signals
from voice.model.families import FAMILIES, configurations, fit
from voice.model.features import FEATURE_NAMES
from voice.model.signal_words import label

SETTINGS = Settings(forest_trees=50)
SEPARATING = FEATURE_NAMES.index("face_smile_med")
CLASSES = ("happiness", "sadness", "anger")


def one_feature_separates(
    n_videos: int = 12, per_video: int = 5, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Noise in every column (no near-duplicates of one another), and ``face_smile_med`` high for
    happiness (class 0) only; sadness and anger are told apart by nothing."""
    rng = np.random.default_rng(seed)
    y = np.repeat(np.arange(n_videos) % 3, per_video)
    x = rng.normal(size=(y.size, len(FEATURE_NAMES)))
    x[:, SEPARATING] += np.where(y == 0, 4.0, 0.0)
    return x, y


@pytest.mark.parametrize("family", FAMILIES)
def test_the_separating_feature_is_ranked_first_for_its_emotion(family: str) -> None:
    x, y = one_feature_separates()
    config = next(c for c in configurations(SETTINGS) if c.family == family)
    pipeline = fit(config, x, y, SETTINGS)
    assert family_of(pipeline) == family
    fresh, fresh_y = one_feature_separates(seed=1)  # windows the model never saw
    values = attributions(pipeline, fresh, 3)
    assert values.shape == (fresh_y.size, len(FEATURE_NAMES), 3)
    happy = fresh_y == 0
    towards_happiness = values[happy, :, 0]
    firsts = np.argmax(towards_happiness, axis=1)
    assert np.mean(firsts == SEPARATING) >= 0.9, [FEATURE_NAMES[j] for j in firsts]
    assert int(np.argmax(np.abs(towards_happiness).mean(axis=0))) == SEPARATING
    # and, on average, away from happiness for the others, whose smile is at its usual level
    assert values[~happy, SEPARATING, 0].mean() < 0
    assert OUTPUT_SPACE[family] in {"probability", "log-odds"}


def test_two_classes_give_opposite_attributions_and_shares_are_unit_free() -> None:
    x, y = one_feature_separates()
    keep = y < 2
    for config in configurations(SETTINGS)[::4]:
        pipeline = fit(config, x[keep], y[keep], SETTINGS)
        values = attributions(pipeline, x[keep][:5], 2)
        if family_of(pipeline) != "forest":  # one log-odds output: the other class is its negative
            np.testing.assert_allclose(values[..., 0], -values[..., 1])
        s = shares(values)
        np.testing.assert_allclose(np.abs(s).sum(axis=(1, 2)), 1.0)


def test_a_class_the_model_never_saw_gets_no_attribution() -> None:
    x, y = one_feature_separates()
    keep = y != 2
    pipeline = fit(configurations(SETTINGS)[0], x[keep], y[keep], SETTINGS)
    values = attributions(pipeline, x[:4], 3)
    assert (values[..., 2] == 0).all()


def test_top_signals_name_the_strongest_pushes_in_words_and_skip_what_was_not_seen() -> None:
    names = ("face_smile_med", "speed_arms", "hand_mouth_share", "neck_trend_y")
    contributions = np.array([0.3, 0.2, 0.25, -0.4])
    scaled = np.array([1.5, -0.7, 2.0, 0.1])
    seen = np.array([True, True, False, True])
    signals = top_signals(contributions, scaled, seen, names)
    assert [s.feature for s in signals] == ["face_smile_med", "speed_arms"]  # hands not seen, push < 0
    assert [s.words for s in signals] == [label("face_smile_med", True), label("speed_arms", False)]
    assert signals[0].words == "smiling"
    assert signals[1].words == "arms still"
    assert signals[0].contribution == pytest.approx(0.3)
    assert top_signals(-contributions, scaled, np.ones(4, bool), names, top=1)[0].feature == "neck_trend_y"
