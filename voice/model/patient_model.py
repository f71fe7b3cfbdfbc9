"""The per-patient model: its pipeline, its names, and its file (save and load safely, predict).

- Pipeline: median imputation (features are NaN where a body part was not seen) → standard
  scaling → a class-balanced random forest. How it is evaluated and fitted: :mod:`voice.model.evaluation`.
- Saved with skops, never pickle. Loading checks every type named in the file against
  :data:`TRUSTED_TYPES` and refuses anything else with :class:`UntrustedModelError`.
"""

from __future__ import annotations

import io
import json
import logging
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from voice.config import EMOTIONS, Settings
from voice.errors import ModelError, UntrustedModelError
from voice.records.training import TrainingMetrics

__all__ = [
    "MODEL_SCHEMA",
    "TRUSTED_TYPES",
    "PatientModel",
    "build_pipeline",
    "class_order",
    "dump_model",
    "load_model",
]

log = logging.getLogger("voice")

MODEL_SCHEMA = "voice.model/1"

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
    metrics: TrainingMetrics | None = None

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


def class_order(labels: Sequence[str]) -> tuple[str, ...]:
    present = set(labels)
    ordered = [e for e in EMOTIONS if e in present]
    return tuple(ordered + sorted(present - set(ordered)))


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


def load_model(data: bytes, *, metrics: TrainingMetrics | None = None) -> PatientModel:
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
        metrics=metrics,
    )
