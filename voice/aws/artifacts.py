"""A SageMaker training job's output → a run in ``models/<patient>/<run-id>/``, promoted if it
beats the baseline (the promote step of the training flow; the same layout ``voice train`` writes)."""

from __future__ import annotations

import io
import tarfile
from datetime import UTC, datetime
from typing import Any

from voice import layout
from voice.errors import ModelError
from voice.model.registry import ARTIFACTS, read_metrics, store_run
from voice.storage import Store

__all__ = ["promote_training_output", "run_files"]


def run_files(archive: bytes) -> dict[str, bytes]:
    """Regular files at a tar.gz's top level whose names are run files (no paths, no links)."""
    files: dict[str, bytes] = {}
    with tarfile.open(fileobj=io.BytesIO(archive), mode="r:gz") as tar:
        for member in tar.getmembers():
            name = member.name.removeprefix("./")
            if member.isfile() and name in ARTIFACTS:
                extracted = tar.extractfile(member)
                if extracted is not None:
                    files[name] = extracted.read()
    return files


def promote_training_output(
    store: Store, patient: str, *, ref: str, model_key: str, job_name: str, now: datetime | None = None
) -> dict[str, Any]:
    """Unpack a SageMaker job's ``model.tar.gz`` (and its ``output.tar.gz`` beside it), written below
    the patient's staging prefix ``work/training/<ref>/`` (:mod:`voice.aws.training_stage`), into the
    run layout and promote the run if it beats the baseline (see :func:`store_run`)."""
    patient = layout.stored_name(patient, what="patient name")
    staged = layout.training_prefix(ref)
    if not ref or not model_key.startswith(staged) or "/output/" not in model_key[len(staged) :]:
        raise ModelError("the training output is not in this patient's staging output; not promoted.")
    files = run_files(store.read(layout.PATIENTS, model_key))
    output_key = model_key.rsplit("/", 1)[0] + "/output.tar.gz"
    if store.exists(layout.PATIENTS, output_key):
        for name, data in run_files(store.read(layout.PATIENTS, output_key)).items():
            files.setdefault(name, data)
    if "metrics.json" not in files:
        raise ModelError(f"training job {job_name} left no metrics.json; not promoted.")
    run_id = read_metrics(files["metrics.json"]).run_id or job_name
    _, promoted, reason = store_run(
        store,
        patient,
        run_id,
        files,
        now=now or datetime.now(UTC),
        pointer_extra={"training_job_name": job_name},
    )
    return {"promoted": promoted, "reason": reason, "run_id": run_id}
