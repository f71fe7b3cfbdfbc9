"""What sets each emotion apart in one patient: signals that hold across videos and that the model uses.

Pure functions over a feature matrix (one row per training sample, :data:`voice.model.features.FEATURE_NAMES`
columns, NaN where a feature had no data), the samples' emotions and videos, and the fitted
model's out-of-fold SHAP attributions (``out_of_fold.json``). For each emotion with enough data
(:func:`emotion_signals`) a feature is a *signal* when all of these hold:

- **size**: the emotion's windows differ from the patient's other states pooled over all videos
  by at least :data:`MIN_EFFECT` standard deviations of those other states (the effect size),
  and not by chance: Welch's t-test, with the false discovery rate over all features held at
  :data:`FDR` (Benjamini–Hochberg), so among ~95 features noise is not named;
- **apart**: the emotion differs in that direction from every other emotion on its own, by at
  least :data:`MIN_EFFECT` of its spread and with Welch's p below :data:`PAIR_P` (a signal of
  happiness — smiling — is not named as one of sadness merely because the pool holds happiness);
- **across videos**: in at least two thirds of the videos that have the emotion, that video's
  windows of it differ from the other states in the same direction by at least
  :data:`MIN_VIDEO_EFFECT` (a video whose windows lack the feature counts against);
- **the model uses it**: its mean SHAP attribution towards the emotion on the emotion's own
  out-of-fold samples is positive and at least the share an unused feature would get
  (1 / number of features) of those samples' total |attribution| towards it.

Signals are ranked by that attribution share; the sentence for each comes from
:func:`voice.model.signal_words.sentence` (the table behind ``docs/features.md``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from voice.model.signal_words import WORDS, sentence

__all__ = [
    "MAX_SIGNALS",
    "MIN_EFFECT",
    "MIN_VIDEO_EFFECT",
    "EmotionSignals",
    "PassportSignal",
    "discoveries",
    "emotion_signals",
    "shap_shares",
    "welch_p",
]

#: Pooled effect size (standard deviations of the other states) a signal needs.
MIN_EFFECT = 0.5
#: Effect size a single video needs to count as showing the signal.
MIN_VIDEO_EFFECT = 0.2
#: Share of the videos with the emotion that must show the signal in the same direction.
ACROSS_VIDEOS = 2 / 3
#: False discovery rate over the features of one emotion (Benjamini–Hochberg).
FDR = 0.05
#: The emotion against each other emotion alone: Welch's p-value below this.
PAIR_P = 0.05
#: Signals named per emotion at most.
MAX_SIGNALS = 5


@dataclass(frozen=True)
class PassportSignal:
    """One signal of one emotion: the feature, its sentence, and the evidence for it."""

    feature: str
    sentence: str
    higher: bool
    effect: float  # pooled effect size, signed (standard deviations of the other states)
    videos_showing: int
    videos: int
    usual: float  # mean over the other states
    value: float  # mean over the emotion's windows
    shap_share: float


@dataclass(frozen=True)
class EmotionSignals:
    """An emotion's signals; ``thin`` says why nothing can be said (then ``signals`` is empty)."""

    emotion: str
    samples: int
    videos: int
    signals: tuple[PassportSignal, ...]
    thin: str | None = None


def shap_shares(attributions: np.ndarray) -> np.ndarray:
    """Per feature: mean over samples of its attribution's share of the sample's total |attribution|
    (attributions: (samples, features) towards one emotion)."""
    a = np.asarray(attributions, dtype=np.float64)
    if a.size == 0:
        return np.zeros(a.shape[1] if a.ndim == 2 else 0)
    total = np.abs(a).sum(axis=1, keepdims=True)
    return np.asarray((a / np.where(total > 0, total, 1.0)).mean(axis=0))


def _effect(values: np.ndarray, others: np.ndarray) -> float | None:
    """(mean(values) − mean(others)) / sd(others); None without data on either side or no spread."""
    v, o = values[~np.isnan(values)], others[~np.isnan(others)]
    if v.size == 0 or o.size < 2:
        return None
    sd = float(np.std(o, ddof=1))
    if not math.isfinite(sd) or sd <= 1e-12:
        return None
    return (float(v.mean()) - float(o.mean())) / sd


def welch_p(a: np.ndarray, b: np.ndarray) -> float:
    """Two-sided p-value of Welch's t-test (NaNs left out; 1.0 without two values on each side or
    without spread)."""
    from scipy.special import stdtr  # type: ignore[import-untyped]

    a, b = a[~np.isnan(a)], b[~np.isnan(b)]
    if a.size < 2 or b.size < 2:
        return 1.0
    va, vb = float(np.var(a, ddof=1)) / a.size, float(np.var(b, ddof=1)) / b.size
    if va + vb <= 1e-24:
        return 1.0
    t = (float(a.mean()) - float(b.mean())) / math.sqrt(va + vb)
    df = (va + vb) ** 2 / (va**2 / (a.size - 1) + vb**2 / (b.size - 1))
    return float(2 * stdtr(df, -abs(t)))


def discoveries(p_values: Sequence[float], rate: float = FDR) -> set[int]:
    """Indexes whose p-values pass Benjamini–Hochberg at false discovery rate ``rate``."""
    order = sorted(range(len(p_values)), key=lambda i: p_values[i])
    last = 0
    for rank, i in enumerate(order, start=1):
        if p_values[i] <= rate * rank / len(p_values):
            last = rank
    return set(order[:last])


def _apart(column: np.ndarray, mine: np.ndarray, labels: np.ndarray, higher: bool) -> bool:
    """The emotion differs in the signal's direction from every other emotion on its own: by at
    least :data:`MIN_EFFECT` of that emotion's spread, and not by chance (Welch, p < :data:`PAIR_P`)."""
    for other in sorted(set(labels[~mine].tolist())):
        theirs = column[labels == other]
        if np.count_nonzero(~np.isnan(theirs)) < 2:
            continue
        d = _effect(column[mine], theirs)
        if d is None or (d < MIN_EFFECT if higher else d > -MIN_EFFECT):
            return False
        if welch_p(column[mine], theirs) >= PAIR_P:
            return False
    return True


def _signal(
    column: np.ndarray, mine: np.ndarray, sessions: np.ndarray, videos: Sequence[str]
) -> tuple[float, int] | None:
    """(pooled effect, videos showing it) when the feature passes the size and across-videos rules."""
    others = column[~mine]
    effect = _effect(column[mine], others)
    if effect is None or abs(effect) < MIN_EFFECT:
        return None
    showing = 0
    for video in videos:
        d = _effect(column[mine & (sessions == video)], others)
        if d is not None and d * effect > 0 and abs(d) >= MIN_VIDEO_EFFECT:
            showing += 1
    if showing < 2 or showing < math.ceil(ACROSS_VIDEOS * len(videos) - 1e-9):
        return None
    return effect, showing


def _distinct(found: Sequence[PassportSignal]) -> list[PassportSignal]:
    """One signal per short words ("head tilted to their left" from two head features: the first)."""
    seen: set[str] = set()
    out = []
    for s in found:
        words = WORDS[s.feature].label(s.higher)
        if words not in seen:
            seen.add(words)
            out.append(s)
    return out


def emotion_signals(
    features: np.ndarray,
    emotions: Sequence[str],
    sessions: Sequence[str],
    feature_names: Sequence[str],
    attributions: Mapping[str, np.ndarray],
    *,
    least: int,
) -> list[EmotionSignals]:
    """Each emotion's signals (emotions in first-seen order of ``attributions``' keys).

    ``attributions[emotion]``: (samples, features) SHAP values towards that emotion, rows as
    ``features``; an emotion with fewer than ``least`` samples or ``least`` videos (the gate's
    minimum per emotion), or
    with no other state to compare with, is reported ``thin``.
    """
    x = np.asarray(features, dtype=np.float64)
    labels = np.asarray(emotions)
    groups = np.asarray(sessions)
    out = []
    for emotion, attribution in attributions.items():
        mine = labels == emotion
        videos = sorted(set(groups[mine].tolist()))
        n, k = int(mine.sum()), len(videos)
        thin = None
        if n < least or k < least:
            thin = f"{n} sample(s) from {k} video(s): too few to say what sets it apart"
        elif mine.all():
            thin = "no other state to compare it with"
        if thin is not None:
            out.append(EmotionSignals(emotion, n, k, (), thin))
            continue
        shares = shap_shares(np.asarray(attribution)[mine])
        floor = 1.0 / max(len(feature_names), 1)
        significant = discoveries([welch_p(x[mine, j], x[~mine, j]) for j in range(len(feature_names))])
        found = []
        for j, name in enumerate(feature_names):
            if name not in WORDS or j not in significant or shares[j] <= 0 or shares[j] < floor:
                continue
            passed = _signal(x[:, j], mine, groups, videos)
            if passed is None or not _apart(x[:, j], mine, labels, passed[0] > 0):
                continue
            effect, showing = passed
            usual = float(np.nanmean(x[~mine, j]))
            value = float(np.nanmean(x[mine, j]))
            found.append(
                PassportSignal(
                    name, sentence(name, usual, value), effect > 0, effect, showing, k, usual, value,
                    float(shares[j]),
                )
            )  # fmt: skip
        found.sort(key=lambda s: (-s.shap_share, s.feature))
        out.append(EmotionSignals(emotion, n, k, tuple(_distinct(found)[:MAX_SIGNALS])))
    return out
