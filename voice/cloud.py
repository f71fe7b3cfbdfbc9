"""Cloud helpers behind ``voice cloud upload|train|status|download-model`` (the deployed stack).

Names of the real resources come from :class:`voice.config.Settings` (``VOICE_VIDEOS_BUCKET``,
``VOICE_PATIENTS_BUCKET``, ``VOICE_STATE_MACHINE_ARN``, ``VOICE_HISTORY_TABLE``) when set, else
from the outputs of the CloudFormation stack ``VOICE_STACK_NAME`` (default ``VoiceStack``).
Every function takes its boto3 client(s) as arguments, so tests pass moto clients; only
:func:`run_cli` creates real ones, from :func:`aws_session` (``AWS_REGION`` is honoured). A
missing region or credentials, a stack that is not deployed and a denied call become one
:class:`~voice.errors.CloudSetupError` that names what to set. boto3 is imported lazily.
"""

from __future__ import annotations

import hashlib
import json
import mimetypes
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from voice import layout
from voice.aws_session import aws_errors, aws_session, error_code
from voice.config import Settings, get_settings
from voice.errors import CloudSetupError, ConfigError, ModelError, StorageError

__all__ = [
    "LOCK_SORT_KEY",
    "RECHECK_DETAIL_TYPE",
    "RUN_SORT_PREFIX",
    "STACK_OUTPUTS",
    "TRAINING_EVENT_SOURCE",
    "CloudNames",
    "download_model",
    "execution_name",
    "patient_ref",
    "resolve_names",
    "run_cli",
    "stack_outputs",
    "start_training",
    "status",
    "upload",
]

#: Stack output → Settings field. Kept in step with infra/stack.py (OUTPUTS).
STACK_OUTPUTS: Mapping[str, str] = {
    "VideosBucket": "videos_bucket",
    "PatientsBucket": "patients_bucket",
    "StateMachineArn": "state_machine_arn",
    "HistoryTable": "history_table",
}

#: History table (partition key ``patient``): the gate's lock item, and one row per execution
#: (``RUN#<execution start>#<execution name>``). Shared by infra/, lambdas/ and this module.
LOCK_SORT_KEY = "LOCK"
RUN_SORT_PREFIX = "RUN#"
#: The event a training execution sends after it released a lock that uploads found taken.
TRAINING_EVENT_SOURCE = "voice.training"
RECHECK_DETAIL_TYPE = "Recheck"

#: upload_file switches to multipart above this size, in parts of this size.
MULTIPART_BYTES = 8 * 1024 * 1024

ProgressCallback = Callable[[int], None]


@dataclass(frozen=True)
class CloudNames:
    """Real names of the deployed resources."""

    videos_bucket: str
    patients_bucket: str
    state_machine_arn: str
    history_table: str


def patient_ref(patient: str) -> str:
    """A stable, non-identifying handle for execution names and log lines: never log the name itself."""
    return hashlib.sha256(patient.encode()).hexdigest()[:12]


def execution_name(patient: str, now: datetime, *, origin: str = "manual") -> str:
    """``<patient ref>-<UTC time>-<origin>-<8 hex>``: unique, sorts by time per patient, no name in it."""
    return f"{patient_ref(patient)}-{now.astimezone(UTC):%Y%m%dT%H%M%S}-{origin}-{uuid.uuid4().hex[:8]}"


def stack_outputs(cloudformation: Any, stack_name: str) -> dict[str, str]:
    """``OutputKey → OutputValue`` of a deployed stack."""
    try:
        stacks = cloudformation.describe_stacks(StackName=stack_name)["Stacks"]
    except Exception as exc:
        if error_code(exc) != "ValidationError":  # access denied etc.: see aws_errors
            raise
        region = getattr(getattr(cloudformation, "meta", None), "region_name", "?")
        raise CloudSetupError(
            f"stack {stack_name!r} is not deployed in {region}: deploy it (npx cdk deploy), or set "
            "AWS_REGION to the stack's region and VOICE_STACK_NAME to its name."
        ) from exc
    return {o["OutputKey"]: o["OutputValue"] for o in stacks[0].get("Outputs", [])}


def resolve_names(settings: Settings | None = None, *, cloudformation: Any) -> CloudNames:
    """Names from explicitly set settings; anything not set comes from the stack outputs."""
    settings = settings or get_settings()
    chosen = {
        field: str(getattr(settings, field))
        for field in STACK_OUTPUTS.values()
        if field in settings.model_fields_set and getattr(settings, field)
    }
    missing = [f for f in STACK_OUTPUTS.values() if f not in chosen]
    if missing:
        outputs = stack_outputs(cloudformation, settings.stack_name)
        for output, field in STACK_OUTPUTS.items():
            if field in missing and output in outputs:
                chosen[field] = outputs[output]
    absent = [f for f in STACK_OUTPUTS.values() if f not in chosen]
    if absent:
        raise ConfigError(f"stack {settings.stack_name!r} has no output for {', '.join(absent)}.")
    return CloudNames(**chosen)


def upload(
    paths: Iterable[str | Path],
    patient: str,
    *,
    client: Any,
    bucket: str,
    progress: ProgressCallback | None = None,
) -> list[dict[str, Any]]:
    """Upload videos to ``videos/<patient>/<file name>`` (multipart above 8 MB). Validates all first."""
    from boto3.s3.transfer import TransferConfig

    planned = []
    for raw in paths:
        path = Path(raw)
        key = layout.upload_key(patient, path.name)
        layout.parse_upload_key(key)  # supported extension, any case
        if not path.is_file():
            raise StorageError(f"{path} is not a file.")
        planned.append((path, key))
    config = TransferConfig(multipart_threshold=MULTIPART_BYTES, multipart_chunksize=MULTIPART_BYTES)
    done = []
    for path, key in planned:
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        try:
            client.upload_file(
                str(path),
                bucket,
                key,
                ExtraArgs={"ContentType": content_type},
                Callback=progress,
                Config=config,
            )
        except Exception as exc:
            raise StorageError(f"cannot upload {path.name}: {type(exc).__name__}") from exc
        done.append(
            {"path": str(path), "key": key, "bytes": path.stat().st_size, "uri": f"s3://{bucket}/{key}"}
        )
    return done


def start_training(
    patient: str,
    *,
    sfn_client: Any,
    state_machine_arn: str,
    force: bool = False,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Start one training execution (the gate's per-patient lock is for automatic starts only)."""
    patient = layout.validate_name(patient, what="patient name")
    name = execution_name(patient, now or datetime.now(UTC))
    response = sfn_client.start_execution(
        stateMachineArn=state_machine_arn, name=name, input=json.dumps({"patient": patient, "force": force})
    )
    return {"patient": patient, "execution_arn": response["executionArn"], "name": name, "force": force}


def _plain(item: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """A DynamoDB item (``{"S": ...}`` etc.) as plain values."""
    out: dict[str, Any] = {}
    for key, typed in item.items():
        ((kind, value),) = typed.items()
        out[key] = float(value) if kind == "N" else value
    return out


def status(
    patient: str,
    *,
    ddb: Any,
    table: str,
    sfn_client: Any,
    state_machine_arn: str,
    limit: int = 10,
) -> dict[str, Any]:
    """The patient's newest history rows, the gate lock, and the patient's last execution."""
    patient = layout.validate_name(patient, what="patient name")
    rows = ddb.query(
        TableName=table,
        KeyConditionExpression="patient = :p AND begins_with(sk, :run)",
        ExpressionAttributeValues={":p": {"S": patient}, ":run": {"S": RUN_SORT_PREFIX}},
        ScanIndexForward=False,
        Limit=limit,
    )["Items"]
    lock = ddb.get_item(TableName=table, Key={"patient": {"S": patient}, "sk": {"S": LOCK_SORT_KEY}}).get(
        "Item"
    )
    last = None
    prefix = patient_ref(patient) + "-"
    for page in sfn_client.get_paginator("list_executions").paginate(stateMachineArn=state_machine_arn):
        mine = [e for e in page["executions"] if e["name"].startswith(prefix)]
        if mine:
            newest = max(mine, key=lambda e: e["startDate"])
            last = {
                "name": newest["name"],
                "status": newest["status"],
                "started": newest["startDate"].isoformat(),
                "stopped": newest["stopDate"].isoformat() if newest.get("stopDate") else None,
            }
            break
    runs = [_plain(r) for r in rows]
    for run in runs:
        run.pop("cause", None)  # SageMaker's full job description; see the console for it
    return {"patient": patient, "runs": runs, "lock": _plain(lock) if lock else None, "last_execution": last}


def download_model(patient: str, dest_dir: str | Path, *, s3: Any, bucket: str) -> dict[str, Any]:
    """Download the promoted run (``latest.json`` → ``models/<patient>/<run-id>/``) into ``dest_dir``."""
    patient = layout.validate_name(patient, what="patient name")
    latest_key = layout.latest_model_key(patient)
    try:
        pointer = json.loads(s3.get_object(Bucket=bucket, Key=latest_key)["Body"].read())
    except Exception as exc:
        code = getattr(exc, "response", {}).get("Error", {}).get("Code")
        if code in {"NoSuchKey", "404"}:
            raise ModelError(
                f"no promoted model for this patient yet ({latest_key} is missing); see `voice cloud status`."
            ) from exc
        raise StorageError(f"cannot read {latest_key}: {code or type(exc).__name__}") from exc
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
    """``voice cloud <command>``: real boto3 clients, names from settings or the stack outputs."""
    session = aws_session()
    with aws_errors(session.region_name):
        names = resolve_names(cloudformation=session.client("cloudformation"))
        return _run_command(args, session, names)


def _run_command(args: Any, session: Any, names: CloudNames) -> dict[str, Any]:
    """One cloud command; its clients come from ``session``."""
    command = args.cloud_command
    if command == "upload":
        from tqdm import tqdm

        paths = [Path(p) for p in args.videos]
        total = sum(p.stat().st_size for p in paths if p.is_file())
        with tqdm(total=total, unit="B", unit_scale=True, disable=bool(getattr(args, "json", False))) as bar:

            def advance(sent: int) -> None:
                bar.update(sent)

            uploaded = upload(
                paths, args.patient, client=session.client("s3"), bucket=names.videos_bucket, progress=advance
            )
        return {"uploaded": uploaded, "bucket": names.videos_bucket}
    if command == "train":
        return start_training(
            args.patient,
            sfn_client=session.client("stepfunctions"),
            state_machine_arn=names.state_machine_arn,
            force=bool(getattr(args, "force", False)),
        )
    if command == "status":
        return status(
            args.patient,
            ddb=session.client("dynamodb"),
            table=names.history_table,
            sfn_client=session.client("stepfunctions"),
            state_machine_arn=names.state_machine_arn,
        )
    if command == "download-model":
        return download_model(args.patient, args.dest, s3=session.client("s3"), bucket=names.patients_bucket)
    raise ConfigError(f"unknown cloud command {command!r}; names: {asdict(names)}")
