"""The model families a patient's model is chosen from, and their few configurations.

Random forest, histogram gradient boosting and L2-regularised logistic regression (all
scikit-learn), each behind the same median imputer and standard scaler, each weighting the
classes so that every emotion counts the same. At most four configurations per family
(:func:`configurations`): the search stays small, so nested cross-validation fits in minutes
(``docs/model.md``, "Choosing the model"). The boosting configurations differ only in their number
of iterations and share one fit: the longest run's staged predictions are those of the shorter
ones, exactly as a fit with fewer iterations would give (no early stopping, no subsampling).

Every fit runs single-threaded (:func:`single_thread`): the work is spread over processes by
:mod:`voice.model.selection`, and OpenMP threads competing for a shared machine's cores slow
boosting down many times over.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np

from voice.config import Settings

__all__ = [
    "FAMILIES",
    "Config",
    "build_pipeline",
    "chosen_config",
    "configurations",
    "family_probabilities",
    "fit",
    "probabilities",
    "single_thread",
]

#: The families, in the order reports list them.
FAMILIES: tuple[str, ...] = ("forest", "boosting", "logistic")

Param = int | float | str


@dataclass(frozen=True)
class Config:
    """One configuration: a family and its few hyperparameters."""

    family: str
    params: tuple[tuple[str, Param], ...]

    @property
    def label(self) -> str:
        """``forest(min_samples_leaf=1)``: how metrics and reports name it."""
        return f"{self.family}({', '.join(f'{k}={v}' for k, v in self.params)})"

    def param(self, name: str) -> Param:
        return dict(self.params)[name]


def configurations(settings: Settings) -> list[Config]:
    """Every configuration the inner search compares (at most four per family)."""
    del settings  # the grid is fixed; the forest's size comes from the settings when it is built
    out = [Config("forest", (("min_samples_leaf", leaf),)) for leaf in (1, 5)]
    out += [Config("boosting", (("min_samples_leaf", 5), ("max_iter", it))) for it in (20, 40, 80)]
    out += [Config("logistic", (("C", c),)) for c in (0.01, 0.1, 1.0, 10.0)]
    return out


def chosen_config(label: str | None, settings: Settings) -> Config:
    """The configuration a run's metrics name (``model_choice.chosen``); before nested CV, and for
    a name this version does not know, the first one (a forest, as those runs used)."""
    configs = configurations(settings)
    return next((c for c in configs if c.label == label), configs[0])


def _estimator(config: Config, settings: Settings) -> Any:
    from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
    from sklearn.linear_model import LogisticRegression

    seed = settings.random_seed
    if config.family == "forest":
        return RandomForestClassifier(
            n_estimators=settings.forest_trees,
            min_samples_leaf=int(config.param("min_samples_leaf")),
            class_weight="balanced",
            random_state=seed,
            n_jobs=1,
        )
    if config.family == "boosting":
        return HistGradientBoostingClassifier(
            max_iter=int(config.param("max_iter")),
            min_samples_leaf=int(config.param("min_samples_leaf")),
            learning_rate=0.15,
            max_leaf_nodes=15,
            l2_regularization=1.0,
            early_stopping=False,
            class_weight="balanced",
            random_state=seed,
        )
    if config.family == "logistic":
        return LogisticRegression(C=float(config.param("C")), class_weight="balanced", max_iter=2000)
    raise ValueError(f"unknown model family {config.family!r}")


def build_pipeline(config: Config, settings: Settings) -> Any:
    """Median imputer → standard scaler → the configuration's estimator (step ``model``)."""
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    return Pipeline(
        [
            # keep_empty_features: a column with no data (legs never seen) stays, so attributions
            # stay aligned with FEATURE_NAMES.
            ("impute", SimpleImputer(strategy="median", keep_empty_features=True)),
            ("scale", StandardScaler()),
            ("model", _estimator(config, settings)),
        ]
    )


@contextmanager
def single_thread() -> Iterator[None]:
    """Native thread pools (OpenMP, BLAS) limited to one thread, warnings of tiny folds quiet."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1), warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        try:
            from sklearn.exceptions import ConvergenceWarning

            warnings.simplefilter("ignore", ConvergenceWarning)
        except ImportError:  # pragma: no cover - sklearn always has it
            pass
        yield


def fit(config: Config, x: np.ndarray, y: np.ndarray, settings: Settings) -> Any:
    """A fitted pipeline of ``config`` on ``x, y`` (labels are class indices); None when ``y``
    holds one class only (nothing to learn: :func:`probabilities` then predicts that class)."""
    if np.unique(y).size < 2:
        return None
    pipeline = build_pipeline(config, settings)
    with single_thread():
        pipeline.fit(x, y)
    return pipeline


def _place(proba: np.ndarray, seen: np.ndarray, k: int) -> np.ndarray:
    """Columns of the classes a model saw, placed among all ``k`` classes (unseen ones get 0)."""
    out = np.zeros((proba.shape[0], k))
    out[:, seen.astype(int)] = proba
    return out


def probabilities(pipeline: Any, x: np.ndarray, k: int, *, only: int | None = None) -> np.ndarray:
    """(n, k) probabilities of a pipeline from :func:`fit` (``only``: the class of a one-class fit)."""
    if pipeline is None:
        out = np.zeros((x.shape[0], k))
        out[:, int(only or 0)] = 1.0
        return out
    with single_thread():
        return _place(np.asarray(pipeline.predict_proba(x)), pipeline.classes_, k)


def family_probabilities(
    configs: Sequence[Config], data: tuple[np.ndarray, np.ndarray, np.ndarray], k: int, settings: Settings
) -> list[np.ndarray]:
    """Probabilities on ``x_test`` of each configuration of ONE family fitted on ``x_train``.

    ``data`` is ``(x_train, y_train, x_test)``. Boosting configurations that differ only in
    ``max_iter`` share one fit and read their stage of it.
    """
    x_train, y_train, x_test = data
    if np.unique(y_train).size < 2:
        return [probabilities(None, x_test, k, only=int(y_train[0]))] * len(configs)
    if configs and configs[0].family == "boosting":
        return _boosting_stages(configs, data, k, settings)
    return [probabilities(fit(c, x_train, y_train, settings), x_test, k) for c in configs]


def _boosting_stages(
    configs: Sequence[Config], data: tuple[np.ndarray, np.ndarray, np.ndarray], k: int, settings: Settings
) -> list[np.ndarray]:
    x_train, y_train, x_test = data
    out: list[np.ndarray | None] = [None] * len(configs)
    by_leaf: dict[Param, list[int]] = {}
    for i, c in enumerate(configs):
        by_leaf.setdefault(c.param("min_samples_leaf"), []).append(i)
    for members in by_leaf.values():
        longest = max(members, key=lambda i: int(configs[i].param("max_iter")))
        pipeline = fit(configs[longest], x_train, y_train, settings)
        wanted = {int(configs[i].param("max_iter")): i for i in members}
        with single_thread():
            xt = pipeline[:-1].transform(x_test)
            model = pipeline[-1]
            for stage, proba in enumerate(model.staged_predict_proba(xt), start=1):
                if stage in wanted:
                    out[wanted[stage]] = _place(np.asarray(proba), model.classes_, k)
    return [p if p is not None else np.full((x_test.shape[0], k), 1.0 / k) for p in out]
