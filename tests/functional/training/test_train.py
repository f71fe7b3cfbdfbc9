"""training/train.py with SM_* environment pointing at temporary directories."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from tests.support.synthetic import synthetic_dataset, write_samples
from voice.model.patient_model import load_model
from voice.storage import LocalStore

ROOT = Path(__file__).resolve().parents[3]
ENTRY = ROOT / "training" / "train.py"
PATIENT = "ann"
#: What the job knows of the patient (the state machine passes the keyed reference).
REF = "5f1d2c3b4a596877"


def entry() -> ModuleType:
    spec = importlib.util.spec_from_file_location("voice_training_entry", ENTRY)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def channel_with(tmp_path: Path, *, sessions_per_emotion: int) -> Path:
    """A local copy of patients/<patient>/ as SageMaker puts it in SM_CHANNEL_TRAIN."""
    store = LocalStore(tmp_path / "bucket")
    samples = synthetic_dataset(
        sessions_per_emotion=sessions_per_emotion,
        samples_per_session=2,
        emotions=("happiness", "surprise"),
        seed=5,
    )
    write_samples(store, PATIENT, samples)
    return tmp_path / "bucket" / "patients" / PATIENT


def sm_env(tmp_path: Path, channel: Path, hps: dict[str, object]) -> dict[str, str]:
    return {
        "SM_CHANNEL_TRAIN": str(channel),
        "SM_MODEL_DIR": str(tmp_path / "model"),
        "SM_OUTPUT_DATA_DIR": str(tmp_path / "output"),
        "SM_HPS": json.dumps(hps),
        "VOICE_FAILURE_FILE": str(tmp_path / "failure"),
    }


@pytest.mark.slow
def test_success_writes_model_and_extras(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    channel = channel_with(tmp_path, sessions_per_emotion=3)
    env = sm_env(
        tmp_path, channel, {"patient_ref": REF, "forest_trees": "20", "unsure_target_accuracy": "0.9"}
    )
    assert entry().main([], env) == 0
    model_dir, output = tmp_path / "model", tmp_path / "output"
    assert sorted(p.name for p in model_dir.iterdir()) == [
        "latest.json", "metrics.json", "model.skops", "out_of_fold.json", "training_sessions.json",
    ]  # fmt: skip
    assert sorted(p.name for p in output.iterdir()) == [
        "confusion_matrix.png", "feature_importance.png", "model.tar.gz", "reliability.png", "report.html",
    ]  # fmt: skip
    assert not (tmp_path / "failure").exists()
    model = load_model((model_dir / "model.skops").read_bytes())
    assert model.classes == ("happiness", "surprise")
    metrics = json.loads((model_dir / "metrics.json").read_text())
    assert metrics["calibration"]["target_accuracy"] == 0.9  # a string hyperparameter reached Settings
    assert metrics["model_choice"]["chosen"] == model.config
    printed = json.loads(capsys.readouterr().out)
    assert printed["trained"] is True
    assert printed["run_id"] == model.run_id
    # The job's log (CloudWatch, outside the buckets) gets ids and scores only: no keys.
    assert printed["model"] == model.config  # the configuration's name: a family and numbers
    assert set(printed) <= {
        "run_id",
        "trained",
        "promoted",
        "model",
        "balanced_accuracy",
        "baseline",
        "counts",
        "seconds",
    }
    # The channel is input only: nothing was written into it.
    assert not any(p.name == "models" for p in channel.rglob("*"))


def test_unusable_data_writes_the_failure_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    channel = channel_with(tmp_path, sessions_per_emotion=1)  # one video per emotion
    env = sm_env(tmp_path, channel, {"patient_ref": REF})
    assert entry().main([], env) == 1
    # SageMaker shows the failure file as the job's FailureReason: the type and the reference only.
    assert (tmp_path / "failure").read_text() == f"NotEnoughDataError (patient {REF})\n"
    assert capsys.readouterr().err.strip().endswith(f"training failed: NotEnoughDataError (patient {REF})")
    assert not any((tmp_path / "model").iterdir())  # never a fallback model


@pytest.mark.parametrize(
    ("hps", "env_extra", "reason"),
    [
        ({}, {}, "EntryError (patient ?)"),
        ({"patient_ref": "../etc"}, {}, "InvalidNameError (patient ?)"),
        (
            {},
            {"SM_CHANNEL_TRAIN": "/nonexistent/channel", "VOICE_PATIENT_REF": REF},
            f"EntryError (patient {REF})",
        ),
    ],
)
def test_usage_errors_fail_loudly(
    tmp_path: Path, hps: dict[str, object], env_extra: dict[str, str], reason: str
) -> None:
    env = {**sm_env(tmp_path, tmp_path, hps), **env_extra}
    assert entry().main([], env) == 1
    assert (tmp_path / "failure").read_text() == reason + "\n"


#: What must never leave the buckets: the patient's name, the file stems in session ids.
SECRETS = ("maria", "jansen", "birthday")


def test_the_failure_path_says_error_types_and_the_reference_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The job's output goes to the account-wide /aws/sagemaker/TrainingJobs log group and its
    failure file to the job's description, neither encrypted with the stack's key. An error's
    message can hold a path, and paths hold names (a channel folder, a session id's file stem):
    a failure says the error's type and the patient's reference, as the success path prints ids
    and scores only."""
    # A channel under a folder with a name, whose samples are from a video "Maria Jansen birthday".
    channel = channel_with(tmp_path / "Maria Jansen", sessions_per_emotion=3)
    for path in [*channel.glob("*/*_e*"), *channel.glob(".sessions/*.json")]:
        path.rename(path.with_name("maria-jansen-birthday-" + path.name))
    broken = next(channel.glob("*/*_e*/pose_*.json"))
    broken.write_text("{ not json: Maria Jansen's birthday")
    failures = [
        sm_env(tmp_path, channel, {"patient_ref": REF}),  # the corrupt pose file
        {
            **sm_env(tmp_path, channel, {"patient_ref": REF}),
            "SM_CHANNEL_TRAIN": str(channel / "Maria missing"),
        },
    ]
    for env in failures:
        assert entry().main([], env) == 1
        reason = (tmp_path / "failure").read_text()
        printed = capsys.readouterr()
        emitted = (reason + printed.out + printed.err).lower()
        assert f"(patient {REF})" in reason
        for secret in SECRETS:
            assert secret not in emitted, (secret, emitted)


@pytest.mark.slow
def test_runs_as_a_script_with_script_mode_arguments(tmp_path: Path) -> None:
    channel = channel_with(tmp_path, sessions_per_emotion=3)
    env = sm_env(tmp_path, channel, {})
    env.pop("SM_HPS")
    proc = subprocess.run(
        [sys.executable, str(ENTRY), "--patient_ref", REF, "--forest_trees", "10", "--cv_repeats", "1"],
        env={**env, "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "model" / "model.skops").is_file()
