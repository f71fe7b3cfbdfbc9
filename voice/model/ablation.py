"""What each feature group (body, face, hands) adds to a patient's model.

The configuration the model search chose (``metrics.model_choice.chosen``) is cross-validated,
without a search, on the folds of the outer CV's first repeat (the splits depend only on the
labels and the videos): once with every group and once without each group's columns, and
``adds = balanced accuracy with every group − balanced accuracy without this one``, both on those
folds (one configuration and one repeat keep training time in bounds: it is a comparison, not the
headline score). A negative value means the model did better without the group on these samples.
The feature importances (SHAP shares) summed per group are reported beside it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from voice.config import Settings
from voice.model.evaluation import fixed_cv_balanced_accuracy
from voice.model.families import chosen_config
from voice.model.features import FEATURE_GROUPS, group_of
from voice.records.training import FeatureGroups, GroupContribution, TrainingMetrics

__all__ = ["group_contributions"]


def group_contributions(
    features: np.ndarray,
    labels: Sequence[str],
    groups: Sequence[str],
    *,
    settings: Settings,
    feature_names: Sequence[str],
    metrics: TrainingMetrics,
) -> FeatureGroups:
    """``metrics.json``'s ``feature_groups`` section (see the module docstring), from the full
    model's ``metrics`` (its chosen configuration and feature importances)."""
    config = chosen_config(metrics.model_choice.chosen if metrics.model_choice else None, settings)
    importances: Mapping[str, float] = metrics.feature_importance.values
    x = np.asarray(features, dtype=np.float64)
    member = np.array([group_of(name) for name in feature_names])
    present = [g for g in FEATURE_GROUPS if (member == g).any()]
    has_data = {g: bool(np.isfinite(x[:, member == g]).any()) for g in present}
    # every column, then without each group that has data (and leaves some columns)
    dropped = [g for g in present if has_data[g] and (member != g).any()]
    masks = [np.ones(member.size, dtype=bool)] + [member != g for g in dropped]
    scores = fixed_cv_balanced_accuracy(x, labels, groups, config=config, settings=settings, columns=masks)
    full_balanced_accuracy = scores[0]
    without_score = dict(zip(dropped, scores[1:], strict=True))
    out: dict[str, GroupContribution] = {}
    for group in present:
        cols = member == group
        without = without_score.get(group, full_balanced_accuracy)
        out[group] = GroupContribution(
            features=int(cols.sum()),
            has_data=has_data[group],
            importance=float(
                sum(importances.get(n, 0.0) for n, c in zip(feature_names, cols, strict=True) if c)
            ),
            balanced_accuracy_without=without,
            adds=full_balanced_accuracy - without,
        )
    return FeatureGroups(
        method=f"grouped CV of the chosen configuration {config.label} (no search) with every group and "
        "without each, on the folds of the outer CV's first repeat; adds = with every group − without it",
        balanced_accuracy_all=full_balanced_accuracy,
        groups=out,
    )
