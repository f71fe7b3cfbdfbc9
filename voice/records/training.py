"""A training run's ``metrics.json`` (``docs/design.md``, "Training artifacts").

:mod:`voice.model.evaluation` fills the cross-validation part, :mod:`voice.model.training` the
rest; the report, the promotion rule and the cloud's promote step read it.
"""

from __future__ import annotations

from pydantic import Field

from voice.records.base import Record
from voice.records.reviews import LabelSummary

__all__ = [
    "Accuracy",
    "BalancedAccuracy",
    "Baseline",
    "ConfusionMatrix",
    "CrossValidation",
    "CvScheme",
    "FeatureCounts",
    "FeatureGroups",
    "FeatureImportance",
    "FoldRecord",
    "GateRecord",
    "GroupContribution",
    "Promotion",
    "TrainingMetrics",
]


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


class CvScheme(Record):
    scheme: str
    grouped_by: str
    folds: int
    repeats: int
    per_fold: list[FoldRecord]


class CrossValidation(Record):
    """Grouped cross-validation of one training set (:func:`voice.model.evaluation.cross_validate`)."""

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
