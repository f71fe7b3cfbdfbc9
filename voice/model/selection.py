"""Nested grouped cross-validation: the model family and its hyperparameters chosen inside each
outer training part, so the reported score is not the best of several tries.

For every outer split (:func:`voice.model.splits.cv_splits`):

1. **Inner search**: every configuration of :func:`voice.model.families.configurations` in an
   inner grouped CV over the outer training part; its pooled inner out-of-fold probabilities.
2. **Choice**: per family, the configuration with the best inner balanced accuracy (ties: the lower
   log loss, then the earlier, simpler one); the model is the best of those.
3. **Outer test**: each family's choice, fitted on the whole outer training part, predicts the
   outer test part: that family's outer score. The model's predictions are its family's,
   calibrated by a temperature fitted on its inner out-of-fold probabilities (outer training part
   only). On the first repeat its SHAP attributions of the test samples are kept.

The final model: the same search over all samples, the chosen configuration fitted on all of them
and calibrated the same way. The work is spread over ``train_jobs`` processes (0: one per core);
every fit runs single-threaded, and the results do not depend on the number of processes.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from voice.config import Settings
from voice.model.calibration import apply_temperature, fit_temperature
from voice.model.explain import OUTPUT_SPACE, attributions
from voice.model.families import FAMILIES, Config, configurations, family_probabilities, fit, probabilities
from voice.model.splits import Data, Splits, balanced_accuracy, inner_splits
from voice.priority import cores

__all__ = ["Final", "Nested", "Search", "jobs", "nested_cv", "parallel", "search_choice"]

_EPS = 1e-6


@dataclass(frozen=True)
class Search:
    """One inner search: per configuration its inner balanced accuracy and log loss and its
    pooled inner out-of-fold probabilities over the training part (rows in ``train`` order)."""

    train: np.ndarray
    scores: np.ndarray
    losses: np.ndarray
    oof: np.ndarray  # (configs, len(train), k)

    @property
    def searched(self) -> bool:
        return bool(np.isfinite(self.scores).any())


def _rank(search: Search, members: Sequence[int]) -> int:
    if not search.searched:
        return members[0]
    return min(members, key=lambda i: (-search.scores[i], search.losses[i], i))


def search_choice(search: Search, configs: Sequence[Config]) -> tuple[dict[str, int], int]:
    """Per family the index of its best configuration, and the index of the best overall."""
    per_family = {f: _rank(search, [i for i, c in enumerate(configs) if c.family == f]) for f in FAMILIES}
    return per_family, _rank(search, list(per_family.values()))


def _temperature(search: Search, best: int, y: np.ndarray) -> float:
    return fit_temperature(search.oof[best], y[search.train]) if search.searched else 1.0


@dataclass(frozen=True)
class Final:
    """The final model: the chosen configuration fitted on every sample, its temperature, and the
    search over all samples it was chosen by."""

    config: Config
    pipeline: Any
    temperature: float
    search: Search


@dataclass(frozen=True)
class Nested:
    """What nested CV found. Per repeat: the model's calibrated and raw out-of-fold probabilities,
    each family's out-of-fold labels, each sample's fold; per outer split the chosen configuration;
    attributions of the first repeat (n, features, k) and the output space of each sample's."""

    configs: list[Config]
    repeats: list[Splits]
    chosen: list[list[int]]
    proba: list[np.ndarray]
    raw: list[np.ndarray]
    family_labels: dict[str, list[np.ndarray]]
    fold_of: list[np.ndarray]
    attributions: np.ndarray
    spaces: list[str]
    final: Final
    #: Wall seconds of each batch and CPU seconds of each part (``docs/performance.md``).
    timings: dict[str, float]


# --- tasks (module level: they run in worker processes) ------------------------------------------


def _inner_task(
    data: Data, fold: tuple[np.ndarray, np.ndarray], configs: list[Config], settings: Settings
) -> tuple[list[np.ndarray], float]:
    """One family's configurations on one inner fold, and the CPU seconds they took."""
    t0 = time.process_time()
    train, test = fold
    probas = family_probabilities(configs, (data.x[train], data.y[train], data.x[test]), data.k, settings)
    return probas, time.process_time() - t0


@dataclass(frozen=True)
class _Outer:
    """One configuration refitted on an outer training part: test probabilities, attributions
    (when asked), the CPU seconds of the fit and of the attributions."""

    proba: np.ndarray
    shap: np.ndarray | None
    fit_cpu: float
    shap_cpu: float


def _outer_task(
    data: Data, split: tuple[np.ndarray, np.ndarray], config: Config, explain: bool, settings: Settings
) -> _Outer:
    t0 = time.process_time()
    train, test = split
    pipeline = fit(config, data.x[train], data.y[train], settings)
    proba = probabilities(pipeline, data.x[test], data.k, only=int(data.y[train][0]))
    t1 = time.process_time()
    shap = attributions(pipeline, data.x[test], data.k) if explain and pipeline is not None else None
    return _Outer(proba, shap, t1 - t0, time.process_time() - t1)


def _final_task(data: Data, config: Config, settings: Settings) -> tuple[Any, float]:
    t0 = time.process_time()
    return fit(config, data.x, data.y, settings), time.process_time() - t0


def jobs(settings: Settings) -> int:
    """How many processes the model search uses (``train_jobs``; 0: one per core this process
    may run on, a container's CPU set)."""
    return settings.train_jobs or cores()


def parallel(calls: Sequence[tuple[Callable[..., Any], tuple[Any, ...]]], processes: int) -> list[Any]:
    """``[f(*args) for f, args in calls]``, spread over ``processes`` worker processes (loky, as
    scikit-learn uses; results in order). Each call's fits limit themselves to one thread."""
    if processes <= 1 or len(calls) <= 1:
        return [f(*args) for f, args in calls]
    from joblib import Parallel, delayed

    return list(Parallel(n_jobs=min(processes, len(calls)), backend="loky")(delayed(f)(*a) for f, a in calls))


# --- the search ----------------------------------------------------------------------------------


def _searches(
    data: Data, trains: Sequence[np.ndarray], configs: list[Config], settings: Settings
) -> tuple[list[Search], list[float]]:
    """The inner search of every training part, all fits in one parallel batch; the CPU seconds
    of each training part's search."""
    families = {f: [c for c in configs if c.family == f] for f in FAMILIES}
    folds = [inner_splits(data, train, settings) for train in trains]
    calls = [
        (_inner_task, (data, fold, families[f], settings)) for per in folds for fold in per for f in FAMILIES
    ]
    results = iter(parallel(calls, jobs(settings)))
    out, cpu = [], []
    for train, per in zip(trains, folds, strict=True):
        position = {int(i): p for p, i in enumerate(train)}
        oof = np.full((len(configs), train.size, data.k), 1.0 / data.k)
        seconds = 0.0
        for _, test in per:
            rows = np.array([position[int(i)] for i in test])
            for f in FAMILIES:
                probas, spent = next(results)
                seconds += spent
                for c, proba in zip(families[f], probas, strict=True):
                    oof[configs.index(c), rows] = proba
        out.append(_scored(data, train, oof, searched=bool(per)))
        cpu.append(seconds)
    return out, cpu


def _scored(data: Data, train: np.ndarray, oof: np.ndarray, *, searched: bool) -> Search:
    n = len(oof)
    if not searched:
        return Search(train, np.full(n, np.nan), np.full(n, np.nan), oof)
    y = data.y[train]
    scores = np.array([balanced_accuracy(y, p.argmax(axis=1), data.k) for p in oof])
    losses = np.array([-np.mean(np.log(np.clip(p[np.arange(y.size), y], _EPS, 1.0))) for p in oof])
    return Search(train, scores, losses, oof)


def nested_cv(data: Data, repeats: list[Splits], settings: Settings) -> Nested:
    """Nested grouped CV over the outer ``repeats`` and the final model (see the module notes)."""
    configs = configurations(settings)
    outer = [
        (r, f, train, test) for r, splits in enumerate(repeats) for f, (train, test) in enumerate(splits)
    ]
    t0 = time.perf_counter()
    trains = [o[2] for o in outer] + [np.arange(data.y.size)]
    searches, search_cpu = _searches(data, trains, configs, settings)
    t1 = time.perf_counter()
    choices = [search_choice(s, configs) for s in searches]
    final_search, (_, final_best) = searches[-1], choices[-1]
    calls: list[tuple[Callable[..., Any], tuple[Any, ...]]] = [
        (_outer_task, (data, (train, test), configs[i], r == 0 and i == best, settings))
        for (r, _, train, test), (per_family, best) in zip(outer, choices, strict=False)
        for i in per_family.values()
    ]
    calls.append((_final_task, (data, configs[final_best], settings)))
    results = parallel(calls, jobs(settings))
    pipeline, final_cpu = results.pop()
    timings = {
        "search_wall_s": t1 - t0,
        "fits_wall_s": time.perf_counter() - t1,
        "inner_search_cpu_s": sum(search_cpu[:-1]),
        "final_search_cpu_s": search_cpu[-1],
        "outer_fits_cpu_s": sum(r.fit_cpu for r in results),
        "shap_cpu_s": sum(r.shap_cpu for r in results),
        "final_fit_cpu_s": final_cpu,
    }
    final = Final(configs[final_best], pipeline, _temperature(final_search, final_best, data.y), final_search)
    return _assemble(data, (repeats, configs, outer), searches, choices, results, final, timings)


def _assemble(  # noqa: PLR0913 - the parts of one nested run, put together once
    data: Data,
    plan: tuple[list[Splits], list[Config], list[tuple[int, int, np.ndarray, np.ndarray]]],
    searches: list[Search],
    choices: list[tuple[dict[str, int], int]],
    results: list[_Outer],
    final: Final,
    timings: dict[str, float],
) -> Nested:
    repeats, configs, outer = plan
    n, k = data.y.size, data.k
    proba = [np.full((n, k), np.nan) for _ in repeats]
    raw = [np.full((n, k), np.nan) for _ in repeats]
    family_labels = {f: [np.full(n, -1, dtype=np.int64) for _ in repeats] for f in FAMILIES}
    fold_of = [np.full(n, -1, dtype=np.int64) for _ in repeats]
    chosen: list[list[int]] = [[] for _ in repeats]
    shap = np.zeros((n, data.x.shape[1], k))
    spaces = [""] * n
    it = iter(results)
    for (r, f, _, test), search, (per_family, best) in zip(outer, searches, choices, strict=False):
        fold_of[r][test] = f
        chosen[r].append(best)
        for family, i in per_family.items():
            result = next(it)
            p = result.proba
            family_labels[family][r][test] = p.argmax(axis=1)
            if i == best:
                raw[r][test] = p
                proba[r][test] = apply_temperature(p, _temperature(search, best, data.y))
                if result.shap is not None:
                    shap[test] = result.shap
                if r == 0:
                    for j in test:
                        spaces[j] = OUTPUT_SPACE[family]
    return Nested(configs, repeats, chosen, proba, raw, family_labels, fold_of, shap, spaces, final, timings)
