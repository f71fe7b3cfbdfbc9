"""Matplotlib figures as PNG bytes (object API, Agg canvas: no pyplot state, no display needed),
and the feature-importance plot with its feature groups (body, face, hands)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["GROUP_COLORS", "feature_importance_png", "figure", "png"]

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
    ax.set_xlabel("importance (mean decrease in impurity)")
    ax.set_title(f"Top {len(order)} features")
    present = [g for g in GROUP_COLORS if g in groups]
    totals = [sum(v for v, g in zip(values, groups, strict=True) if g == name) for name in present]
    side.bar(range(len(present)), totals, color=[GROUP_COLORS[g] for g in present])
    side.set_xticks(range(len(present)), present)
    side.set_title("Summed per group")
    ax.legend(handles=[Patch(color=GROUP_COLORS[g], label=g) for g in present], loc="lower right", fontsize=8)
    return png(fig)
