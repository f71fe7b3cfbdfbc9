"""SageMaker script-mode entry: train one patient's model from a local copy of its samples.

Contract (SageMaker training toolkit environment):

- ``SM_CHANNEL_TRAIN``: a local copy of ``patients/<patient>/`` — ``<emotion>/<session>_e<k>/pose_*.json``
  directly under it, plus ``.sessions/``.
- The patient is known by reference only: hyperparameter ``patient_ref`` in ``SM_HPS`` (JSON),
  else ``VOICE_PATIENT_REF`` (:mod:`voice.refs`; a job's hyperparameters and logs leave the
  buckets, a name must not). Other hyperparameters whose names are :class:`voice.config.Settings`
  fields (``forest_trees``, ``cv_folds``, …) override the settings; ``force`` (true/false) skips
  the cooldown and sample minimums as ``voice train --force`` does.
- ``SM_MODEL_DIR``: ``model.skops``, ``metrics.json``, ``out_of_fold.json``,
  ``training_sessions.json`` and ``latest.json`` when the run is promoted (SageMaker tars this
  directory into model.tar.gz).
- ``SM_OUTPUT_DATA_DIR``: ``confusion_matrix.png``, ``feature_importance.png``,
  ``reliability.png``, ``report.html``, and the run's own ``model.tar.gz``.
- On failure the reason goes to ``/opt/ml/output/failure`` (``VOICE_FAILURE_FILE`` overrides the
  path) and the exit status is non-zero. There is never a fallback model. The reason is the error's
  type and the patient's reference only: SageMaker shows the failure file as the job's
  ``FailureReason`` and its output goes to the account-wide ``/aws/sagemaker/TrainingJobs`` log
  group, neither of them encrypted with the stack's key, and an error's message can hold a path
  (a session id holds the file's stem).
- Standard output (the job's log) gets the run id, the decision and the scores only.

The code path is the one of ``voice train``: :func:`voice.model.training.train_patient` over a
:class:`~voice.storage.LocalStore` whose patients bucket holds the channel as ``<patient ref>/``
(the channel's own keys are relative: the name is not needed).
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import sys
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

log = logging.getLogger("voice")

DEFAULT_FAILURE_FILE = "/opt/ml/output/failure"
MODEL_FILES = ("model.skops", "metrics.json", "out_of_fold.json", "training_sessions.json")
OUTPUT_FILES = (
    "confusion_matrix.png",
    "feature_importance.png",
    "reliability.png",
    "report.html",
    "model.tar.gz",
)
#: What the job prints on success: ids and scores, no keys (the training log leaves the buckets).
LOGGED = ("run_id", "trained", "promoted", "model", "balanced_accuracy", "baseline", "counts", "seconds")


class EntryError(Exception):
    """A usage problem of the training job (missing channel, no patient name)."""


def _hyperparameters(env: Mapping[str, str]) -> dict[str, Any]:
    raw = env.get("SM_HPS", "")
    if not raw:
        return {}
    try:
        hps = json.loads(raw)
    except ValueError as exc:
        raise EntryError("SM_HPS is not valid JSON.") from exc
    if not isinstance(hps, dict):
        raise EntryError("SM_HPS must be a JSON object.")
    return hps


def _as_bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "yes", "on"}
    return bool(value)


def _require_dir(env: Mapping[str, str], name: str, *, create: bool) -> Path:
    value = env.get(name)
    if not value:
        raise EntryError(f"{name} is not set; run inside a SageMaker training job or set it.")
    path = Path(value)
    if create:
        path.mkdir(parents=True, exist_ok=True)
    elif not path.is_dir():
        raise EntryError(f"{name} ({path}) is not a directory.")
    return path


def failure_reason(exc: BaseException, env: Mapping[str, str]) -> str:
    """What a failure says outside the buckets: the error's type and the patient's reference."""
    try:
        ref = str(_hyperparameters(env).get("patient_ref") or env.get("VOICE_PATIENT_REF") or "?")
    except EntryError:
        ref = "?"
    if not ref.isalnum():  # whatever was passed as the reference is not one: do not echo it
        ref = "?"
    return f"{type(exc).__name__} (patient {ref})"


def _write_failure(env: Mapping[str, str], message: str) -> None:
    path = Path(env.get("VOICE_FAILURE_FILE", DEFAULT_FAILURE_FILE))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(message + "\n", encoding="utf-8")
    except OSError:
        log.error("cannot write the failure file")
    print(f"training failed: {message}", file=sys.stderr)


def _link_channel(channel: Path, patients_root: Path, patient: str) -> None:
    """Make the channel appear as ``patients/<patient>/`` without copying it (copy if links fail)."""
    patients_root.mkdir(parents=True, exist_ok=True)
    target = patients_root / patient
    try:
        target.symlink_to(channel.resolve(), target_is_directory=True)
    except OSError:
        shutil.copytree(channel, target)


def run(env: Mapping[str, str]) -> dict[str, Any]:
    """Train; returns the TrainResult as a dict. Raises on every failure (the caller reports it)."""
    from voice import layout
    from voice.config import Settings
    from voice.errors import NotEnoughDataError
    from voice.model.training import train_patient
    from voice.storage import LocalStore

    hps = _hyperparameters(env)
    ref = str(hps.get("patient_ref") or env.get("VOICE_PATIENT_REF") or "")
    if not ref:
        raise EntryError("no patient: pass the hyperparameter 'patient_ref' or set VOICE_PATIENT_REF.")
    patient = layout.validate_name(ref, what="patient reference")  # the channel's folder name here
    channel = _require_dir(env, "SM_CHANNEL_TRAIN", create=False)
    model_dir = _require_dir(env, "SM_MODEL_DIR", create=True)
    output_dir = _require_dir(env, "SM_OUTPUT_DATA_DIR", create=True)

    overrides = {
        k: v for k, v in hps.items() if k in Settings.model_fields and k not in {"data_dir", "store"}
    }
    settings = Settings(**overrides)
    force = _as_bool(hps.get("force", False))

    with tempfile.TemporaryDirectory(prefix="voice-train-") as tmp:
        root = Path(tmp)
        _link_channel(channel, root / layout.PATIENTS, patient)
        store = LocalStore(root)
        result = train_patient(store, patient, settings=settings, force=force)
        if not result.trained:
            raise NotEnoughDataError("the training gate said no: " + "; ".join(result.reasons))
        for name, key in result.artifacts.items():
            if name in MODEL_FILES or name in OUTPUT_FILES:
                dest = model_dir if name in MODEL_FILES else output_dir
                shutil.copyfile(store.path(layout.PATIENTS, key), dest / name)
        if result.promoted:
            shutil.copyfile(
                store.path(layout.PATIENTS, layout.latest_model_key(patient)), model_dir / "latest.json"
            )
    return result.to_dict()


def main(argv: Sequence[str] | None = None, env: Mapping[str, str] | None = None) -> int:
    """Entry point. ``argv`` is accepted for script mode (SageMaker passes ``--<hp> <value>``)."""
    env = dict(os.environ if env is None else env)
    args = list(sys.argv[1:] if argv is None else argv)
    # Script mode also passes hyperparameters as --name value pairs; SM_HPS wins where both exist.
    if args:
        pairs = dict(zip(args[0::2], args[1::2], strict=False))
        from_args = {k.lstrip("-").replace("-", "_"): v for k, v in pairs.items() if k.startswith("--")}
        hps = {**from_args, **_hyperparameters(env)}
        env["SM_HPS"] = json.dumps(hps)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        result = run(env)
    except Exception as exc:  # the edge: every failure becomes the failure file + exit 1
        _write_failure(env, failure_reason(exc, env))
        return 1
    print(json.dumps({k: result.get(k) for k in LOGGED}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
