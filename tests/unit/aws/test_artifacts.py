"""A SageMaker job's ``model.tar.gz`` (and the ``output.tar.gz`` beside it) unpacked into the run layout
a local ``voice train`` writes, promoted when it beats the baseline; nothing outside the run files
and the patient's prefix is taken."""

from __future__ import annotations

import io
import json
import tarfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.support.synthetic import synthetic_dataset
from voice import layout
from voice.aws.artifacts import promote_training_output, run_files
from voice.config import Settings
from voice.errors import ModelError
from voice.model.evaluation import train_model
from voice.model.features import extract_feature_matrix
from voice.model.patient_model import dump_model
from voice.model.registry import load_latest_model, tarball
from voice.storage import LocalStore

PATIENT = "maria"
REF = "906f90e76f2d6755"
JOB = f"voice-{REF}-0123456789abcdef0123"
#: Where SageMaker writes the job's output: below the run's staging prefix (voice.aws.training_stage).
MODEL_KEY = f"{layout.training_stage_prefix(REF, '0123456789abcdef0123')}output/{JOB}/output/model.tar.gz"
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def job_files() -> dict[str, bytes]:
    """What training/train.py leaves in SM_MODEL_DIR: a real small model and its metrics."""
    samples = synthetic_dataset(
        sessions_per_emotion=3, samples_per_session=2, emotions=("happiness", "sadness"), seed=3
    )
    model = train_model(
        extract_feature_matrix([s.frames for s in samples]),
        [s.emotion for s in samples],
        [s.session for s in samples],
        settings=Settings(forest_trees=10, cv_folds=3, cv_repeats=1),
        run_id="20261201T115500Z-abcdef12",
    )
    return {
        "model.skops": dump_model(model),
        "metrics.json": json.dumps(model.metrics.json_doc() if model.metrics else None).encode(),
        "training_sessions.json": b'{"schema": "voice.training_sessions/1"}',
    }


def _job_output(store: LocalStore, model: dict[str, bytes], output: dict[str, bytes] | None = None) -> None:
    store.write(layout.PATIENTS, MODEL_KEY, tarball(model, NOW.timestamp()))
    if output is not None:
        store.write(layout.PATIENTS, MODEL_KEY.replace("model.tar.gz", "output.tar.gz"), tarball(output, 0))


def test_a_job_that_beats_the_baseline_lands_as_a_run_and_is_promoted(
    tmp_path: Path, job_files: dict[str, bytes]
) -> None:
    store = LocalStore(tmp_path)
    _job_output(store, job_files, {"report.html": b"<html>report</html>", "model.skops": b"not this one"})
    result = promote_training_output(store, PATIENT, ref=REF, model_key=MODEL_KEY, job_name=JOB, now=NOW)
    assert result["promoted"] is True, result["reason"]
    assert result["run_id"] == "20261201T115500Z-abcdef12", "the run id the training wrote"
    run = tmp_path / "patients" / "models" / PATIENT / result["run_id"]
    assert sorted(p.name for p in run.iterdir()) == [
        "metrics.json",
        "model.skops",
        "report.html",
        "training_sessions.json",
    ]
    assert (run / "model.skops").read_bytes() == job_files["model.skops"], "model.tar.gz wins over output"
    latest = json.loads(store.read(layout.PATIENTS, layout.latest_model_key(PATIENT)))
    assert latest["training_job_name"] == JOB
    assert latest["promoted_at"] == NOW.isoformat()
    model = load_latest_model(store, PATIENT)
    assert model is not None
    assert model.run_id == result["run_id"]


def test_a_job_that_does_not_beat_the_baseline_is_stored_not_promoted(
    tmp_path: Path, job_files: dict[str, bytes]
) -> None:
    metrics = json.loads(job_files["metrics.json"])
    metrics["balanced_accuracy"] = {**metrics["balanced_accuracy"], "mean": 0.30, "std": 0.05}
    store = LocalStore(tmp_path)
    _job_output(store, {**job_files, "metrics.json": json.dumps(metrics).encode()})
    result = promote_training_output(store, PATIENT, ref=REF, model_key=MODEL_KEY, job_name=JOB, now=NOW)
    assert result["promoted"] is False
    assert "not promoted" in result["reason"]
    assert not store.exists(layout.PATIENTS, layout.latest_model_key(PATIENT))
    assert store.exists(layout.PATIENTS, layout.model_artifact_key(PATIENT, result["run_id"], "metrics.json"))


def test_metrics_that_are_not_a_run_s_metrics_are_refused(
    tmp_path: Path, job_files: dict[str, bytes]
) -> None:
    metrics = json.loads(job_files["metrics.json"])
    del metrics["run_id"]
    store = LocalStore(tmp_path)
    _job_output(store, {**job_files, "metrics.json": json.dumps(metrics).encode()})
    with pytest.raises(ModelError, match=r"metrics\.json is not a training run's metrics"):
        promote_training_output(store, PATIENT, ref=REF, model_key=MODEL_KEY, job_name=JOB, now=NOW)
    assert not store.exists(layout.PATIENTS, layout.latest_model_key(PATIENT))


def test_output_outside_the_patients_staging_output_or_without_metrics_is_refused(
    tmp_path: Path, job_files: dict[str, bytes]
) -> None:
    store = LocalStore(tmp_path)
    _job_output(store, {"model.skops": job_files["model.skops"]})
    with pytest.raises(ModelError, match="not in this patient's staging output"):
        promote_training_output(
            store, "bob", ref="0123456789abcdef", model_key=MODEL_KEY, job_name=JOB, now=NOW
        )
    with pytest.raises(ModelError, match=f"training job {JOB} left no metrics.json"):
        promote_training_output(store, PATIENT, ref=REF, model_key=MODEL_KEY, job_name=JOB, now=NOW)
    assert not store.exists(layout.PATIENTS, layout.latest_model_key(PATIENT))


def _archive(members: list[tarfile.TarInfo], data: bytes = b"{}") -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for info in members:
            tar.addfile(info, io.BytesIO(data) if info.isfile() else None)
    return buf.getvalue()


def _member(name: str, kind: bytes = tarfile.REGTYPE) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.size = 2 if kind == tarfile.REGTYPE else 0
    if kind == tarfile.SYMTYPE:
        info.linkname = "/etc/passwd"
    return info


def test_only_regular_run_files_at_the_top_level_are_taken() -> None:
    archive = _archive(
        [
            _member("./metrics.json"),  # tar's own "./" prefix is fine
            _member("../../escape.json"),
            _member("nested/model.skops"),
            _member("report.html", tarfile.SYMTYPE),
            _member("notes.txt"),
            _member("training_sessions.json", tarfile.DIRTYPE),
        ]
    )
    assert run_files(archive) == {"metrics.json": b"{}"}
