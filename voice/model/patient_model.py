"""The per-patient model: its pipeline, its names, and its file (save and load safely, predict).

- Pipeline: median imputation (features are NaN where a body part was not seen) → standard
  scaling → the chosen family's class-balanced estimator (:mod:`voice.model.families`: random
  forest, histogram gradient boosting or logistic regression). How it is chosen, evaluated and
  fitted: :mod:`voice.model.evaluation`. Its probabilities are calibrated by ``temperature``; a
  window whose top probability is below ``unsure_below`` is "unsure" (:mod:`voice.model.calibration`).
- Saved with skops, never pickle. Loading checks every type named in the file against
  :data:`TRUSTED_TYPES` and refuses anything else with :class:`UntrustedModelError`. Files of
  ``voice.model/1`` (a forest, no calibration) still load: temperature 1, never unsure.
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

from voice.config import EMOTIONS
from voice.errors import ModelError, UntrustedModelError
from voice.records.training import OutOfFold, TrainingMetrics

__all__ = [
    "MODEL_SCHEMA",
    "TRUSTED_TYPES",
    "PatientModel",
    "class_order",
    "dump_model",
    "load_model",
]

log = logging.getLogger("voice")

MODEL_SCHEMA = "voice.model/2"
#: Older model files this version still loads.
READABLE_SCHEMAS = frozenset({"voice.model/1", MODEL_SCHEMA})

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
        # Logistic regression: coefficients and intercepts only.
        "sklearn.linear_model._logistic.LogisticRegression",
        # Histogram gradient boosting: its trees, bin edges, loss and link, label encoder and the
        # random generator it keeps; all sklearn/numpy data holders rebuilt by skops' own loaders
        # (binary models name the binomial loss, others the multinomial one).
        "sklearn.ensemble._hist_gradient_boosting.gradient_boosting.HistGradientBoostingClassifier",
        "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
        "sklearn.ensemble._hist_gradient_boosting.binning._BinMapper",
        "sklearn._loss.loss.HalfBinomialLoss",
        "sklearn._loss.loss.HalfMultinomialLoss",
        "sklearn._loss._loss.CyHalfBinomialLoss",
        "sklearn._loss._loss.CyHalfMultinomialLoss",
        "sklearn._loss.link.LogitLink",
        "sklearn._loss.link.MultinomialLogit",
        "sklearn._loss.link.Interval",
        "sklearn.preprocessing._label.LabelEncoder",
        "numpy.random._generator.Generator",
        "numpy.uint64",
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
    #: Calibration: probabilities are ``softmax(log p / temperature)``.
    temperature: float = 1.0
    #: A top probability below this is "unsure" (0: never).
    unsure_below: float = 0.0
    #: The configuration (``forest(min_samples_leaf=1)``); not saved for models before nested CV.
    config: str = "forest"
    #: The run's out-of-fold predictions and attributions (a run artifact, not in the model file).
    out_of_fold: OutOfFold | None = None

    def _rows(self, features: np.ndarray) -> np.ndarray:
        x = np.atleast_2d(np.asarray(features, dtype=np.float64))
        if x.shape[1] != len(self.feature_names):
            raise ModelError(
                f"model expects {len(self.feature_names)} features, got {x.shape[1]}; "
                "retrain the model with this version of VOICE."
            )
        return x

    def predict_proba(self, features: np.ndarray) -> np.ndarray:
        """(n, n_classes) calibrated probabilities, columns in :attr:`classes` order."""
        from voice.model.calibration import apply_temperature
        from voice.model.families import probabilities

        raw = probabilities(self.pipeline, self._rows(features), len(self.classes))
        return raw if self.temperature == 1.0 else apply_temperature(raw, self.temperature)

    def predict(self, features: np.ndarray) -> list[str]:
        return [self.classes[i] for i in self.predict_proba(features).argmax(axis=1)]

    def unsure(self, proba: np.ndarray) -> np.ndarray:
        """Which rows of calibrated ``proba`` are unsure (top probability below the threshold)."""
        return np.asarray(np.atleast_2d(proba).max(axis=1) < self.unsure_below)

    def attributions(self, features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """SHAP values (n, features, classes) of ``features`` and the rows as the model sees them
        after imputation and scaling (above 0: above the patient's usual)."""
        from voice.model.explain import attributions

        x = self._rows(features)
        return attributions(self.pipeline, x, len(self.classes)), np.asarray(self.pipeline[:-1].transform(x))


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
        "calibration": {"temperature": float(model.temperature), "unsure_below": float(model.unsure_below)},
        "config": model.config,
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
    if not isinstance(doc, dict) or doc.get("schema") not in READABLE_SCHEMAS:
        raise ModelError(f"model file is not a {MODEL_SCHEMA} model; retrain the model.")
    calibration = doc.get("calibration") or {}
    return PatientModel(
        pipeline=doc["pipeline"],
        classes=tuple(doc["classes"]),
        feature_names=tuple(doc["feature_names"]),
        run_id=str(doc["run_id"]),
        metrics=metrics,
        temperature=float(calibration.get("temperature", 1.0)),
        unsure_below=float(calibration.get("unsure_below", 0.0)),
        config=str(doc.get("config", "forest")),
    )
