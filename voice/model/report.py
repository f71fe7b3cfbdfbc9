"""Reports: PNG plots and one self-contained HTML file per patient (and per training run).

The patient report lives in the videos bucket at ``annotated/<patient>/report.html``, next to
the annotated videos it links to with relative links (``<session>.mp4``). Images are embedded as
base64 PNG data URIs; there are no other links, no scripts and no external resources, so the
file can be mailed or opened offline. Every string from data is HTML-escaped.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import numpy as np
from pydantic import ValidationError

from voice import layout
from voice.config import EMOTIONS, Settings
from voice.model import gate
from voice.model.plots import feature_importance_png, figure, png
from voice.model.registry import shown_run
from voice.model.report_sections import coverage_section, img, page, run_sections, sessions_section
from voice.model.report_sections import e as escape
from voice.records.session import EventRecord, PredictionRecord, SessionMetadata
from voice.records.stored import session_metadata
from voice.records.training import GateRecord, TrainingMetrics
from voice.storage import Store

__all__ = [
    "EMOTION_COLORS",
    "UNSURE_COLOR",
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


#: Prediction windows the model is unsure of (hatched, no emotion's colour).
UNSURE_COLOR = "#b0b0b0"


def timeline_png(
    events: Sequence[EventRecord], predictions: Sequence[PredictionRecord], duration_s: float
) -> bytes:
    """One video: narrated events (markers; hollow = not a label: negated or ignored) above
    predicted windows (bars; hatched grey: unsure)."""
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
            color=UNSURE_COLOR if p.unsure else EMOTION_COLORS.get(label, "#444444"),
            alpha=0.35 if p.unsure else 0.25 + 0.65 * prob,
            hatch="//" if p.unsure else None,
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
    used = sorted({e.emotion for e in events} | {p.label for p in predictions if not p.unsure})
    handles = [Patch(color=EMOTION_COLORS[e], label=e) for e in EMOTIONS if e in used]
    if any(p.unsure for p in predictions):
        handles.append(Patch(facecolor=UNSURE_COLOR, alpha=0.35, hatch="//", label="unsure"))
    if handles:
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False, fontsize=8)
    return png(fig)


def render_run_report(
    patient: str, metrics: TrainingMetrics, files: Mapping[str, bytes], *, settings: Settings
) -> str:
    """The HTML of one training run (``report.html`` among the run's artifacts)."""
    gate_info = metrics.gate or GateRecord(train=True, reasons=[], counts=metrics.class_counts)
    sessions = json.loads(files["training_sessions.json"]) if "training_sessions.json" in files else {}
    sections = [
        ("Data coverage", coverage_section(gate_info.counts, gate_info.sessions, metrics.classes)),
        *run_sections(metrics),
    ]
    if "confusion_matrix.png" in files:
        sections.append(("Confusion matrix", img(files["confusion_matrix.png"], "confusion matrix")))
    if "feature_importance.png" in files:
        sections.append(("Feature importance", img(files["feature_importance.png"], "feature importance")))
    if sessions:
        sections.append(("Videos used", sessions_section(sessions)))
    return page(f"VOICE training run {metrics.run_id} — {patient}", sections)


def _read_json(store: Store, bucket: str, key: str) -> Any:
    return json.loads(store.read(bucket, key))


def _recording_order(meta: SessionMetadata) -> tuple[int, str, str]:
    """Sessions in the order they were recorded; those without a recording time last."""
    if meta.recorded_at is None:
        return 1, "", meta.session
    when = datetime.fromisoformat(meta.recorded_at.time).astimezone(UTC).isoformat()
    return 0, when, meta.session


def _stored_sessions(store: Store, patient: str) -> list[SessionMetadata]:
    return sorted(session_metadata(store, patient, skipped_in="the report"), key=_recording_order)


def _timelines_section(store: Store, patient: str) -> str:
    parts = []
    for meta in _stored_sessions(store, patient):
        session = meta.session
        events, predictions = meta.events, meta.predictions
        duration = meta.video.duration_s or max(
            [e.time for e in events] + [p.end for p in predictions], default=1.0
        )
        link = escape(session)
        if store.exists(layout.VIDEOS, layout.annotated_video_key(patient, session)):
            link = f'<a href="{escape(quote(session))}.mp4">{escape(session)}</a>'
        when = ""
        if meta.recorded_at is not None:
            when = f"Recorded {escape(meta.recorded_at.time)} ({escape(meta.recorded_at.source)}). "
        narrated = sum(1 for e in events if e.counts)
        unsure = sum(1 for p in predictions if p.unsure)
        parts.append(
            f"<h3>{link}</h3><p class='note'>{when}{narrated} narrated event(s), {len(predictions)} "
            f"predicted window(s){f', {unsure} unsure' if unsure else ''}"
            f"{'' if predictions else ' (no promoted model when it was processed)'}.</p>"
            + img(timeline_png(events, predictions, duration), f"timeline of {session}")
        )
    return "\n".join(parts) if parts else "<p>No processed videos yet.</p>"


def _passport_link(store: Store, patient: str) -> str:
    if store.exists(layout.VIDEOS, layout.patient_report_key(patient, "passport.html")):
        return '<p><a href="passport.html">How this patient shows emotions</a>, in words.</p>'
    return "<p>No passport yet: <code>voice passport PATIENT</code> writes it beside this report.</p>"


def write_report(
    store: Store, patient: str, *, settings: Settings, extra_sections: Sequence[tuple[str, str]] = ()
) -> str:
    """Write the patient's self-contained HTML report; returns where it is (a path or an s3:// URL).

    ``extra_sections``: (title, HTML) of layers above this one (the CLI adds "Agreement").
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

    run_id, promoted = shown_run(store, patient, having="metrics.json")
    metrics = None
    if run_id is not None:
        key = layout.model_artifact_key(patient, run_id, "metrics.json")
        try:
            metrics = TrainingMetrics.model_validate_json(store.read(layout.PATIENTS, key))
        except ValidationError:
            log.warning("a run's metrics are not readable; the report leaves them out")
    trained = metrics.classes if metrics is not None else []
    sections = [("Data coverage", coverage_section(counts, {k: len(v) for k, v in videos.items()}, trained))]
    if run_id is None or metrics is None:
        why = "No training run yet" if run_id is None else "The newest run's metrics cannot be read"
        sections.append(("Model", f"<p>{why}: run <code>voice train</code>.</p>"))
    else:
        status = (
            "promoted model" if promoted else "newest run; NOT promoted (no model is used for predictions)"
        )
        run = run_sections(metrics)
        run[0] = (run[0][0], f"<p>Run <code>{escape(run_id)}</code> ({escape(status)}).</p>" + run[0][1])
        sections += run
        for name, title in (
            ("confusion_matrix.png", "Confusion matrix"),
            ("feature_importance.png", "Feature importance"),
        ):
            key = layout.model_artifact_key(patient, run_id, name)
            if store.exists(layout.PATIENTS, key):
                sections.append((title, img(store.read(layout.PATIENTS, key), title)))
        key = layout.model_artifact_key(patient, run_id, "training_sessions.json")
        if store.exists(layout.PATIENTS, key):
            sections.append(
                ("Videos used for training", sessions_section(_read_json(store, layout.PATIENTS, key)))
            )
    sections.append(("Signal passport", _passport_link(store, patient)))
    sections += extra_sections
    sections.append(("Emotion timelines per video", _timelines_section(store, patient)))
    html = page(f"VOICE report — {patient}", sections)
    out = layout.patient_report_key(patient)
    store.write(layout.VIDEOS, out, html.encode(), content_type="text/html; charset=utf-8")
    return store.describe(layout.VIDEOS, out)
