"""Agreement statistics on 1-second bins (pure): each source's label in each bin, Cohen's kappa
(scikit-learn) and observed agreement on the bins two sources both labelled, Krippendorff's alpha
(``krippendorff``, nominal) for more than two, and a 95 % bootstrap interval over sessions — only
with at least :data:`MIN_SESSIONS_FOR_INTERVAL` shared sessions.

A bin's label is the emotion of the source's interval that covers the bin's middle (the one that
starts latest when several do); a bin no interval with an emotion covers is unlabelled (None).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from typing import Final

import numpy as np

from voice.exchange.coding import research_module
from voice.exchange.sources import Interval
from voice.records.exchange import Interval95

__all__ = [
    "BIN_S",
    "MIN_SESSIONS_FOR_INTERVAL",
    "Bins",
    "alpha",
    "bin_labels",
    "bootstrap_kappa",
    "kappa",
    "observed",
    "shared",
]

BIN_S: Final = 1.0
MIN_SESSIONS_FOR_INTERVAL: Final = 5
RESAMPLES: Final = 1000

#: One source's label per bin of one session (None: unlabelled).
Bins = list[str | None]


def bin_labels(intervals: Sequence[Interval], duration: float, bin_s: float = BIN_S) -> Bins:
    """The source's label in each ``bin_s`` bin of a ``duration``-second session."""
    n = max(0, math.ceil(duration / bin_s - 1e-9))
    labelled = sorted((i for i in intervals if i.emotion is not None), key=lambda i: i.start)
    out: Bins = []
    for k in range(n):
        middle = (k + 0.5) * bin_s
        covering = [i for i in labelled if i.start <= middle < i.end]
        out.append(covering[-1].emotion if covering else None)
    return out


def shared(a: Bins, b: Bins) -> tuple[list[str], list[str]]:
    """The two sources' labels on the bins both labelled."""
    pairs = [(x, y) for x, y in zip(a, b, strict=True) if x is not None and y is not None]
    return [x for x, _ in pairs], [y for _, y in pairs]


def observed(a: Sequence[str], b: Sequence[str]) -> float | None:
    """The share of bins with the same label (None: no bin)."""
    return sum(x == y for x, y in zip(a, b, strict=True)) / len(a) if a else None


def kappa(a: Sequence[str], b: Sequence[str]) -> float | None:
    """Cohen's kappa; None when it is undefined (no bin, or both gave one and the same label
    throughout: chance agreement is then 1)."""
    if not a or len(set(a) | set(b)) < 2:
        return None
    from sklearn.metrics import cohen_kappa_score

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = float(cohen_kappa_score(list(a), list(b)))
    return None if math.isnan(value) else value


def alpha(rows: Sequence[Bins]) -> float | None:
    """Krippendorff's alpha (nominal) of several sources' bins (each row a source, None missing);
    None when fewer than two labels occur or no bin has two sources."""
    values = sorted({v for row in rows for v in row if v is not None})
    if len(values) < 2:
        return None
    code = {v: float(k) for k, v in enumerate(values)}
    data = np.array([[np.nan if v is None else code[v] for v in row] for row in rows], dtype=float)
    if not ((~np.isnan(data)).sum(axis=0) >= 2).any():
        return None
    value = float(
        research_module("krippendorff").alpha(reliability_data=data, level_of_measurement="nominal")
    )
    return None if math.isnan(value) else value


def bootstrap_kappa(
    sessions: Mapping[str, tuple[Sequence[str], Sequence[str]]], *, resamples: int = RESAMPLES, seed: int = 0
) -> Interval95 | None:
    """A 95 % interval of kappa by resampling whole sessions with replacement (percentiles);
    None with fewer than :data:`MIN_SESSIONS_FOR_INTERVAL` sessions or no resample defined."""
    names = sorted(sessions)
    if len(names) < MIN_SESSIONS_FOR_INTERVAL or resamples < 1:
        return None
    rng = np.random.default_rng(seed)
    values = []
    for _ in range(resamples):
        picked = rng.integers(0, len(names), len(names))
        a = [x for k in picked for x in sessions[names[k]][0]]
        b = [y for k in picked for y in sessions[names[k]][1]]
        value = kappa(a, b)
        if value is not None:
            values.append(value)
    if not values:
        return None
    low, high = np.percentile(values, [2.5, 97.5])
    return Interval95(low=round(float(low), 4), high=round(float(high), 4), resamples=len(values))
