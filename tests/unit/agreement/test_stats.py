"""Agreement statistics on small cases computed by hand: perfect, chance, a systematic swap, a
partial case; Krippendorff's alpha; the bins; the bootstrap interval only from 5 sessions."""

from __future__ import annotations

import numpy as np
import pytest

from voice.agreement.stats import (
    MIN_SESSIONS_FOR_INTERVAL,
    alpha,
    bin_labels,
    bootstrap_kappa,
    kappa,
    kappa_of_tables,
    observed,
    shared,
)
from voice.exchange.sources import Interval

H, S, A = "happiness", "sadness", "anger"


@pytest.mark.parametrize(
    ("a", "b", "expected_kappa", "expected_observed"),
    [
        ([H, H, S, S], [H, H, S, S], 1.0, 1.0),  # perfect
        ([H, H, S, S], [H, S, H, S], 0.0, 0.5),  # chance: po = 0.5 = pe (0.5·0.5 + 0.5·0.5)
        ([H, H, S, S], [S, S, H, H], -1.0, 0.0),  # systematic swap: po = 0, pe = 0.5
        ([H, H, H, S], [H, H, S, S], 0.5, 0.75),  # po = 3/4, pe = 3/4·1/2 + 1/4·1/2 = 1/2
    ],
    ids=["perfect", "chance", "swap", "partial"],
)
def test_kappa_and_observed_agreement_by_hand(
    a: list[str], b: list[str], expected_kappa: float, expected_observed: float
) -> None:
    assert kappa(a, b) == pytest.approx(expected_kappa)
    assert observed(a, b) == pytest.approx(expected_observed)


def test_kappa_is_undefined_with_one_label_or_no_bin() -> None:
    assert kappa([H, H], [H, H]) is None
    assert kappa([], []) is None
    assert observed([], []) is None


def test_alpha_by_hand() -> None:
    # Units (A, B, C): (h,h,h), (s,s,s), (h,h,s). Coincidences: o_hh 4, o_ss 3, o_hs = o_sh 1;
    # n 9, n_h 5, n_s 4. Do = 2/9, De = 2·5·4/(9·8) = 5/9, alpha = 1 − 2/5 = 0.6.
    rows = [[H, S, H], [H, S, H], [H, S, S]]
    assert alpha(rows) == pytest.approx(0.6)
    assert alpha([[H, S, None], [H, S, H], [H, S, H]]) == pytest.approx(1.0)
    assert alpha([[H, H], [H, H], [H, None]]) is None  # one label: undefined


def test_a_bins_label_is_the_interval_over_its_middle() -> None:
    spans = [
        Interval("s", "import", "ben", 0.0, 2.0, H),
        Interval("s", "import", "ben", 1.2, 3.4, S),  # covers 1.5 and starts later: bin 1 is sadness
        Interval("s", "import", "ben", 5.0, 6.0, None),  # not a label
    ]
    assert bin_labels(spans, 6.5) == [H, S, S, None, None, None, None]
    assert shared([H, None, S, A], [H, S, None, S]) == ([H, A], [H, S])


def test_no_interval_below_five_sessions_and_one_from_five() -> None:
    session = ([H, H, S, S, H], [H, S, S, S, H])
    four = {f"s{k}": session for k in range(MIN_SESSIONS_FOR_INTERVAL - 1)}
    assert bootstrap_kappa(four) is None
    five = {f"s{k}": session for k in range(MIN_SESSIONS_FOR_INTERVAL)}
    interval = bootstrap_kappa(five, resamples=200)
    # Every session is the same, so every resample has the pooled kappa: po 0.8, pe 0.48 → 0.6154.
    assert interval is not None
    assert interval.resamples == 200
    assert interval.low == pytest.approx(0.6154, abs=1e-4)
    assert interval.high == pytest.approx(0.6154, abs=1e-4)
    varied = {**five, "s0": ([H, S], [S, H]), "s1": ([H, S], [H, S])}
    spread = bootstrap_kappa(varied, resamples=200)
    assert spread is not None
    assert spread.low < 0.6154 < spread.high


def test_the_bootstraps_kappa_of_tables_is_scikit_learns() -> None:
    rng = np.random.default_rng(3)
    labels = np.array([H, S, A])
    for _ in range(20):
        a = list(labels[rng.integers(0, 3, 40)])
        b = [x if rng.random() < 0.6 else str(labels[rng.integers(0, 3)]) for x in a]
        table = np.zeros((3, 3))
        np.add.at(table, ([list(labels).index(x) for x in a], [list(labels).index(y) for y in b]), 1)
        assert float(kappa_of_tables(table)) == pytest.approx(kappa(a, b))
    assert np.isnan(kappa_of_tables(np.array([[4.0, 0.0], [0.0, 0.0]])))
