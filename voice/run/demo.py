"""``voice demo``: the bundled samples through the whole loop.

process every sample but one → train the patient's model (gate first) → process and predict the
sample held aside (the model never saw it) → write the HTML report. Prints the paths.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

from voice.config import Settings
from voice.model.predict import predict_file
from voice.model.registry import load_latest_model
from voice.model.report import write_report
from voice.model.training import train_patient
from voice.passport.write import write_passport
from voice.run.batch import process_files
from voice.storage import Store

__all__ = ["load_manifest", "run_demo", "samples_dir"]


def samples_dir() -> Path:
    return Path(str(resources.files("voice") / "samples"))


def load_manifest() -> dict[str, Any]:
    return dict(json.loads((samples_dir() / "manifest.json").read_text()))


def _sessions(manifest: dict[str, Any]) -> list[dict[str, Any]]:
    items = manifest.get("sessions") or manifest.get("files") or []
    return list(items)


def run_demo(store: Store, *, settings: Settings, progress: bool = True) -> dict[str, Any]:
    manifest = load_manifest()
    sessions = _sessions(manifest)
    patient = sessions[0]["patient"]
    train_files = [samples_dir() / s["file"] for s in sessions if not s.get("held_out")]
    held_out = [samples_dir() / s["file"] for s in sessions if s.get("held_out")]

    processed = process_files(train_files, patient, store=store, settings=settings, progress=progress)
    failed = [r for r in processed if r["status"] != "ok"]

    training = train_patient(store, patient, settings=settings)
    train_info = training.to_dict()
    model = load_latest_model(store, patient)

    predicted: dict[str, Any] | None = None
    held_results: list[dict[str, Any]] = []
    if model is not None and held_out:
        held_results = process_files(held_out, patient, store=store, settings=settings, progress=progress)
        predicted = predict_file(store, held_out[0], patient, settings=settings)

    passport = write_passport(store, patient, settings=settings)
    report = write_report(store, patient, settings=settings)
    ok = not failed and model is not None and predicted is not None
    lines = [
        f"processed {len(processed) - len(failed)}/{len(processed)} sample videos for patient {patient!r}",
        f"  annotated videos, metadata, CSV, VTT: {store.describe('videos', f'annotated/{patient}/')}",
        f"  training samples: {store.describe('patients', f'{patient}/')}",
    ]
    if train_info.get("trained"):
        ba = train_info.get("balanced_accuracy") or {}
        lines.append(
            f"trained run {train_info.get('run_id')}: nested grouped-CV balanced accuracy "
            f"{ba.get('mean', 0):.2f} ± {ba.get('std', 0):.2f} vs majority baseline "
            f"{train_info.get('baseline') or 0:.2f}; model {train_info.get('model')}; "
            f"promoted={train_info.get('promoted')}"
        )
        lines.append(f"  {train_info.get('promotion_reason')}")
    else:
        lines.append("training skipped by the gate: " + "; ".join(train_info.get("reasons", [])))
    if model is not None:
        lines.append(f"  model in use: {store.describe('patients', f'models/{patient}/{model.run_id}/')}")
    else:
        lines.append("  no promoted model: nothing to predict with")
    if predicted is not None:
        lines.append(f"held-out video {held_out[0].name}: {len(predicted['windows'])} predicted windows")
        for w in predicted["windows"]:
            label = "unsure" if w["unsure"] else w["label"]
            signals = ", ".join(s["words"] for s in w["signals"])
            lines.append(f"  {w['start']:6.2f}-{w['end']:6.2f}s  {label:<10} {signals}".rstrip())
    lines.append(f"report: {report}")  # already the store's description (a path or s3:// URL)
    lines.append(f"passport: {passport}")
    return {
        "ok": ok,
        "patient": patient,
        "processed": processed + held_results,
        "training": train_info,
        "prediction": predicted,
        "report": report,
        "passport": passport,
        "summary": "\n".join(lines),
    }
