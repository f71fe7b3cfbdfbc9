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
    "kappa_of_tables",
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


def kappa_of_tables(tables: np.ndarray) -> np.ndarray:
    """Cohen's kappa of confusion tables (``(..., k, k)`` counts), NaN where undefined — the same
    formula as scikit-learn's ``cohen_kappa_score``, for many tables at once."""
    n = tables.sum(axis=(-2, -1))
    with np.errstate(invalid="ignore", divide="ignore"):
        po = np.trace(tables, axis1=-2, axis2=-1) / n
        pe = (tables.sum(axis=-1) * tables.sum(axis=-2)).sum(axis=-1) / n**2
        out = (po - pe) / (1 - pe)
    return np.where((n > 0) & (pe < 1 - 1e-12), out, np.nan)


def bootstrap_kappa(
    sessions: Mapping[str, tuple[Sequence[str], Sequence[str]]], *, resamples: int = RESAMPLES, seed: int = 0
) -> Interval95 | None:
    """A 95 % interval of kappa by resampling whole sessions with replacement (percentiles);
    None with fewer than :data:`MIN_SESSIONS_FOR_INTERVAL` sessions or no resample defined. Each
    session is one confusion table; a resample's table is the sum of the tables it drew."""
    names = sorted(sessions)
    if len(names) < MIN_SESSIONS_FOR_INTERVAL or resamples < 1:
        return None
    labels = sorted({v for name in names for side in sessions[name] for v in side})
    code = {v: k for k, v in enumerate(labels)}
    k = len(labels)
    tables = np.zeros((len(names), k, k))
    for s, name in enumerate(names):
        a, b = sessions[name]
        np.add.at(tables[s], ([code[x] for x in a], [code[y] for y in b]), 1)
    rng = np.random.default_rng(seed)
    draws = rng.multinomial(len(names), np.full(len(names), 1 / len(names)), size=resamples)
    values = kappa_of_tables(np.einsum("rs,sij->rij", draws, tables))
    values = values[~np.isnan(values)]
    if not values.size:
        return None
    low, high = np.percentile(values, [2.5, 97.5])
    return Interval95(low=round(float(low), 4), high=round(float(high), 4), resamples=int(values.size))
