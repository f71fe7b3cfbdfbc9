"""The training image run as SageMaker runs it: ``IMAGE train``, /opt/ml/{input,model,output}
mounted, hyperparameters as strings, no network."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.images.conftest import FAST, PATIENT, RESULTS, Images, TrainingRun, run_training_job, write_channel
from tests.support.aws import ref


def test_a_training_job_writes_the_model_and_the_extras(trained: TrainingRun) -> None:
    assert trained.returncode == 0, trained.output[-3000:]
    assert sorted(p.name for p in trained.model_dir.iterdir()) == [
        "latest.json", "metrics.json", "model.skops", "out_of_fold.json", "training_sessions.json",
    ]  # fmt: skip
    data = trained.output_dir / "data"
    assert sorted(p.name for p in data.iterdir()) == [
        "confusion_matrix.png", "feature_importance.png", "model.tar.gz", "reliability.png", "report.html",
        "sample_features.json",
    ]  # fmt: skip
    assert not (trained.output_dir / "failure").exists()
    metrics = json.loads((trained.model_dir / "metrics.json").read_text())
    assert metrics["run_id"]
    assert sorted(metrics["classes"]) == ["anger", "happiness", "sadness"]
    # The string hyperparameters reached the settings: target accuracy 0.9, not the default 0.7.
    assert metrics["calibration"]["target_accuracy"] == 0.9
    from voice.model.patient_model import load_model

    model = load_model((trained.model_dir / "model.skops").read_bytes())
    assert model.config == metrics["model_choice"]["chosen"]
    RESULTS["training"]["ok"] = True


def test_unusable_data_writes_the_failure_file_and_exits_non_zero(images: Images, tmp_path: Path) -> None:
    channel = write_channel(tmp_path / "bucket", PATIENT, sessions_per_emotion=4, emotions=("happiness",))
    job = run_training_job(
        images.tag("training"), tmp_path / "opt-ml", {"patient_ref": ref(PATIENT), **FAST}, channel
    )
    assert job.returncode != 0, job.output[-2000:]
    reason = (job.output_dir / "failure").read_text()
    # SageMaker shows it as the job's FailureReason, the output goes to /aws/sagemaker/TrainingJobs:
    # the error's type and the patient's reference only.
    assert reason == f"NotEnoughDataError (patient {ref(PATIENT)})\n", reason
    assert f"training failed: NotEnoughDataError (patient {ref(PATIENT)})" in job.output
    for word in PATIENT.split():
        assert word not in job.output
    assert not (job.model_dir / "model.skops").exists()


@pytest.mark.parametrize("force", [False, True])
def test_the_force_hyperparameter_reaches_the_gate(images: Images, tmp_path: Path, force: bool) -> None:
    """`voice cloud train --force` → the state machine passes force="true": below the minimums
    (2 videos per emotion) the job trains only then."""
    channel = write_channel(
        tmp_path / "bucket", PATIENT, sessions_per_emotion=2, emotions=("happiness", "anger")
    )
    hps = {"patient_ref": ref(PATIENT), "force": force, **FAST}
    job = run_training_job(images.tag("training"), tmp_path / "opt-ml", hps, channel)
    assert (job.returncode == 0) is force, job.output[-2000:]
    assert (job.model_dir / "model.skops").exists() is force
    assert (job.output_dir / "failure").exists() is not force


def test_the_training_image_reads_a_sessions_whole_pose_track(images: Images, tmp_path: Path) -> None:
    """The track file the pipeline writes next to the session index is in the training channel:
    the image's own numpy and voice package read it (no pickle, nothing else needed)."""
    from tests.images.sandbox import ULIMITS, podman, run
    from tests.support.labels import patient_frames
    from voice.pose.track import PoseTrack
    from voice.pose.track_file import encode_track

    (tmp_path / "track.npz").write_bytes(encode_track(PoseTrack(patient_frames())))
    script = (
        "from pathlib import Path; from voice.pose.track_file import decode_track; "
        "t = decode_track(Path('/data/track.npz').read_bytes()); print(len(t.frames), t.detected)"
    )
    done = run(
        podman(
            "run",
            "--rm",
            *ULIMITS,
            "--network",
            "none",
            "--read-only",
            "--volume",
            f"{tmp_path}:/data:ro",
            "--entrypoint",
            "python",
            images.tag("training"),
            "-c",
            script,
        )
    )
    assert done.stdout.split() == ["50", "50"]
