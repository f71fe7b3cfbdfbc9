"""``voice cloud upload|reprocess|train|status|download-model``: the deployed stack from a laptop.

Names of the real resources come from :class:`voice.config.Settings` (``VOICE_VIDEOS_BUCKET``,
…) when set, else from the outputs of the CloudFormation stack ``VOICE_STACK_NAME`` (default
``VoiceStack``; :mod:`voice.aws.outputs`). Every function takes its clients as arguments, so
tests pass moto clients; only :func:`run_cli` creates real ones, from
:func:`~voice.aws.access.aws_session` (``AWS_REGION`` is honoured). A missing region or
credentials, a stack that is not deployed and a denied call become one
:class:`~voice.errors.CloudSetupError` that names what to set.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from voice import layout
from voice.aws.access import aws_errors, aws_session, error_code
from voice.aws.history import Gate, lock_item, run_rows
from voice.aws.outputs import CloudNames, resolve_names
from voice.aws.ref_key import RefKeys
from voice.aws.reprocess import request_reprocess
from voice.aws.upload import UploadTarget, upload
from voice.config import get_settings
from voice.errors import ConfigError, ModelError, StorageError

if TYPE_CHECKING:
    from boto3 import Session
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_stepfunctions import SFNClient

__all__ = ["download_model", "run_cli", "start_training", "status"]

LONG_VIDEOS_LISTED = 5  # voice cloud status: the patient's newest long-video executions

ProgressCallback = Callable[[int], None]


def start_training(patient: str, *, gate: Gate, ref: str, force: bool = False) -> dict[str, Any]:
    """Start one training execution under the patient's lock (the gate's: never two runs of one
    patient at once); :class:`~voice.aws.history.TrainingBusyError` while another run holds it."""
    patient = layout.stored_name(patient, what="patient name")
    started = gate.start_manual(patient, ref=ref, force=force)
    return {
        "patient": patient,
        "execution_arn": started.execution_arn,
        "name": started.execution,
        "force": force,
    }


def _executions(sfn: SFNClient, state_machine_arn: str, ref: str, limit: int) -> list[dict[str, Any]]:
    """The patient's newest executions, newest first: execution names start with the patient's
    reference. Step Functions lists newest first, so the first page that has some holds them."""
    for page in sfn.get_paginator("list_executions").paginate(stateMachineArn=state_machine_arn):
        mine = sorted(
            (e for e in page["executions"] if e["name"].startswith(ref + "-")),
            key=lambda e: e["startDate"],
            reverse=True,
        )
        if mine:
            return [
                {
                    "name": e["name"],
                    "status": e["status"],
                    "started": e["startDate"].isoformat(),
                    "stopped": e["stopDate"].isoformat() if e.get("stopDate") else None,
                }
                for e in mine[:limit]
            ]
    return []


def _last_execution(sfn: SFNClient, state_machine_arn: str, ref: str) -> dict[str, Any] | None:
    newest = _executions(sfn, state_machine_arn, ref, limit=1)
    return newest[0] if newest else None


def status(
    patient: str,
    *,
    ddb: DynamoDBClient,
    sfn: SFNClient,
    names: CloudNames,
    ref: str,
) -> dict[str, Any]:
    """The patient's newest history rows, the gate lock, the patient's last training execution
    and newest long-video executions (``LONG_VIDEOS_LISTED``; none listed for a stack deployed
    before long videos).

    The history table knows patients by reference only (``docs/cloud.md``, "Where PHI lives").
    """
    patient = layout.stored_name(patient, what="patient name")
    long_arn = names.long_video_state_machine_arn
    long_videos = _executions(sfn, long_arn, ref, LONG_VIDEOS_LISTED) if long_arn else []
    return {
        "patient": patient,
        "patient_ref": ref,
        "runs": run_rows(ddb, names.history_table, ref),
        "lock": lock_item(ddb, names.history_table, ref),
        "last_execution": _last_execution(sfn, names.state_machine_arn, ref),
        "long_videos": long_videos,
    }


def download_model(patient: str, dest_dir: str | Path, *, s3: S3Client, bucket: str) -> dict[str, Any]:
    """Download the promoted run (``latest.json`` → ``models/<patient>/<run-id>/``) into ``dest_dir``."""
    patient = layout.stored_name(patient, what="patient name")
    latest_key = layout.latest_model_key(patient)
    try:
        pointer = json.loads(s3.get_object(Bucket=bucket, Key=latest_key)["Body"].read())
    except ClientError as exc:
        if error_code(exc) in {"NoSuchKey", "404"}:
            raise ModelError(
                f"no promoted model for this patient yet ({latest_key} is missing); see `voice cloud status`."
            ) from exc
        raise StorageError(f"cannot read {latest_key}: {error_code(exc)}") from exc
    run_id = str(pointer["run_id"])
    prefix = layout.model_run_prefix(patient, run_id)
    dest = Path(dest_dir)
    dest.mkdir(parents=True, exist_ok=True)
    files = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for obj in page.get("Contents", []):
            name = obj["Key"][len(prefix) :]
            if not name or "/" in name:
                continue  # run files are flat; nothing nested is part of the model
            s3.download_file(bucket, obj["Key"], str(dest / name))
            files.append(name)
    (dest / "latest.json").write_text(json.dumps(pointer, indent=2))
    return {"patient": patient, "run_id": run_id, "dest": str(dest), "files": sorted([*files, "latest.json"])}


def run_cli(args: Any) -> dict[str, Any]:
    """``voice cloud <command>``: real clients, names from settings or the stack outputs."""
    session = aws_session()
    with aws_errors(session.region_name):
        names = resolve_names(cloudformation=session.client("cloudformation"))
        return _run_command(args, session, names)


def _upload_command(args: Any, session: Session, names: CloudNames) -> dict[str, Any]:
    from tqdm import tqdm

    paths = [Path(p) for p in args.videos]
    total = sum(p.stat().st_size for p in paths if p.is_file())
    with tqdm(total=total, unit="B", unit_scale=True, disable=bool(getattr(args, "json", False))) as bar:

        def advance(sent: int) -> None:
            bar.update(sent)

        uploaded = upload(
            paths,
            args.patient,
            to=UploadTarget(session.client("s3"), names.videos_bucket, names.data_key_arn or None),
            progress=advance,
            pin=getattr(args, "person", None),
        )
    return {"uploaded": uploaded, "bucket": names.videos_bucket}


def _run_command(args: Any, session: Session, names: CloudNames) -> dict[str, Any]:
    """One cloud command; its clients come from ``session``."""
    command = args.cloud_command
    refs = RefKeys(session.client("secretsmanager"), names.ref_secret_arn)
    if command == "upload":
        return _upload_command(args, session, names)
    if command == "train":
        gate = Gate(
            session.client("dynamodb"),
            session.client("stepfunctions"),
            names.history_table,
            names.state_machine_arn,
            float(names.gate_lock_s or get_settings().gate_lock_s),
        )
        return start_training(
            args.patient,
            gate=gate,
            ref=refs.ref(layout.stored_name(args.patient, what="patient name", warn=False)),
            force=bool(getattr(args, "force", False)),
        )
    if command == "reprocess":
        return request_reprocess(
            session.client("s3"),
            names.videos_bucket,
            args.patient,
            args.file,
            kms_key=names.data_key_arn or None,
        )
    if command == "status":
        return status(
            args.patient,
            ddb=session.client("dynamodb"),
            sfn=session.client("stepfunctions"),
            names=names,
            ref=refs.ref(layout.stored_name(args.patient, what="patient name", warn=False)),
        )
    if command == "download-model":
        return download_model(args.patient, args.dest, s3=session.client("s3"), bucket=names.patients_bucket)
    raise ConfigError(f"unknown cloud command {command!r}.")
