"""Reports: PNG plots and one self-contained HTML file per patient (and per training run).

The patient report lives in the videos bucket at ``annotated/<patient>/report.html``, next to
the annotated videos it links to with relative links (``<session>.mp4``). Images are embedded as
base64 PNG data URIs; there are no other links, no scripts and no external resources, so the
file can be mailed or opened offline. Every string from data is HTML-escaped.
"""

from __future__ import annotations

import base64
import html
import json
import logging
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

import numpy as np
from pydantic import ValidationError

from voice import layout
from voice.config import EMOTIONS, Settings
from voice.model import gate
from voice.model.plots import feature_importance_png, figure, png
from voice.records.session import EventRecord, PredictionRecord, SessionMetadata
from voice.records.training import GateRecord, TrainingMetrics
from voice.storage import Store

__all__ = [
    "EMOTION_COLORS",
    "confusion_matrix_png",
    "feature_importance_png",
    "render_run_report",
    "timeline_png",
    "write_report",
]

log = logging.getLogger("voice")

EMOTION_COLORS: dict[str, str] = {
    "happiness": "#f2b705",
    "sadness": "#3b6fd8",
    "anger": "#d63a2f",
    "surprise": "#9b4dca",
    "neutral": "#8c8c8c",
}


def confusion_matrix_png(matrix: np.ndarray, labels: Sequence[str]) -> bytes:
    """Rows: narrated emotion; columns: predicted. Colour by row share, text the counts."""
    m = np.asarray(matrix, dtype=np.float64)
    share = m / np.maximum(m.sum(axis=1, keepdims=True), 1)
    n = len(labels)
    fig = figure(1.2 + 0.9 * n, 1.0 + 0.8 * n)
    ax = fig.add_subplot()
    im = ax.imshow(share, cmap="Blues", vmin=0, vmax=1)
    for i in range(n):
        for j in range(n):
            ax.text(
                j,
                i,
                f"{int(m[i, j])}",
                ha="center",
                va="center",
                color="white" if share[i, j] > 0.5 else "black",
            )
    ax.set_xticks(range(n), labels, rotation=30, ha="right")
    ax.set_yticks(range(n), labels)
    ax.set_xlabel("predicted")
    ax.set_ylabel("narrated")
    ax.set_title("Grouped CV confusion matrix")
    fig.colorbar(im, ax=ax, fraction=0.046, label="share of row")
    return png(fig)


def timeline_png(
    events: Sequence[EventRecord], predictions: Sequence[PredictionRecord], duration_s: float
) -> bytes:
    """One video: narrated events (markers; hollow = not a label: negated or ignored) above
    predicted windows (bars)."""
    from matplotlib.patches import Patch

    fig = figure(9.0, 2.0)
    ax = fig.add_subplot()
    for p in predictions:
        label = p.label
        prob = p.probabilities.get(label, 1.0)
        ax.barh(
            0,
            p.end - p.start,
            left=p.start,
            height=0.6,
            color=EMOTION_COLORS.get(label, "#444444"),
            alpha=0.25 + 0.65 * prob,
            edgecolor="none",
        )
    for e in events:
        color = EMOTION_COLORS.get(e.emotion, "#444444")
        ax.plot(
            e.time, 1, marker="v", markersize=11,
            markerfacecolor=color if e.counts else "none", markeredgecolor=color, linestyle="none",
        )  # fmt: skip
    ax.set_yticks([0, 1], ["predicted", "narrated"])
    ax.set_ylim(-0.6, 1.6)
    ax.set_xlim(0, max(duration_s, 1.0))
    ax.set_xlabel("time (s)")
    used = sorted({e.emotion for e in events} | {p.label for p in predictions})
    handles = [Patch(color=EMOTION_COLORS[e], label=e) for e in EMOTIONS if e in used]
    if handles:
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False, fontsize=8)
    return png(fig)


# --- HTML --------------------------------------------------------------------------------------

_CSS = """
body{font-family:system-ui,sans-serif;margin:2em auto;max-width:1000px;color:#222;padding:0 1em}
table{border-collapse:collapse;margin:0.5em 0}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left}
th{background:#f3f3f3}img{max-width:100%}.note{color:#666;font-size:0.9em}
"""


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _img(png: bytes, alt: str) -> str:
    return f'<img alt="{_e(alt)}" src="data:image/png;base64,{base64.b64encode(png).decode()}">'


def _table(rows: Sequence[Sequence[object]], header: Sequence[str], *, table_id: str | None = None) -> str:
    tid = f' id="{_e(table_id)}"' if table_id else ""
    head = "".join(f"<th>{_e(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{_e(c)}</td>" for c in row) + "</tr>" for row in rows)
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
    note = f'<p class="note">{_e(ba.definition)}; spread: {_e(ba.spread)}.</p>'
    return _table(rows, ["metric", "value"], table_id="metrics") + note


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
    note = f"<p class='note'>With every group: {info.balanced_accuracy_all:.3f}. {_e(info.method)}.</p>"
    return _table(rows, head, table_id="feature-groups") + note


def _coverage_section(counts: Mapping[str, int], videos: Mapping[str, int], trained: Sequence[str]) -> str:
    rows = [[e, counts.get(e, 0), videos.get(e, 0), "yes" if e in trained else "no"] for e in EMOTIONS]
    return _table(rows, ["emotion", "samples", "videos", "in the model"], table_id="coverage")


def _sessions_section(sessions: Mapping[str, Any]) -> str:
    rows = []
    for emotion, per_session in sessions.get("per_class", {}).items():
        for session, prefixes in per_session.items():
            rows.append([emotion, session, len(prefixes)])
    return _table(rows, ["emotion", "video (session)", "samples"], table_id="sessions")


def _page(title: str, sections: Sequence[tuple[str, str]]) -> str:
    body = "".join(f"<h2>{_e(h)}</h2>\n{content}\n" for h, content in sections)
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{_e(title)}</title><style>{_CSS}</style></head>\n"
        f"<body><h1>{_e(title)}</h1>\n{body}</body></html>\n"
    )


def render_run_report(
    patient: str, metrics: TrainingMetrics, files: Mapping[str, bytes], *, settings: Settings
) -> str:
    """The HTML of one training run (``report.html`` among the run's artifacts)."""
    gate_info = metrics.gate or GateRecord(train=True, reasons=[], counts=metrics.class_counts)
    sessions = json.loads(files["training_sessions.json"]) if "training_sessions.json" in files else {}
    sections = [
        ("Data coverage", _coverage_section(gate_info.counts, gate_info.sessions, metrics.classes)),
        ("Training metrics", _metrics_section(metrics)),
        ("What each feature group adds", _groups_section(metrics)),
    ]
    if "confusion_matrix.png" in files:
        sections.append(("Confusion matrix", _img(files["confusion_matrix.png"], "confusion matrix")))
    if "feature_importance.png" in files:
        sections.append(("Feature importance", _img(files["feature_importance.png"], "feature importance")))
    if sessions:
        sections.append(("Videos used", _sessions_section(sessions)))
    return _page(f"VOICE training run {metrics.run_id} — {patient}", sections)


def _read_json(store: Store, bucket: str, key: str) -> Any:
    return json.loads(store.read(bucket, key))


def _report_run(store: Store, patient: str) -> tuple[str | None, bool]:
    """The run to report: the promoted one, else the newest run. (run_id, promoted)."""
    latest = layout.latest_model_key(patient)
    if store.exists(layout.PATIENTS, latest):
        return str(_read_json(store, layout.PATIENTS, latest)["run_id"]), True
    prefix = layout.models_prefix(patient)
    runs = sorted(
        {
            o.key[len(prefix) :].split("/", 1)[0]
            for o in store.list(layout.PATIENTS, prefix)
            if o.key.endswith("/metrics.json")
        }
    )
    return (runs[-1], False) if runs else (None, False)


def _timelines_section(store: Store, patient: str) -> str:
    prefix = layout.annotated_prefix(patient)
    parts = []
    for obj in store.list(layout.VIDEOS, prefix):
        rest = obj.key[len(prefix) :]
        if "/" in rest or not rest.endswith("_metadata.json"):
            continue
        try:
            meta = SessionMetadata.model_validate_json(store.read(layout.VIDEOS, obj.key))
        except ValidationError:
            log.warning("unreadable session metadata skipped in the report")
            continue
        session = meta.session
        events, predictions = meta.events, meta.predictions
        duration = meta.video.duration_s or max(
            [e.time for e in events] + [p.end for p in predictions], default=1.0
        )
        link = _e(session)
        if store.exists(layout.VIDEOS, layout.annotated_video_key(patient, session)):
            link = f'<a href="{_e(quote(session))}.mp4">{_e(session)}</a>'
        narrated = sum(1 for e in events if e.counts)
        parts.append(
            f"<h3>{link}</h3><p class='note'>{narrated} narrated event(s), {len(predictions)} predicted "
            f"window(s){'' if predictions else ' (no promoted model when it was processed)'}.</p>"
            + _img(timeline_png(events, predictions, duration), f"timeline of {session}")
        )
    return "\n".join(parts) if parts else "<p>No processed videos yet.</p>"


def write_report(store: Store, patient: str, *, settings: Settings) -> str:
    """Write the patient's self-contained HTML report; returns where it is (a path or an s3:// URL).

    Saved in the videos bucket as ``annotated/<patient>/report.html``, so the relative links to
    the annotated videos (``<session>.mp4``) work both locally and when downloaded from S3.
    """
    patient = layout.stored_name(patient, what="patient name")
    listing = [o.key for o in store.list(layout.PATIENTS, layout.patient_prefix(patient))]
    samples = gate.samples_from_listing(listing)
    counts: dict[str, int] = {}
    videos: dict[str, set[str]] = {}
    for s in samples:
        counts[s.emotion] = counts.get(s.emotion, 0) + 1
        videos.setdefault(s.emotion, set()).add(s.session)

    run_id, promoted = _report_run(store, patient)
    metrics = None
    if run_id is not None:
        key = layout.model_artifact_key(patient, run_id, "metrics.json")
        try:
            metrics = TrainingMetrics.model_validate_json(store.read(layout.PATIENTS, key))
        except ValidationError:
            log.warning("a run's metrics are not readable; the report leaves them out")
    trained = metrics.classes if metrics is not None else []
    sections = [("Data coverage", _coverage_section(counts, {e: len(v) for e, v in videos.items()}, trained))]
    if run_id is None or metrics is None:
        why = "No training run yet" if run_id is None else "The newest run's metrics cannot be read"
        sections.append(("Model", f"<p>{why}: run <code>voice train</code>.</p>"))
    else:
        status = (
            "promoted model" if promoted else "newest run; NOT promoted (no model is used for predictions)"
        )
        sections.append(
            (
                "Training metrics",
                f"<p>Run <code>{_e(run_id)}</code> ({_e(status)}).</p>" + _metrics_section(metrics),
            )
        )
        sections.append(("What each feature group adds", _groups_section(metrics)))
        for name, title in (
            ("confusion_matrix.png", "Confusion matrix"),
            ("feature_importance.png", "Feature importance"),
        ):
            key = layout.model_artifact_key(patient, run_id, name)
            if store.exists(layout.PATIENTS, key):
                sections.append((title, _img(store.read(layout.PATIENTS, key), title)))
        key = layout.model_artifact_key(patient, run_id, "training_sessions.json")
        if store.exists(layout.PATIENTS, key):
            sections.append(
                ("Videos used for training", _sessions_section(_read_json(store, layout.PATIENTS, key)))
            )
    sections.append(("Emotion timelines per video", _timelines_section(store, patient)))
    page = _page(f"VOICE report — {patient}", sections)
    out = layout.patient_report_key(patient)
    store.write(layout.VIDEOS, out, page.encode(), content_type="text/html; charset=utf-8")
    return store.describe(layout.VIDEOS, out)
