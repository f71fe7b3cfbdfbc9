"""Signals of the passport: only what holds across videos (≥ 2/3 of the emotion's videos), is not
chance, sets the emotion apart from every other one and is used by the model; thin data say so."""

from __future__ import annotations

import numpy as np
import pytest

from voice.model.features import FEATURE_NAMES
from voice.model.signal_words import sentence
from voice.passport.signals import discoveries, emotion_signals, shap_shares, welch_p

SMILE = FEATURE_NAMES.index("face_smile_med")
CLASSES = ("happiness", "sadness", "anger")


def matrix(
    shifted_videos: int, *, videos: int = 3, per_video: int = 8, seed: int = 0
) -> tuple[np.ndarray, list[str], list[str], dict[str, np.ndarray]]:
    """``videos`` videos per emotion; the smile is raised for happiness in the first
    ``shifted_videos`` of its videos only; every other column noise. Attributions as a linear
    model's: each centred column, towards happiness for the smile."""
    rng = np.random.default_rng(seed)
    emotions, sessions = [], []
    for e in CLASSES:
        for v in range(videos):
            emotions += [e] * per_video
            sessions += [f"{e}-video-{v}"] * per_video
    x = rng.normal(size=(len(emotions), len(FEATURE_NAMES)))
    labels = np.asarray(emotions)
    for v in range(shifted_videos):
        x[np.asarray(sessions) == f"happiness-video-{v}", SMILE] += 4.0
    centred = x - x.mean(axis=0)
    attributions = {e: 0.01 * rng.normal(size=x.shape) for e in CLASSES}
    attributions["happiness"][:, SMILE] = centred[:, SMILE]
    attributions["sadness"][:, SMILE] = -centred[:, SMILE] / 2
    attributions["anger"][:, SMILE] = -centred[:, SMILE] / 2
    assert labels.size == x.shape[0]
    return x, emotions, sessions, attributions


def found(shifted: int, **kwargs: int) -> dict[str, list[str]]:
    x, emotions, sessions, attributions = matrix(shifted, **kwargs)
    result = emotion_signals(x, emotions, sessions, FEATURE_NAMES, attributions, least=3)
    return {r.emotion: [s.feature for s in r.signals] for r in result}


def test_a_signal_in_every_video_is_named_with_its_sentence_and_videos() -> None:
    x, emotions, sessions, attributions = matrix(3)
    result = {
        r.emotion: r for r in emotion_signals(x, emotions, sessions, FEATURE_NAMES, attributions, least=3)
    }
    happy = result["happiness"]
    assert [s.feature for s in happy.signals] == ["face_smile_med"]
    signal = happy.signals[0]
    mine = np.asarray(emotions) == "happiness"
    usual, value = float(x[~mine, SMILE].mean()), float(x[mine, SMILE].mean())
    assert signal.sentence == sentence("face_smile_med", usual, value)
    assert signal.sentence.startswith("smiling: mouth corners")
    assert "higher than usual" in signal.sentence
    assert (signal.videos_showing, signal.videos) == (3, 3)
    assert signal.higher
    assert signal.effect > 2
    # sadness and anger are told apart by nothing: nothing is invented for them
    assert result["sadness"].signals == ()
    assert result["anger"].signals == ()
    assert result["sadness"].thin is None


def test_a_signal_in_only_one_of_three_videos_is_not_named() -> None:
    assert found(1)["happiness"] == []


def test_two_of_three_videos_are_enough() -> None:
    assert found(2, per_video=12)["happiness"] == ["face_smile_med"]


def test_a_difference_the_model_does_not_use_is_not_named() -> None:
    x, emotions, sessions, attributions = matrix(3)
    attributions["happiness"][:, SMILE] *= -1  # the model pushes away from happiness with it
    result = emotion_signals(x, emotions, sessions, FEATURE_NAMES, attributions, least=3)
    assert all(r.signals == () for r in result)


def test_thin_data_say_so_and_name_nothing() -> None:
    x, emotions, sessions, attributions = matrix(2, videos=2)
    result = emotion_signals(x, emotions, sessions, FEATURE_NAMES, attributions, least=3)
    assert all(r.signals == () for r in result)
    assert all(r.thin is not None and "2 video(s)" in r.thin for r in result)
    only = emotion_signals(x[:16], emotions[:16], sessions[:16], FEATURE_NAMES, attributions, least=1)
    assert only[0].thin == "no other state to compare it with"


def test_welch_and_benjamini_hochberg() -> None:
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=30), rng.normal(size=30)
    assert welch_p(a + 3, b) < 1e-6 < welch_p(a, b)
    assert welch_p(np.array([1.0, np.nan]), b) == 1.0  # one value: no test
    assert discoveries([0.001, 0.03, 0.5, 0.9]) == {0}  # 0.03 > 0.05 · 2 / 4
    assert discoveries([0.001, 0.002, 0.5, 0.9]) == {0, 1}
    assert discoveries([0.2, 0.3]) == set()


def test_shap_shares_are_per_sample_shares() -> None:
    shares = shap_shares(np.array([[3.0, -1.0], [1.0, 1.0]]))
    np.testing.assert_allclose(shares, [(0.75 + 0.5) / 2, (-0.25 + 0.5) / 2])
    assert shap_shares(np.zeros((0, 2))).shape == (2,)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_noise_alone_names_nothing(seed: int) -> None:
    x, emotions, sessions, attributions = matrix(0, seed=seed)
    attributions = {e: np.random.default_rng(seed).normal(size=x.shape) for e in CLASSES}
    result = emotion_signals(x, emotions, sessions, FEATURE_NAMES, attributions, least=3)
    assert all(r.signals == () for r in result), [(r.emotion, r.signals) for r in result]
