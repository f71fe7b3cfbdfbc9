"""The HTML pieces of the reports: escaping, tables, inline images, and the sections that show a
training run's metrics (scores, how the model was chosen, calibration, feature groups)."""

from __future__ import annotations

import base64
import html
from collections.abc import Mapping, Sequence
from typing import Any

from voice.config import EMOTIONS
from voice.model.plots import families_png, reliability_png
from voice.records.training import TrainingMetrics

__all__ = [
    "coverage_section",
    "e",
    "img",
    "page",
    "run_sections",
    "sessions_section",
    "table",
]

_CSS = """
body{font-family:system-ui,sans-serif;margin:2em auto;max-width:1000px;color:#222;padding:0 1em}
table{border-collapse:collapse;margin:0.5em 0}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left}
th{background:#f3f3f3}img{max-width:100%}.note{color:#666;font-size:0.9em}
"""


def e(value: object) -> str:
    return html.escape(str(value), quote=True)


def img(png: bytes, alt: str) -> str:
    return f'<img alt="{e(alt)}" src="data:image/png;base64,{base64.b64encode(png).decode()}">'


def table(rows: Sequence[Sequence[object]], header: Sequence[str], *, table_id: str | None = None) -> str:
    tid = f' id="{e(table_id)}"' if table_id else ""
    head = "".join(f"<th>{e(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{e(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table{tid}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _metrics_section(metrics: TrainingMetrics) -> str:
    ba, base, cv = metrics.balanced_accuracy, metrics.baseline, metrics.cv
    rows: list[list[object]] = [
        ["cross-validation", f"{cv.scheme}, {cv.folds} folds × {cv.repeats} repeat(s), grouped by video"],
        ["samples / videos", f"{metrics.n_samples} / {metrics.n_videos}"],
        [
            "balanced accuracy",
            f"{ba.mean:.3f} ± {ba.std:.3f} (95% CI {ba.ci95[0]:.3f}–{ba.ci95[1]:.3f})",
        ],
        ["majority baseline (balanced accuracy)", f"{base.balanced_accuracy:.3f}"],
        ["accuracy", f"{metrics.accuracy.mean:.3f}"],
        ["majority baseline (accuracy)", f"{base.accuracy:.3f}"],
    ]
    rows += [[f"recall: {c}", f"{r:.3f}"] for c, r in metrics.per_class_recall.items()]
    rows.append(["promoted", metrics.promotion.reason])
    note = f'<p class="note">{e(ba.definition)}; spread: {e(ba.spread)}.</p>'
    return table(rows, ["metric", "value"], table_id="metrics") + note


def _groups_section(metrics: TrainingMetrics) -> str:
    """What each feature group adds: grouped CV with and without it, on the same folds."""
    info = metrics.feature_groups
    if info is None:
        return "<p>This run was trained before feature groups were reported.</p>"
    rows = [
        [g, v.features, f"{v.importance:.2f}", f"{v.balanced_accuracy_without:.3f}", f"{v.adds:+.3f}"]
        + ([] if v.has_data else ["(no data: never seen)"])
        for g, v in info.groups.items()
    ]
    head = ["group", "features", "summed importance", "balanced accuracy without it", "adds"]
    note = f"<p class='note'>With every group: {info.balanced_accuracy_all:.3f}. {e(info.method)}.</p>"
    return table(rows, head, table_id="feature-groups") + note


def _choice_section(metrics: TrainingMetrics) -> str:
    """Every family's outer score beside the chosen model's, and the final search's configurations."""
    choice = metrics.model_choice
    if choice is None:
        return "<p>This run was trained before the model was chosen by nested CV (a random forest).</p>"
    base = metrics.baseline.balanced_accuracy
    rows: list[list[object]] = [
        [f, f"{v.balanced_accuracy:.3f}", v.chosen_in_folds, "yes" if f == choice.chosen_family else ""]
        for f, v in choice.families.items()
    ]
    families = table(
        rows,
        ["family", "balanced accuracy (outer folds)", "outer folds that chose it", "final model"],
        table_id="families",
    )
    configs = table(
        [
            [
                c.model,
                "—" if c.balanced_accuracy is None else f"{c.balanced_accuracy:.3f}",
                "—" if c.log_loss is None else f"{c.log_loss:.3f}",
                "chosen" if c.model == choice.chosen else "",
            ]
            for c in choice.configurations
        ],
        ["configuration", "inner balanced accuracy (all samples)", "inner log loss", ""],
        table_id="configurations",
    )
    note = (
        f"<p class='note'>The reported score ({metrics.balanced_accuracy.mean:.3f}) is the nested CV's outer "
        f"score of choosing the model this way, not the best of these numbers; majority baseline {base:.3f}. "
        f"{e(choice.method)}. Inner CV: {e(choice.inner_cv)}.</p>"
    )
    return (
        f"<p>The model: <code>{e(choice.chosen)}</code>.</p>"
        + families
        + img(families_png(choice, base), "each family's outer score")
        + note
        + "<h3>Configurations searched (final search, over all samples)</h3>"
        + configs
    )


def _calibration_section(metrics: TrainingMetrics) -> str:
    cal = metrics.calibration
    if cal is None:
        return "<p>This run was trained before its probabilities were calibrated.</p>"
    rows: list[list[object]] = [
        ["Brier score (calibrated / raw)", f"{cal.brier:.3f} / {cal.brier_uncalibrated:.3f}"],
        ["expected calibration error (calibrated / raw)", f"{cal.ece:.3f} / {cal.ece_uncalibrated:.3f}"],
        ["temperature of the final model", f"{cal.temperature:.2f}"],
        ["unsure below (top probability)", f"{cal.unsure_below:.2f}"],
        ["out-of-fold predictions that are unsure", f"{cal.unsure_share:.0%}"],
    ]
    note = (
        f"<p class='note'>A window whose top probability is below {cal.unsure_below:.2f} is shown as "
        f"<b>unsure</b>, never as a label: from that probability on the out-of-fold predictions are right "
        f"at least {cal.target_accuracy:.0%} of the time. {e(cal.method)}; {e(cal.definition)}.</p>"
    )
    return (
        table(rows, ["calibration", "value"], table_id="calibration")
        + img(reliability_png(cal), "reliability plot")
        + note
    )


def run_sections(metrics: TrainingMetrics) -> list[tuple[str, str]]:
    """The sections every report shows about a run: scores, model choice, calibration, groups."""
    return [
        ("Training metrics", _metrics_section(metrics)),
        ("How the model was chosen", _choice_section(metrics)),
        ("How sure the model is", _calibration_section(metrics)),
        ("What each feature group adds", _groups_section(metrics)),
    ]


def coverage_section(counts: Mapping[str, int], videos: Mapping[str, int], trained: Sequence[str]) -> str:
    rows = [[m, counts.get(m, 0), videos.get(m, 0), "yes" if m in trained else "no"] for m in EMOTIONS]
    return table(rows, ["emotion", "samples", "videos", "in the model"], table_id="coverage")


def sessions_section(sessions: Mapping[str, Any]) -> str:
    rows = []
    for emotion, per_session in sessions.get("per_class", {}).items():
        for session, prefixes in per_session.items():
            rows.append([emotion, session, len(prefixes)])
    return table(rows, ["emotion", "video (session)", "samples"], table_id="sessions")


def page(title: str, sections: Sequence[tuple[str, str]]) -> str:
    body = "".join(f"<h2>{e(h)}</h2>\n{content}\n" for h, content in sections)
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{e(title)}</title><style>{_CSS}</style></head>\n"
        f"<body><h1>{e(title)}</h1>\n{body}</body></html>\n"
    )
