"""A training run's data staged under the patient's keyed reference (docs/cloud.md, "Where PHI lives").

A SageMaker job's description — its channel and output URIs, hyperparameters, tags — cannot be
deleted and is readable without the stack's key, so no patient name may appear in it. Before a
job starts, the Analyze step copies the samples the gate counted (the pose files of every session
that has its index, and those indexes) inside the patients bucket, server-side, to

    work/training/<patient ref>/<stage>/samples/<emotion>/<session>_e<k>/pose_*.json
    work/training/<patient ref>/<stage>/samples/.sessions/<session>.json

and the job reads that prefix and writes below ``work/training/<patient ref>/<stage>/output/``.
``<stage>`` is a digest of the execution's name (as the job's name is): a retried step stages
to the same place. The staged copy is a snapshot (a session processed again meanwhile does not
change a running job's data), and it is a work file: it expires after 14 days, by then the
Promote step has unpacked the run into ``models/<patient>/<run-id>/``.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from botocore.exceptions import BotoCoreError, ClientError

from voice import layout
from voice.aws.access import error_code
from voice.aws.s3 import S3Store
from voice.errors import StorageError
from voice.model.gate import samples_from_listing

__all__ = ["COPY_WORKERS", "Staged", "stage_training_data", "staged_keys"]

#: Server-side copies at once (each is one small request).
COPY_WORKERS = 16


@dataclass(frozen=True)
class Staged:
    """Where one run's data is: the channel prefix, the output prefix, how many objects were copied."""

    samples_prefix: str
    output_prefix: str
    objects: int


def staged_keys(listing: list[str], patient: str) -> list[str]:
    """The keys of ``patients/<patient>/`` a training run uses: the pose files of the samples the
    gate counts (sessions with an index), and those sessions' indexes."""
    samples = samples_from_listing(listing)
    sessions = {s.session for s in samples}
    folders = {s.prefix for s in samples}
    indexes = {layout.session_index_key(patient, s) for s in sessions}
    return sorted(k for k in listing if k in indexes or k.rsplit("/", 1)[0] + "/" in folders)


def stage_training_data(store: S3Store, patient: str, ref: str, stage: str) -> Staged:
    """Copy the patient's training data below ``work/training/<ref>/<stage>/samples/`` (module notes)."""
    patient = layout.validate_name(patient, what="patient name")
    base = layout.training_stage_prefix(ref, stage)
    own = layout.patient_prefix(patient)
    keys = staged_keys([o.key for o in store.list(layout.PATIENTS, own)], patient)
    bucket = store.buckets[layout.PATIENTS]

    def copy(key: str) -> None:
        target = f"{base}samples/{key[len(own) :]}"
        try:
            store.client.copy_object(
                Bucket=bucket, Key=target, CopySource={"Bucket": bucket, "Key": key}, **store.sse
            )
        except (ClientError, BotoCoreError) as exc:
            raise StorageError(
                f"cannot stage a training sample: {error_code(exc) or type(exc).__name__}"
            ) from exc

    with ThreadPoolExecutor(COPY_WORKERS) as pool:
        list(pool.map(copy, keys))
    return Staged(f"{base}samples/", f"{base}output/", len(keys))
