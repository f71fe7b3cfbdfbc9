"""A training run's ``metrics.json`` and ``out_of_fold.json`` (``docs/design.md``, "Training
artifacts").

:mod:`voice.model.evaluation` fills the cross-validation part (nested CV, model choice,
calibration) and the out-of-fold file, :mod:`voice.model.training` the rest; the report, the
promotion rule and the cloud's promote step read them.
"""

from __future__ import annotations

from typing import Final, Literal

from pydantic import Field

from voice.records.base import Record
from voice.records.reviews import LabelSummary

__all__ = [
    "OUT_OF_FOLD_SCHEMA",
    "Accuracy",
    "BalancedAccuracy",
    "Baseline",
    "Calibration",
    "ConfigScore",
    "ConfusionMatrix",
    "CrossValidation",
    "CvScheme",
    "FamilyScore",
    "FeatureCounts",
    "FeatureGroups",
    "FeatureImportance",
    "FoldRecord",
    "GateRecord",
    "GroupContribution",
    "ModelChoice",
    "OutOfFold",
    "OutOfFoldPrediction",
    "OutOfFoldSample",
    "Promotion",
    "ReliabilityBin",
    "TrainingMetrics",
]

OUT_OF_FOLD_SCHEMA: Final = "voice.out_of_fold/1"


class BalancedAccuracy(Record):
    mean: float
    std: float
    ci95: tuple[float, float]
    per_repeat: list[float]
    definition: str
    spread: str


class Accuracy(Record):
    mean: float


class Baseline(Record):
    strategy: str
    balanced_accuracy: float
    accuracy: float


class ConfusionMatrix(Record):
    """Rows: narrated emotion, columns: predicted; ``labels`` in row/column order."""

    labels: list[str]
    matrix: list[list[int]]
    note: str


class FoldRecord(Record):
    """One test fold: its size, videos and classes; balanced accuracy when it holds two classes."""

    repeat: int
    fold: int
    n_test: int
    test_videos: int
    test_classes: list[str]
    accuracy: float
    balanced_accuracy: float | None = None
    #: The configuration the inner search chose in this fold (runs before nested CV: none).
    model: str | None = None


class CvScheme(Record):
    scheme: str
    grouped_by: str
    folds: int
    repeats: int
    per_fold: list[FoldRecord]


class ConfigScore(Record):
    """One configuration of the final search (inner grouped CV over every sample)."""

    model: str
    family: str
    params: dict[str, int | float | str]
    balanced_accuracy: float | None
    log_loss: float | None


class FamilyScore(Record):
    """One family's nested-CV outer score: its inner-chosen configuration refitted on each outer
    training part, scored on the outer test parts (mean over repeats), and how many outer folds
    chose it as the model."""

    balanced_accuracy: float
    per_repeat: list[float]
    chosen_in_folds: int


class ModelChoice(Record):
    """How the model was chosen (:mod:`voice.model.selection`): every family's outer score, the
    final search's configurations, and the configuration the final model uses."""

    method: str
    inner_cv: str
    families: dict[str, FamilyScore]
    configurations: list[ConfigScore]
    chosen: str
    chosen_family: str


class ReliabilityBin(Record):
    """One bin of the top probability: its edges, its predictions, how sure and how right."""

    lower: float
    upper: float
    count: int
    confidence: float | None
    accuracy: float | None


class Calibration(Record):
    """How far the probabilities can be trusted (:mod:`voice.model.calibration`), on the nested
    CV's out-of-fold predictions, and the "unsure" threshold set from them."""

    method: str
    temperature: float
    brier: float
    brier_uncalibrated: float
    ece: float
    ece_uncalibrated: float
    bins: list[ReliabilityBin]
    unsure_below: float
    target_accuracy: float
    unsure_share: float
    definition: str


class CrossValidation(Record):
    """Grouped cross-validation of one training set (:func:`voice.model.evaluation.cross_validate`):
    the nested CV's outer scores of the chosen model; how it was chosen and how well calibrated
    (absent in runs from before nested CV)."""

    n_samples: int
    n_videos: int
    classes: list[str]
    class_counts: dict[str, int]
    class_videos: dict[str, int]
    cv: CvScheme
    balanced_accuracy: BalancedAccuracy
    accuracy: Accuracy
    baseline: Baseline
    per_class_recall: dict[str, float]
    confusion_matrix: ConfusionMatrix
    model_choice: ModelChoice | None = None
    calibration: Calibration | None = None


class FeatureImportance(Record):
    method: str
    values: dict[str, float]


class Promotion(Record):
    promoted: bool
    reason: str
    rule: str


class GateRecord(Record):
    """The gate's decision that started the run (:class:`voice.model.gate.GateDecision`)."""

    train: bool
    reasons: list[str]
    counts: dict[str, int]
    sessions: dict[str, int] = Field(default_factory=dict)
    emotions: list[str] = Field(default_factory=list)


class FeatureCounts(Record):
    count: int
    groups: dict[str, int]
    doc: str


class GroupContribution(Record):
    """One feature group: its size, whether any sample had data for it, its summed importance,
    grouped CV without it, and what it adds (with every group − without it)."""

    features: int
    has_data: bool
    importance: float
    balanced_accuracy_without: float
    adds: float


class FeatureGroups(Record):
    method: str
    balanced_accuracy_all: float
    groups: dict[str, GroupContribution]


class TrainingMetrics(CrossValidation):
    """``metrics.json``: the cross-validation, the final forest's importances, the promotion, the
    run id; and, from the training job, the gate's decision, the time, the feature counts, what
    each feature group adds, and where the labels came from (``labels``: the trained labels by how
    they stand, and the sessions' rejected, ignored, conflicting labels and orphaned reviews;
    ``docs/labels.md``) — absent in runs made without the job, e.g. by a test."""

    feature_importance: FeatureImportance
    promotion: Promotion
    run_id: str
    gate: GateRecord | None = None
    trained_at: str | None = None
    features: FeatureCounts | None = None
    feature_groups: FeatureGroups | None = None
    labels: LabelSummary | None = None


class OutOfFoldPrediction(Record):
    """A sample's prediction by a model that never saw its video (one per repeat of the outer
    CV): the outer fold, the configuration chosen there, the label and calibrated probabilities."""

    repeat: int
    fold: int
    model: str
    label: str
    probabilities: dict[str, float]
    unsure: bool


class OutOfFoldSample(Record):
    """One training sample: which it is, its narrated emotion, its out-of-fold predictions, and
    (first repeat) its SHAP attributions towards each class, one per feature in ``feature_names``
    order, in ``attribution_space`` units."""

    sample: str
    session: str
    emotion: str
    predictions: list[OutOfFoldPrediction]
    attribution_space: Literal["probability", "log-odds", "none"]
    attributions: dict[str, list[float]]


class OutOfFold(Record):
    """``out_of_fold.json`` of a training run: every sample's out-of-fold predictions and
    attributions (``docs/design.md``, "Training artifacts")."""

    schema_: Literal["voice.out_of_fold/1"] = Field(OUT_OF_FOLD_SCHEMA, alias="schema")
    run_id: str
    classes: list[str]
    feature_names: list[str]
    unsure_below: float
    definition: str
    samples: list[OutOfFoldSample]
