"""Matplotlib figures as PNG bytes (object API, Agg canvas: no pyplot state, no display needed):
the feature-importance plot with its feature groups (body, face, hands), the reliability plot of
the calibration, the model families' outer scores."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from voice.records.training import Calibration, ModelChoice

__all__ = ["GROUP_COLORS", "families_png", "feature_importance_png", "figure", "png", "reliability_png"]

#: Bar colour of each feature group in the importance plot.
GROUP_COLORS: dict[str, str] = {"body": "#3b6fd8", "face": "#e07b39", "hands": "#3a9d5d"}


def figure(width: float, height: float) -> Any:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=100)
    FigureCanvasAgg(fig)
    return fig


def png(fig: Any) -> bytes:
    import io

    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight", metadata={"Software": None})
    return buf.getvalue()


def feature_importance_png(
    names: Sequence[str], values: Sequence[float], *, groups: Sequence[str] | None = None, top: int = 20
) -> bytes:
    """The ``top`` most important features, largest on top, coloured by group; beside them each
    group's summed importance."""
    from matplotlib.patches import Patch

    groups = list(groups) if groups is not None else ["body"] * len(names)
    order = np.argsort(np.asarray(values, dtype=np.float64))[::-1][:top]
    fig = figure(9.5, 0.8 + 0.28 * max(len(order), 6))
    ax, side = fig.subplots(1, 2, gridspec_kw={"width_ratios": [3, 1], "wspace": 0.6})
    colors = [GROUP_COLORS.get(groups[i], "#444444") for i in order]
    ax.barh(range(len(order)), [values[i] for i in order], color=colors)
    ax.set_yticks(range(len(order)), [names[i] for i in order])
    ax.invert_yaxis()
    ax.set_xlabel("importance (mean share of |SHAP|, out-of-fold samples)")
    ax.set_title(f"Top {len(order)} features")
    present = [g for g in GROUP_COLORS if g in groups]
    totals = [sum(v for v, g in zip(values, groups, strict=True) if g == name) for name in present]
    side.bar(range(len(present)), totals, color=[GROUP_COLORS[g] for g in present])
    side.set_xticks(range(len(present)), present)
    side.set_title("Summed per group")
    ax.legend(handles=[Patch(color=GROUP_COLORS[g], label=g) for g in present], loc="lower right", fontsize=8)
    return png(fig)


def reliability_png(calibration: Calibration) -> bytes:
    """How often the model was right against how sure it was (out-of-fold, calibrated), the
    "unsure" threshold, and how many predictions fall in each bin."""
    fig = figure(5.5, 5.0)
    ax, hist = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [3, 1], "hspace": 0.08})
    ax.plot([0, 1], [0, 1], color="#999999", linestyle="--", linewidth=1, label="perfectly calibrated")
    used = [b for b in calibration.bins if b.count and b.confidence is not None and b.accuracy is not None]
    ax.plot(
        [b.confidence for b in used], [b.accuracy for b in used], marker="o", color="#3b6fd8", label="model"
    )
    for a in (ax, hist):
        a.axvline(calibration.unsure_below, color="#d63a2f", linewidth=1)
    ax.text(calibration.unsure_below, 0.02, " unsure below", color="#d63a2f", fontsize=8)
    ax.set_ylim(0, 1.02)
    ax.set_ylabel("share right")
    ax.set_title(f"Reliability (ECE {calibration.ece:.3f}, Brier {calibration.brier:.3f})")
    ax.legend(loc="upper left", fontsize=8, frameon=False)
    centres = [(b.lower + b.upper) / 2 for b in calibration.bins]
    hist.bar(centres, [b.count for b in calibration.bins], width=0.09, color="#8c8c8c")
    hist.set_xlim(0, 1)
    hist.set_xlabel("top probability (calibrated)")
    hist.set_ylabel("predictions")
    return png(fig)


def families_png(choice: ModelChoice, baseline: float) -> bytes:
    """Each family's nested-CV outer balanced accuracy against the majority baseline."""
    names = list(choice.families)
    values = [choice.families[n].balanced_accuracy for n in names]
    fig = figure(5.0, 2.4)
    ax = fig.add_subplot()
    colors = ["#3b6fd8" if n == choice.chosen_family else "#9bb5ea" for n in names]
    ax.barh(range(len(names)), values, color=colors)
    ax.set_yticks(range(len(names)), names)
    ax.invert_yaxis()
    ax.axvline(baseline, color="#d63a2f", linewidth=1)
    ax.set_xlim(0, 1)
    ax.set_xlabel("balanced accuracy (nested CV, outer folds); red: majority baseline")
    return png(fig)
