"""The per-patient model: train with grouped cross-validation, save and load safely, predict.

- Pipeline: median imputation (features are NaN where a body part was not seen) → standard
  scaling → a class-balanced random forest.
- Cross-validation is grouped by source video (session): the samples of one video are never on
  both sides of a split, so the score says how well the model does on a *new* video. Repeated
  ``StratifiedGroupKFold`` when every class has at least ``cv_folds`` videos, else
  leave-one-video-out.
- The headline score is the balanced accuracy of the pooled out-of-fold predictions (mean over
  repeats); its spread is a bootstrap over videos. The baseline is the majority class:
  balanced accuracy ``1 / n_classes``.
- A run is promoted only if ``mean - std > baseline`` (see :func:`promotion`).
- Saved with skops, never pickle. Loading checks every type named in the file against
  :data:`TRUSTED_TYPES` and refuses anything else with :class:`UntrustedModelError`.
"""

from __future__ import annotations

import io
import json
import logging
import warnings
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from voice.config import EMOTIONS, Settings
from voice.errors import ModelError, NotEnoughDataError, UntrustedModelError
from voice.features import FEATURE_NAMES

__all__ = [
    "MODEL_SCHEMA",
    "TRUSTED_TYPES",
    "PatientModel",
    "build_pipeline",
    "cross_validate",
    "cv_splits",
    "dump_model",
    "load_model",
    "promotion",
    "train_model",
]

log = logging.getLogger("voice")

MODEL_SCHEMA = "voice.model/1"
BOOTSTRAP_RESAMPLES = 200

#: Every type a VOICE model file may name. Anything else is refused before loading.
TRUSTED_TYPES: frozenset[str] = frozenset(
    {
        "builtins.dict",
        "builtins.list",
        "builtins.tuple",
        "builtins.str",
        "builtins.int",
        "builtins.float",
        "builtins.bool",
        "builtins.NoneType",
        "numpy.ndarray",
        "numpy.dtype",
        "numpy.float64",
        "numpy.float32",
        "numpy.int64",
        "numpy.int32",
        "numpy.intp",
        "numpy.uint8",
        "numpy.bool_",
        "numpy.str_",
        "sklearn.pipeline.Pipeline",
        "sklearn.impute._base.SimpleImputer",
        "sklearn.preprocessing._data.StandardScaler",
        "sklearn.ensemble._forest.RandomForestClassifier",
        "sklearn.tree._classes.DecisionTreeClassifier",
        "sklearn.tree._tree.Tree",
    }
)


@dataclass
class PatientModel:
    """A trained pipeline with the names that give its numbers meaning."""

    pipeline: Any
    classes: tuple[str, ...]
    feature_names: tuple[str, ...]
    run_id: str
    metrics: dict[str, Any] = field(default_factory=dict)

    def predict_proba(self, features: np.ndarray) -> np.ndarray:
        """(n, n_classes) probabilities, columns in :attr:`classes` order."""
        x = np.atleast_2d(np.asarray(features, dtype=np.float64))
        if x.shape[1] != len(self.feature_names):
            raise ModelError(
                f"model expects {len(self.feature_names)} features, got {x.shape[1]}; "
                "retrain the model with this version of VOICE."
            )
        proba = np.zeros((x.shape[0], len(self.classes)))
        # The forest may have seen a subset of the encoded labels; place its columns by label.
        proba[:, self.pipeline.classes_.astype(int)] = self.pipeline.predict_proba(x)
        return proba

    def predict(self, features: np.ndarray) -> list[str]:
        return [self.classes[i] for i in self.predict_proba(features).argmax(axis=1)]


def build_pipeline(settings: Settings, *, seed: int | None = None) -> Any:
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    return Pipeline(
        [
            # keep_empty_features: a column with no data (legs never seen) stays, so feature
            # importances stay aligned with FEATURE_NAMES.
            ("impute", SimpleImputer(strategy="median", keep_empty_features=True)),
            ("scale", StandardScaler()),
            (
                "forest",
                RandomForestClassifier(
                    n_estimators=settings.forest_trees,
                    random_state=settings.random_seed if seed is None else seed,
                    class_weight="balanced",
                    n_jobs=1,
                ),
            ),
        ]
    )


def _class_order(labels: Sequence[str]) -> tuple[str, ...]:
    present = set(labels)
    ordered = [e for e in EMOTIONS if e in present]
    return tuple(ordered + sorted(present - set(ordered)))


def _balanced_accuracy(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int) -> float:
    """Mean recall over the classes present in ``y_true`` (sklearn's definition), in numpy."""
    totals = np.bincount(y_true, minlength=n_classes)
    hits = np.bincount(y_true[y_true == y_pred], minlength=n_classes)
    present = totals > 0
    return float(np.mean(hits[present] / totals[present]))


def cv_splits(
    y: np.ndarray, groups: np.ndarray, settings: Settings
) -> tuple[str, int, list[list[tuple[np.ndarray, np.ndarray]]]]:
    """The CV scheme, folds per repeat, and the (train, test) index splits of every repeat.

    ``y`` are encoded labels; ``groups`` the video (session) of each sample.
    """
    from sklearn.model_selection import LeaveOneGroupOut, StratifiedGroupKFold

    min_groups = min(len(set(groups[y == c])) for c in np.unique(y))
    dummy = np.zeros((y.size, 1))
    if min_groups >= settings.cv_folds >= 2:
        repeats = []
        for r in range(max(settings.cv_repeats, 1)):
            cv = StratifiedGroupKFold(
                n_splits=settings.cv_folds, shuffle=True, random_state=settings.random_seed + r
            )
            repeats.append(list(cv.split(dummy, y, groups)))
        return "stratified-group-kfold", settings.cv_folds, repeats
    logo = LeaveOneGroupOut()
    return "leave-one-video-out", int(logo.get_n_splits(groups=groups)), [list(logo.split(dummy, y, groups))]


def cross_validate(
    features: np.ndarray, labels: Sequence[str], groups: Sequence[str], *, settings: Settings
) -> dict[str, Any]:
    """Grouped cross-validation metrics (see the module docstring). Labels are emotion names."""
    from sklearn.base import clone

    x = np.asarray(features, dtype=np.float64)
    classes = _class_order(labels)
    y = np.array([classes.index(label) for label in labels], dtype=np.int64)
    g = np.asarray(groups)
    k = len(classes)
    if k < 2:
        raise NotEnoughDataError("training needs samples of at least two emotions.")
    if len(set(g.tolist())) < 2:
        raise NotEnoughDataError("grouped cross-validation needs samples from at least two videos.")

    scheme, n_folds, repeats = cv_splits(y, g, settings)
    template = build_pipeline(settings)
    confusion = np.zeros((k, k), dtype=np.int64)
    per_fold: list[dict[str, Any]] = []
    per_repeat: list[float] = []
    accuracy: list[float] = []
    oof_all: list[np.ndarray] = []
    for r, splits in enumerate(repeats):
        oof = np.full(y.size, -1, dtype=np.int64)
        for f, (train, test) in enumerate(splits):
            model = clone(template)
            if len(np.unique(y[train])) < 2:
                # Only one class left to learn from: it can only ever predict that class.
                oof[test] = y[train][0]
            else:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", UserWarning)
                    model.fit(x[train], y[train])
                    oof[test] = model.predict(x[test])
            in_test = np.unique(y[test])
            fold = {
                "repeat": r,
                "fold": f,
                "n_test": int(test.size),
                "test_videos": len(set(g[test].tolist())),
                "test_classes": [classes[i] for i in in_test],
                "accuracy": float(np.mean(oof[test] == y[test])),
            }
            if in_test.size > 1:
                fold["balanced_accuracy"] = _balanced_accuracy(y[test], oof[test], k)
            per_fold.append(fold)
        per_repeat.append(_balanced_accuracy(y, oof, k))
        accuracy.append(float(np.mean(oof == y)))
        np.add.at(confusion, (y, oof), 1)
        oof_all.append(oof)

    # Spread: resample videos with replacement and score the pooled out-of-fold predictions.
    rng = np.random.default_rng(settings.random_seed)
    uniq = np.unique(g)
    members = [np.flatnonzero(g == u) for u in uniq]
    boot = []
    for oof in oof_all:
        for _ in range(BOOTSTRAP_RESAMPLES):
            pick = rng.integers(0, uniq.size, uniq.size)
            idx = np.concatenate([members[i] for i in pick])
            boot.append(_balanced_accuracy(y[idx], oof[idx], k))
    counts = np.bincount(y, minlength=k)
    recall = np.diag(confusion) / np.maximum(confusion.sum(axis=1), 1)
    mean = float(np.mean(per_repeat))
    return {
        "n_samples": int(y.size),
        "n_videos": int(uniq.size),
        "classes": list(classes),
        "class_counts": {c: int(n) for c, n in zip(classes, counts, strict=True)},
        "class_videos": {c: len(set(g[y == i].tolist())) for i, c in enumerate(classes)},
        "cv": {
            "scheme": scheme,
            "grouped_by": "video (session)",
            "folds": n_folds,
            "repeats": len(repeats),
            "per_fold": per_fold,
        },
        "balanced_accuracy": {
            "mean": mean,
            "std": float(np.std(boot)),
            "ci95": [float(np.percentile(boot, 2.5)), float(np.percentile(boot, 97.5))],
            "per_repeat": per_repeat,
            "definition": "balanced accuracy of the pooled out-of-fold predictions, mean over repeats",
            "spread": f"std over {BOOTSTRAP_RESAMPLES} bootstrap resamples of videos per repeat",
        },
        "accuracy": {"mean": float(np.mean(accuracy))},
        "baseline": {
            "strategy": "always predict the majority class",
            "balanced_accuracy": 1.0 / k,
            "accuracy": float(counts.max() / counts.sum()),
        },
        "per_class_recall": {c: float(v) for c, v in zip(classes, recall, strict=True)},
        "confusion_matrix": {
            "labels": list(classes),
            "matrix": confusion.tolist(),
            "note": "rows: narrated emotion, columns: predicted; "
            f"summed over all folds of {len(repeats)} repeat(s)",
        },
    }


def promotion(metrics: dict[str, Any]) -> tuple[bool, str]:
    """The promotion rule: the CV balanced accuracy minus one std must beat the majority baseline."""
    ba = metrics["balanced_accuracy"]
    base = metrics["baseline"]["balanced_accuracy"]
    lower = ba["mean"] - ba["std"]
    detail = f"balanced accuracy {ba['mean']:.3f} ± {ba['std']:.3f} vs majority baseline {base:.3f}"
    if lower > base:
        return True, f"promoted: {detail} (mean − std > baseline)"
    return False, f"not promoted: {detail}; needs mean − std > baseline ({lower:.3f} ≤ {base:.3f})"


def train_model(
    features: np.ndarray,
    labels: Sequence[str],
    groups: Sequence[str],
    *,
    settings: Settings,
    run_id: str,
    feature_names: Sequence[str] = FEATURE_NAMES,
) -> PatientModel:
    """Cross-validate, then fit on all data. ``model.metrics`` holds CV scores and the promotion."""
    x = np.asarray(features, dtype=np.float64)
    if x.ndim != 2 or x.shape[1] != len(feature_names):
        raise ModelError(f"feature matrix must be (n, {len(feature_names)}), got {x.shape}.")
    metrics = cross_validate(x, labels, groups, settings=settings)
    classes = tuple(metrics["classes"])
    y = np.array([classes.index(label) for label in labels], dtype=np.int64)
    pipeline = build_pipeline(settings)
    pipeline.fit(x, y)
    importances = pipeline.named_steps["forest"].feature_importances_
    metrics["feature_importance"] = {
        "method": "mean decrease in impurity of the final forest",
        "values": {n: float(v) for n, v in zip(feature_names, importances, strict=True)},
    }
    promoted, reason = promotion(metrics)
    metrics["promotion"] = {"promoted": promoted, "reason": reason, "rule": "mean − std > baseline"}
    metrics["run_id"] = run_id
    return PatientModel(pipeline, classes, tuple(feature_names), run_id, metrics)


def dump_model(model: PatientModel) -> bytes:
    """The model as skops bytes (no pickle): the pipeline plus its class and feature names."""
    import skops.io as sio

    doc = {
        "schema": MODEL_SCHEMA,
        "pipeline": model.pipeline,
        "classes": list(model.classes),
        "feature_names": list(model.feature_names),
        "run_id": model.run_id,
    }
    return bytes(sio.dumps(doc))


def _named_types(data: bytes) -> set[str]:
    """Every ``module.Class`` the skops file names anywhere in its schema."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            schema = json.loads(zf.read("schema.json"))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise ModelError("model file is not a skops archive; retrain the model.") from exc
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if "__module__" in node and "__class__" in node:
                found.add(f"{node['__module__']}.{node['__class__']}")
            if node.get("__loader__") == "TypeNode" and isinstance(node.get("content"), dict):
                content = node["content"]
                found.add(f"{content.get('__module__')}.{content.get('__class__')}")
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schema)
    return found


def load_model(data: bytes, *, metrics: dict[str, Any] | None = None) -> PatientModel:
    """Load a model saved by :func:`dump_model`, refusing any type outside :data:`TRUSTED_TYPES`."""
    import skops.io as sio

    named = _named_types(data)
    untrusted = set(sio.get_untrusted_types(data=data))
    refused = sorted((named | untrusted) - TRUSTED_TYPES)
    if refused:
        raise UntrustedModelError(
            f"model file names untrusted types {', '.join(refused)}; it was not loaded. "
            "Only models written by 'voice train' can be loaded."
        )
    try:
        doc = sio.loads(data, trusted=sorted(untrusted))
    except Exception as exc:
        raise ModelError(f"model file cannot be read ({type(exc).__name__}); retrain the model.") from exc
    if not isinstance(doc, dict) or doc.get("schema") != MODEL_SCHEMA:
        raise ModelError(f"model file is not a {MODEL_SCHEMA} model; retrain the model.")
    return PatientModel(
        pipeline=doc["pipeline"],
        classes=tuple(doc["classes"]),
        feature_names=tuple(doc["feature_names"]),
        run_id=str(doc["run_id"]),
        metrics=metrics or {},
    )
