"""``voice cloud upload``: videos into the videos bucket, never over another upload.

Each video is written with ``If-None-Match: *`` (a single ``PutObject``, or the
``CompleteMultipartUpload`` of a multipart upload above :data:`MULTIPART_BYTES`): S3 refuses the
write when any object appeared under the key meanwhile, so the check for an earlier upload and the
write are one step. A different file already under the name is kept and this one gets the first 8
hex digits of its content hash appended (as ``voice process`` does locally); the same file again is
not sent twice. Every write asks for SSE-KMS with the stack's data key (``kms_key``): the buckets
refuse anything else.
"""

from __future__ import annotations

import json
import mimetypes
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from voice import layout
from voice.aws.access import error_code
from voice.aws.s3 import sse_args
from voice.errors import StorageError
from voice.people.pin import PersonPin

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

__all__ = ["MULTIPART_BYTES", "ProgressCallback", "UploadTarget", "upload"]

#: Above this size a video is sent in parts of this size (S3's minimum part is 5 MiB).
MULTIPART_BYTES = 8 * 1024 * 1024
#: Parts sent at once.
PART_WORKERS = 4
#: S3's answers to a conditional write that lost (an object is there now; another write is under way).
_TAKEN = {"PreconditionFailed", "412", "ConditionalRequestConflict", "409"}

ProgressCallback = Callable[[int], None]


@dataclass(frozen=True)
class UploadTarget:
    """Where uploads go: the client, the videos bucket, and the stack's data key (its ARN; None:
    a bucket that does not require it)."""

    client: S3Client
    bucket: str
    kms_key: str | None = None


def _stored_sha256(client: S3Client, bucket: str, key: str) -> str | None:
    """The content hash an earlier upload recorded in its metadata; "" if it has none; None if the
    key is free."""
    try:
        head = client.head_object(Bucket=bucket, Key=key)
    except ClientError as exc:
        if error_code(exc) in {"404", "NoSuchKey", "NotFound"}:
            return None
        raise
    return str(head.get("Metadata", {}).get("sha256", ""))


def _alternative(key: str, digest: str) -> str:
    name = Path(key)
    return f"{name.parent.as_posix()}/{name.stem}-{digest[:8]}{name.suffix}"


class _Sender:
    """Writes one file to one key only if the key is free (``If-None-Match: *``)."""

    def __init__(self, target: UploadTarget, progress: ProgressCallback | None) -> None:
        self.client, self.bucket, self.kms_key = target.client, target.bucket, target.kms_key
        self.progress = progress

    def _args(self, path: Path, digest: str) -> dict[str, Any]:
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return {"ContentType": content_type, "Metadata": {"sha256": digest}, **sse_args(self.kms_key)}

    def send(self, path: Path, key: str, digest: str) -> bool:
        """True if this call wrote ``key``; False if an object was there (nothing written)."""
        try:
            if path.stat().st_size > MULTIPART_BYTES:
                self._multipart(path, key, digest)
            else:
                body = path.read_bytes()
                args: dict[str, Any] = {"Bucket": self.bucket, "Key": key, "Body": body, "IfNoneMatch": "*"}
                self.client.put_object(**args, **self._args(path, digest))
                self._advance(len(body))
        except ClientError as exc:
            if error_code(exc) in _TAKEN:
                return False
            raise StorageError(f"cannot upload {path.name}: {error_code(exc)}") from exc
        return True

    def _advance(self, sent: int) -> None:
        if self.progress is not None:
            self.progress(sent)

    def _multipart(self, path: Path, key: str, digest: str) -> None:
        args: dict[str, Any] = {"Bucket": self.bucket, "Key": key, **self._args(path, digest)}
        upload_id = self.client.create_multipart_upload(**args)["UploadId"]
        size = path.stat().st_size
        offsets = range(0, size, MULTIPART_BYTES)

        def part(number: int, offset: int) -> dict[str, Any]:
            with path.open("rb") as f:
                f.seek(offset)
                body = f.read(MULTIPART_BYTES)
            etag = self.client.upload_part(
                Bucket=self.bucket, Key=key, UploadId=upload_id, PartNumber=number, Body=body
            )["ETag"]
            self._advance(len(body))
            return {"ETag": etag, "PartNumber": number}

        try:
            with ThreadPoolExecutor(PART_WORKERS) as pool:
                parts = list(pool.map(part, range(1, len(offsets) + 1), offsets))
            self.client.complete_multipart_upload(
                Bucket=self.bucket,
                Key=key,
                UploadId=upload_id,
                MultipartUpload={"Parts": parts},  # type: ignore[typeddict-item]
                IfNoneMatch="*",
            )
        except BaseException:
            self.client.abort_multipart_upload(Bucket=self.bucket, Key=key, UploadId=upload_id)
            raise


def _place(sender: _Sender, path: Path, wanted: str, digest: str) -> tuple[str, bool]:
    """(key it is stored under, already there): the name if free, else the name with the hash."""
    for key in (wanted, _alternative(wanted, digest)):
        stored = _stored_sha256(sender.client, sender.bucket, key)
        if stored == digest:
            return key, True
        if stored is None and sender.send(path, key, digest):
            return key, False
        # Someone else's upload is there (or arrived between the check and the write): next name.
        if _stored_sha256(sender.client, sender.bucket, key) == digest:
            return key, True
    raise StorageError(
        f"{path.name}: both its name and its name with its hash are taken by other uploads; rename it."
    )


def upload(
    paths: Iterable[str | Path],
    patient: str,
    *,
    to: UploadTarget,
    progress: ProgressCallback | None = None,
    pin: PersonPin | None = None,
) -> list[dict[str, Any]]:
    """Upload videos to ``videos/<patient>/<file name>`` (module notes). Validates all first.

    With ``pin`` (``--person``), each video's ``.person.json`` goes first: the video's arrival
    starts the processing, which then finds it.
    """
    planned = []
    for raw in paths:
        path = Path(raw)
        key = layout.parse_upload_key(layout.upload_key(patient, path.name)).key  # valid, NFC
        if not path.is_file():
            raise StorageError(f"{path} is not a file.")
        planned.append((path, key))
    sender = _Sender(to, progress)
    client, bucket = to.client, to.bucket
    done = []
    for path, wanted in planned:
        digest = layout.sha256_file(str(path))
        if pin is not None:  # where this file will go if its own name is free or already its own
            stored = _stored_sha256(client, bucket, wanted)
            target = wanted if stored in (None, digest) else _alternative(wanted, digest)
            sidecar = layout.person_pin_key(layout.parse_upload_key(target))
            pin_args: dict[str, Any] = {"Bucket": bucket, "Key": sidecar, "ContentType": "application/json"}
            client.put_object(Body=json.dumps(pin.to_dict()).encode(), **pin_args, **sse_args(to.kms_key))
        key, present = _place(sender, path, wanted, digest)
        done.append(
            {
                "path": str(path),
                "key": key,
                "bytes": path.stat().st_size,
                "uri": f"s3://{bucket}/{key}",
                "already_uploaded": present,
            }
        )
    return done
