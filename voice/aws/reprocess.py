"""``voice cloud reprocess PATIENT FILE``: a new attempt at an upload, by design.

Uploading the same file again starts nothing (``voice cloud upload`` never sends a file twice),
and an event delivered again is one more delivery of the same attempt (a long video's execution
has the same name, and Step Functions refuses a name it has seen for 90 days). A new attempt is
a new object version instead: :func:`request_reprocess` copies the upload onto itself — the same
bytes, the same metadata plus ``voice-reprocess`` (when it was asked) — and S3 announces the copy
like any upload. The video Lambda then processes that version even if its session is complete
(:func:`reprocess_requested`: as ``voice process --force`` does locally), and a long video gets
a new execution, whose name digests the version.

The version the copy replaced is tagged ``voice-superseded``: the bucket's lifecycle expires such
a noncurrent version after 30 days (it holds the same bytes as the copy; uploads themselves are
never expired).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from voice import layout
from voice.aws.access import error_code
from voice.aws.s3 import sse_args
from voice.errors import StorageError

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

__all__ = ["REPROCESS_METADATA", "SUPERSEDED_TAG", "reprocess_requested", "request_reprocess"]

#: User metadata (``x-amz-meta-voice-reprocess``) of a version written by ``voice cloud reprocess``.
REPROCESS_METADATA = "voice-reprocess"
#: The tag on the version a reprocess copy replaced (the lifecycle rule that expires it names it).
SUPERSEDED_TAG = "voice-superseded"


def request_reprocess(
    client: S3Client, bucket: str, patient: str, file_name: str, *, kms_key: str | None
) -> dict[str, Any]:
    """Copy ``<patient>/<file>`` onto itself as a new version that asks to be processed again."""
    key = layout.parse_upload_key(layout.upload_key(patient, file_name)).key
    try:
        head = client.head_object(Bucket=bucket, Key=key)
    except ClientError as exc:
        if error_code(exc) in {"404", "NoSuchKey", "NotFound"}:
            raise StorageError(
                f"there is no upload {file_name!r} of this patient; upload it with `voice cloud upload`."
            ) from exc
        raise StorageError(f"cannot read the upload: {error_code(exc)}") from exc
    asked = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    extra: dict[str, Any] = {
        "MetadataDirective": "REPLACE",
        "Metadata": {**head.get("Metadata", {}), REPROCESS_METADATA: asked},
        "ContentType": head.get("ContentType", "application/octet-stream"),
        **sse_args(kms_key),
    }
    previous = head.get("VersionId")
    source: dict[str, Any] = {"Bucket": bucket, "Key": key, **({"VersionId": previous} if previous else {})}
    try:
        # The managed copy switches to a multipart copy above 8 MB (a single copy stops at 5 GB).
        client.copy(source, bucket, key, ExtraArgs=extra)  # type: ignore[arg-type]
        new = client.head_object(Bucket=bucket, Key=key).get("VersionId")
        if previous and previous != new:
            client.put_object_tagging(
                Bucket=bucket,
                Key=key,
                VersionId=previous,
                Tagging={"TagSet": [{"Key": SUPERSEDED_TAG, "Value": "reprocess"}]},
            )
    except ClientError as exc:
        raise StorageError(f"cannot copy the upload for a new attempt: {error_code(exc)}") from exc
    return {"key": key, "version": new, "replaces": previous, "requested": asked}


def reprocess_requested(client: S3Client, bucket: str, key: str, version: str | None) -> bool:
    """Whether this version of the upload was written by :func:`request_reprocess`."""
    where: dict[str, Any] = {"Bucket": bucket, "Key": key, **({"VersionId": version} if version else {})}
    try:
        head = client.head_object(**where)
    except ClientError:
        return False  # the run itself reports a missing or unreadable upload
    return REPROCESS_METADATA in head.get("Metadata", {})
