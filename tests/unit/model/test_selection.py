"""Nested CV: the model is chosen inside each outer training part, so on labels with nothing to
learn the reported score stays at the baseline although the search tries nine configurations."""

from __future__ import annotations

import numpy as np
import pytest

from tests.unit.model.conftest import SETTINGS, Data, shuffled_by_video
from voice.config import Settings
from voice.model.evaluation import cross_validate, evaluate, promotion
from voice.model.families import FAMILIES, configurations
from voice.model.selection import Search, search_choice


@pytest.mark.slow
def test_nested_cv_on_shuffled_labels_stays_at_the_baseline(data: Data) -> None:
    # Tolerance: the mean over three shuffles is within 0.15 of the 1/3 baseline and no shuffled
    # run is promoted; every family's own outer score stays there too. The best configuration's
    # inner score (what a search without nesting would report) is beside it for comparison.
    x, y, g = data
    nested, best_inner = [], []
    for seed in range(3):
        m = cross_validate(x, shuffled_by_video(y, g, seed), g, settings=SETTINGS)
        assert promotion(m)[0] is False, promotion(m)[1]
        assert m.model_choice is not None
        for family in m.model_choice.families.values():
            assert family.balanced_accuracy < 1 / 3 + 0.3
        nested.append(m.balanced_accuracy.mean)
        best_inner.append(max(c.balanced_accuracy or 0.0 for c in m.model_choice.configurations))
    assert abs(np.mean(nested) - 1 / 3) <= 0.15, nested
    assert np.mean(best_inner) >= np.mean(nested) - 0.05, (best_inner, nested)


@pytest.mark.slow
def test_every_outer_fold_records_its_choice_and_the_work_does_not_depend_on_processes(data: Data) -> None:
    x, y, g = data
    settings = Settings(forest_trees=20, cv_folds=3, cv_repeats=1, train_jobs=1)
    one = evaluate(x, y, g, settings=settings)
    two = evaluate(x, y, g, settings=settings.model_copy(update={"train_jobs": 2}))
    labels = {c.label for c in configurations(settings)}
    assert [f.model for f in one.cv.cv.per_fold] == [f.model for f in two.cv.cv.per_fold]
    assert all(f.model in labels for f in one.cv.cv.per_fold)
    np.testing.assert_allclose(one.nested.proba[0], two.nested.proba[0])
    np.testing.assert_allclose(one.nested.attributions, two.nested.attributions)
    assert one.cv.model_choice == two.cv.model_choice
    assert set(one.nested.timings) >= {"inner_search_cpu_s", "outer_fits_cpu_s", "shap_cpu_s"}


def _search(scores: list[float], losses: list[float]) -> Search:
    n = len(scores)
    return Search(np.arange(4), np.array(scores), np.array(losses), np.zeros((n, 4, 2)))


def test_the_choice_is_the_best_inner_score_then_the_lower_loss_then_the_simpler() -> None:
    configs = configurations(SETTINGS)
    n = len(configs)
    scores = [0.5] * n
    losses = [1.0] * n
    per_family, best = search_choice(_search(scores, losses), configs)
    assert best == 0  # all tied: the first (simplest listed) configuration
    assert set(per_family) == set(FAMILIES)
    last = n - 1
    scores[last] = 0.7
    per_family, best = search_choice(_search(scores, losses), configs)
    assert best == last
    assert per_family[configs[last].family] == last
    scores[1] = 0.7
    losses[1] = 0.5
    assert search_choice(_search(scores, losses), configs)[1] == 1  # same score, lower loss
    unsearched = Search(np.arange(4), np.full(n, np.nan), np.full(n, np.nan), np.zeros((n, 4, 2)))
    assert search_choice(unsearched, configs)[1] == 0


def test_the_search_runs_in_the_set_processes_else_one_per_core_this_process_may_use(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A container's CPU set, not the host's count: four host cores, one allowed, one process."""
    import os

    from voice.model import selection

    assert selection.jobs(Settings(train_jobs=3)) == 3
    monkeypatch.setattr(os, "cpu_count", lambda: 4)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0}, raising=False)
    assert selection.jobs(Settings(train_jobs=0)) == 1
