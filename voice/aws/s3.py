"""Two real S3 buckets behind :class:`voice.storage.Store` (same keys as the local folder)."""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from voice.aws.access import error_code
from voice.config import Settings
from voice.errors import ConflictError, StorageError
from voice.layout import PATIENTS, VIDEOS
from voice.storage import ObjectInfo, ProgressCallback, Versioned, check_bucket

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

__all__ = ["S3Store", "sse_args"]


class S3Store:
    """Two real S3 buckets behind the same interface. ``client`` is a boto3 S3 client.

    ``kms_key``: the stack's data key (its ARN). Every write then asks for SSE-KMS with that key
    (``ServerSideEncryption`` + ``SSEKMSKeyId``): the stack's buckets refuse any other upload
    (docs/cloud.md, "Security"). Without it (a bucket of another kind) writes send no such header.
    """

    def __init__(
        self, client: S3Client, *, videos_bucket: str, patients_bucket: str, kms_key: str | None = None
    ) -> None:
        self.client = client
        self.buckets = {VIDEOS: videos_bucket, PATIENTS: patients_bucket}
        self.kms_key = kms_key or None

    @classmethod
    def from_settings(cls, settings: Settings) -> S3Store:
        """The buckets ``VOICE_VIDEOS_BUCKET`` and ``VOICE_PATIENTS_BUCKET`` name, written with the key
        ``VOICE_DATA_KEY_ARN`` names."""
        return cls(
            boto3.client("s3"),
            videos_bucket=settings.videos_bucket,
            patients_bucket=settings.patients_bucket,
            kms_key=settings.data_key_arn,
        )

    @property
    def sse(self) -> dict[str, Any]:
        """The encryption arguments of every write (none without a key)."""
        return sse_args(self.kms_key)

    def _bucket(self, bucket: str) -> str:
        check_bucket(bucket)
        return self.buckets[bucket]

    def _put(self, bucket: str, key: str, data: bytes, **extra: Any) -> dict[str, Any]:
        """One PutObject, encrypted with the stack's key (when the store has one)."""
        args: dict[str, Any] = {"Bucket": self._bucket(bucket), "Key": key, "Body": data, **extra, **self.sse}
        return dict(self.client.put_object(**args))

    def _error(self, exc: ClientError | BotoCoreError) -> str:
        code = error_code(exc) or type(exc).__name__
        if code == "AccessDenied" and self.kms_key is None:
            return f"{code} (writes must be encrypted with the stack's key: set VOICE_DATA_KEY_ARN)"
        return code

    def read(self, bucket: str, key: str) -> bytes:
        try:
            body = self.client.get_object(Bucket=self._bucket(bucket), Key=key)["Body"]
            return body.read()
        except (ClientError, BotoCoreError) as exc:
            raise StorageError(f"cannot read {bucket}/{key}: {self._error(exc)}") from exc

    def write(self, bucket: str, key: str, data: bytes, *, content_type: str | None = None) -> None:
        extra = {"ContentType": content_type} if content_type else {}
        try:
            self._put(bucket, key, data, **extra)
        except (ClientError, BotoCoreError) as exc:
            raise StorageError(f"cannot write {bucket}/{key}: {self._error(exc)}") from exc

    def put_if_absent(self, bucket: str, key: str, data: bytes) -> bool:
        # S3 conditional writes: If-None-Match: * fails with 412 when the key exists.
        try:
            self._put(bucket, key, data, IfNoneMatch="*")
            return True
        except (ClientError, BotoCoreError) as exc:
            if self._error(exc) in {"PreconditionFailed", "412", "ConditionalRequestConflict"}:
                return False
            raise StorageError(f"cannot write {bucket}/{key}: {self._error(exc)}") from exc

    def list(self, bucket: str, prefix: str = "") -> Iterator[ObjectInfo]:
        paginator = self.client.get_paginator("list_objects_v2")
        try:
            for page in paginator.paginate(Bucket=self._bucket(bucket), Prefix=prefix):
                for obj in page.get("Contents", []):
                    yield ObjectInfo(obj["Key"], int(obj["Size"]), obj["LastModified"])
        except (ClientError, BotoCoreError) as exc:
            raise StorageError(f"cannot list {bucket}/{prefix}: {self._error(exc)}") from exc

    def folders(self, bucket: str) -> Iterator[str]:
        """The bucket's top-level "folders" (common prefixes before the first ``/``), without it."""
        paginator = self.client.get_paginator("list_objects_v2")
        try:
            for page in paginator.paginate(Bucket=self._bucket(bucket), Delimiter="/"):
                for common in page.get("CommonPrefixes", []):
                    yield common["Prefix"].rstrip("/")
        except (ClientError, BotoCoreError) as exc:
            raise StorageError(f"cannot list {bucket}: {self._error(exc)}") from exc

    def exists(self, bucket: str, key: str) -> bool:
        try:
            self.client.head_object(Bucket=self._bucket(bucket), Key=key)
            return True
        except (ClientError, BotoCoreError) as exc:
            if self._error(exc) in {"404", "NoSuchKey", "NotFound"}:
                return False
            raise StorageError(f"cannot check {bucket}/{key}: {self._error(exc)}") from exc

    def delete(self, bucket: str, key: str) -> None:
        try:
            self.client.delete_object(Bucket=self._bucket(bucket), Key=key)
        except (ClientError, BotoCoreError) as exc:
            raise StorageError(f"cannot delete {bucket}/{key}: {self._error(exc)}") from exc

    @contextlib.contextmanager
    def download(self, bucket: str, key: str, *, version: str | None = None) -> Iterator[Path]:
        with tempfile.TemporaryDirectory(prefix="voice-") as tmp:
            local = Path(tmp) / (Path(key).name or "object")
            extra = {"VersionId": version} if version else None
            try:
                self.client.download_file(self._bucket(bucket), key, str(local), ExtraArgs=extra)
            except (ClientError, BotoCoreError) as exc:
                raise StorageError(f"cannot download {bucket}/{key}: {self._error(exc)}") from exc
            yield local

    def upload(
        self,
        bucket: str,
        key: str,
        path: Path,
        *,
        content_type: str | None = None,
        progress: ProgressCallback | None = None,
    ) -> None:
        extra = {**({"ContentType": content_type} if content_type else {}), **self.sse} or None
        try:
            # upload_file switches to multipart above 8 MB and calls back with bytes sent.
            self.client.upload_file(str(path), self._bucket(bucket), key, ExtraArgs=extra, Callback=progress)
        except (ClientError, BotoCoreError) as exc:
            raise StorageError(f"cannot upload {bucket}/{key}: {self._error(exc)}") from exc

    def describe(self, bucket: str, key: str) -> str:
        return f"s3://{self._bucket(bucket)}/{key}"

    def read_versioned(self, bucket: str, key: str) -> Versioned | None:
        try:
            got = self.client.get_object(Bucket=self._bucket(bucket), Key=key)
            return Versioned(got["Body"].read(), got["ETag"])
        except (ClientError, BotoCoreError) as exc:
            if self._error(exc) in _MISSING:
                return None
            raise StorageError(f"cannot read {bucket}/{key}: {self._error(exc)}") from exc

    def write_if(
        self, bucket: str, key: str, data: bytes, *, etag: str | None, content_type: str | None = None
    ) -> str:
        # S3 conditional writes: If-Match (this version only) or If-None-Match: * (no object yet);
        # 412 when the condition fails, 409 when another conditional write to the key is under way.
        condition = {"IfNoneMatch": "*"} if etag is None else {"IfMatch": etag}
        try:
            put = self._put(bucket, key, data, ContentType=content_type or "binary/octet-stream", **condition)
        except (ClientError, BotoCoreError) as exc:
            code = self._error(exc)
            if code in _CONFLICT or (etag is not None and code in _MISSING):
                raise ConflictError(
                    f"{bucket}/{key} changed since it was read; read it again and redo the change."
                ) from None
            raise StorageError(f"cannot write {bucket}/{key}: {code}") from exc
        return str(put["ETag"])

    def read_range(self, bucket: str, key: str, start: int, end: int) -> bytes:
        if start < 0 or end < start:
            raise StorageError(f"invalid byte range {start}-{end} of {bucket}/{key}.")
        try:
            got = self.client.get_object(Bucket=self._bucket(bucket), Key=key, Range=f"bytes={start}-{end}")
            return got["Body"].read()
        except (ClientError, BotoCoreError) as exc:
            if self._error(exc) == "InvalidRange":  # start at or past the end: nothing there
                return b""
            raise StorageError(f"cannot read {bucket}/{key}: {self._error(exc)}") from exc

    def stat(self, bucket: str, key: str) -> ObjectInfo | None:
        try:
            head = self.client.head_object(Bucket=self._bucket(bucket), Key=key)
        except (ClientError, BotoCoreError) as exc:
            if self._error(exc) in _MISSING:
                return None
            raise StorageError(f"cannot check {bucket}/{key}: {self._error(exc)}") from exc
        return ObjectInfo(key, int(head["ContentLength"]), head["LastModified"])


def sse_args(kms_key: str | None) -> dict[str, Any]:
    """``ServerSideEncryption``/``SSEKMSKeyId`` of a write encrypted with ``kms_key`` (none without one)."""
    return {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": kms_key} if kms_key else {}


#: Error codes of a missing object (a HEAD answers with the bare status).
_MISSING = {"404", "NoSuchKey", "NotFound"}
#: Error codes of a lost conditional write.
_CONFLICT = {"PreconditionFailed", "412", "ConditionalRequestConflict", "409"}
