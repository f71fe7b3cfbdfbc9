"""Storage behind one small interface: a local folder or two S3 buckets, same keys on both.

A store knows two logical buckets, ``videos`` and ``patients`` (see :mod:`voice.layout`).
:class:`LocalStore` maps them to ``<root>/videos`` and ``<root>/patients``; :class:`S3Store`
maps them to real bucket names.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from voice.config import get_settings
from voice.errors import StorageError
from voice.layout import PATIENTS, VIDEOS

__all__ = ["LocalStore", "ObjectInfo", "S3Store", "Store", "make_store"]

ProgressCallback = Callable[[int], None]


@dataclass(frozen=True)
class ObjectInfo:
    key: str
    size: int
    modified: datetime


@runtime_checkable
class Store(Protocol):
    """What the core needs from storage. ``bucket`` is a logical name: ``videos`` or ``patients``."""

    def read(self, bucket: str, key: str) -> bytes: ...

    def write(self, bucket: str, key: str, data: bytes, *, content_type: str | None = None) -> None: ...

    def list(self, bucket: str, prefix: str = "") -> Iterator[ObjectInfo]: ...

    def exists(self, bucket: str, key: str) -> bool: ...

    def delete(self, bucket: str, key: str) -> None:
        """Remove the object at ``key`` (no error if there is none)."""
        ...

    def put_if_absent(self, bucket: str, key: str, data: bytes) -> bool:
        """Write only if no object exists at ``key``. Returns True if this call wrote it."""
        ...

    def download(self, bucket: str, key: str) -> contextlib.AbstractContextManager[Path]:
        """Stream the object to a local temp file; yields its path, removed on exit."""
        ...

    def upload(
        self,
        bucket: str,
        key: str,
        path: Path,
        *,
        content_type: str | None = None,
        progress: ProgressCallback | None = None,
    ) -> None: ...

    def describe(self, bucket: str, key: str) -> str:
        """A human-readable location, e.g. ``s3://real-bucket/key`` or a local path."""
        ...


_BUCKETS = (VIDEOS, PATIENTS)


def _check_bucket(bucket: str) -> None:
    if bucket not in _BUCKETS:
        raise StorageError(f"unknown logical bucket {bucket!r}; use one of {_BUCKETS}.")


class LocalStore:
    """A folder that mirrors the buckets: ``<root>/videos/...`` and ``<root>/patients/...``.

    Writes are atomic (temp file + rename), so readers never see half a file;
    :meth:`put_if_absent` uses a hard link, which fails if the target exists.
    """

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    def path(self, bucket: str, key: str) -> Path:
        _check_bucket(bucket)
        if key.startswith("/") or ".." in key.split("/"):
            raise StorageError(f"unsafe key {key!r}.")
        return self.root / bucket / key

    def read(self, bucket: str, key: str) -> bytes:
        try:
            return self.path(bucket, key).read_bytes()
        except FileNotFoundError as exc:
            raise StorageError(f"{bucket}/{key} does not exist.") from exc

    def _temp_beside(self, target: Path) -> Path:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        os.close(fd)
        return Path(tmp)

    def write(self, bucket: str, key: str, data: bytes, *, content_type: str | None = None) -> None:
        target = self.path(bucket, key)
        tmp = self._temp_beside(target)
        try:
            tmp.write_bytes(data)
            os.replace(tmp, target)
        finally:
            tmp.unlink(missing_ok=True)

    def put_if_absent(self, bucket: str, key: str, data: bytes) -> bool:
        target = self.path(bucket, key)
        tmp = self._temp_beside(target)
        try:
            tmp.write_bytes(data)
            os.link(tmp, target)
            return True
        except FileExistsError:
            return False
        finally:
            tmp.unlink(missing_ok=True)

    def list(self, bucket: str, prefix: str = "") -> Iterator[ObjectInfo]:
        base = self.root / bucket
        _check_bucket(bucket)
        if not base.exists():
            return
        # Walk only the deepest directory the prefix names, then filter by the rest.
        head = prefix.rsplit("/", 1)[0] if "/" in prefix else ""
        start = base / head if head else base
        if not start.exists():
            return
        found: list[ObjectInfo] = []
        for dirpath, _dirs, files in os.walk(start):
            for name in files:
                if name.startswith(".tmp-"):
                    continue
                full = Path(dirpath) / name
                key = full.relative_to(base).as_posix()
                if key.startswith(prefix):
                    st = full.stat()
                    found.append(ObjectInfo(key, st.st_size, datetime.fromtimestamp(st.st_mtime, UTC)))
        yield from sorted(found, key=lambda o: o.key)

    def exists(self, bucket: str, key: str) -> bool:
        return self.path(bucket, key).is_file()

    def delete(self, bucket: str, key: str) -> None:
        self.path(bucket, key).unlink(missing_ok=True)

    @contextlib.contextmanager
    def download(self, bucket: str, key: str) -> Iterator[Path]:
        source = self.path(bucket, key)
        if not source.is_file():
            raise StorageError(f"{bucket}/{key} does not exist.")
        with tempfile.TemporaryDirectory(prefix="voice-") as tmp:
            local = Path(tmp) / Path(key).name
            shutil.copyfile(source, local)
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
        target = self.path(bucket, key)
        tmp = self._temp_beside(target)
        try:
            shutil.copyfile(path, tmp)
            os.replace(tmp, target)
        finally:
            tmp.unlink(missing_ok=True)
        if progress is not None:
            progress(path.stat().st_size)

    def describe(self, bucket: str, key: str) -> str:
        return str(self.path(bucket, key))


class S3Store:
    """Two real S3 buckets behind the same interface. ``client`` is a boto3 S3 client."""

    def __init__(self, client: Any, *, videos_bucket: str, patients_bucket: str) -> None:
        self.client = client
        self.buckets = {VIDEOS: videos_bucket, PATIENTS: patients_bucket}

    def _bucket(self, bucket: str) -> str:
        _check_bucket(bucket)
        return self.buckets[bucket]

    def _error(self, exc: Exception) -> str:
        response = getattr(exc, "response", None) or {}
        return str(response.get("Error", {}).get("Code", type(exc).__name__))

    def read(self, bucket: str, key: str) -> bytes:
        try:
            body = self.client.get_object(Bucket=self._bucket(bucket), Key=key)["Body"]
            return bytes(body.read())
        except Exception as exc:
            raise StorageError(f"cannot read {bucket}/{key}: {self._error(exc)}") from exc

    def write(self, bucket: str, key: str, data: bytes, *, content_type: str | None = None) -> None:
        extra = {"ContentType": content_type} if content_type else {}
        try:
            self.client.put_object(Bucket=self._bucket(bucket), Key=key, Body=data, **extra)
        except Exception as exc:
            raise StorageError(f"cannot write {bucket}/{key}: {self._error(exc)}") from exc

    def put_if_absent(self, bucket: str, key: str, data: bytes) -> bool:
        # S3 conditional writes: If-None-Match: * fails with 412 when the key exists.
        try:
            self.client.put_object(Bucket=self._bucket(bucket), Key=key, Body=data, IfNoneMatch="*")
            return True
        except Exception as exc:
            if self._error(exc) in {"PreconditionFailed", "412", "ConditionalRequestConflict"}:
                return False
            raise StorageError(f"cannot write {bucket}/{key}: {self._error(exc)}") from exc

    def list(self, bucket: str, prefix: str = "") -> Iterator[ObjectInfo]:
        paginator = self.client.get_paginator("list_objects_v2")
        try:
            for page in paginator.paginate(Bucket=self._bucket(bucket), Prefix=prefix):
                for obj in page.get("Contents", []):
                    yield ObjectInfo(obj["Key"], int(obj["Size"]), obj["LastModified"])
        except Exception as exc:
            raise StorageError(f"cannot list {bucket}/{prefix}: {self._error(exc)}") from exc

    def exists(self, bucket: str, key: str) -> bool:
        try:
            self.client.head_object(Bucket=self._bucket(bucket), Key=key)
            return True
        except Exception as exc:
            if self._error(exc) in {"404", "NoSuchKey", "NotFound"}:
                return False
            raise StorageError(f"cannot check {bucket}/{key}: {self._error(exc)}") from exc

    def delete(self, bucket: str, key: str) -> None:
        try:
            self.client.delete_object(Bucket=self._bucket(bucket), Key=key)
        except Exception as exc:
            raise StorageError(f"cannot delete {bucket}/{key}: {self._error(exc)}") from exc

    @contextlib.contextmanager
    def download(self, bucket: str, key: str) -> Iterator[Path]:
        with tempfile.TemporaryDirectory(prefix="voice-") as tmp:
            local = Path(tmp) / (Path(key).name or "object")
            try:
                self.client.download_file(self._bucket(bucket), key, str(local))
            except Exception as exc:
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
        extra = {"ContentType": content_type} if content_type else None
        try:
            # upload_file switches to multipart above 8 MB and calls back with bytes sent.
            self.client.upload_file(str(path), self._bucket(bucket), key, ExtraArgs=extra, Callback=progress)
        except Exception as exc:
            raise StorageError(f"cannot upload {bucket}/{key}: {self._error(exc)}") from exc

    def describe(self, bucket: str, key: str) -> str:
        return f"s3://{self._bucket(bucket)}/{key}"


def make_store(kind: str = "local", *, data_dir: str | os.PathLike[str] | None = None) -> Store:
    """Build the store the settings ask for: ``local`` (a folder) or ``s3`` (the real buckets)."""
    settings = get_settings()
    if kind == "local":
        return LocalStore(data_dir if data_dir is not None else settings.data_dir)
    if kind == "s3":
        import boto3

        return S3Store(
            boto3.client("s3"),
            videos_bucket=settings.videos_bucket,
            patients_bucket=settings.patients_bucket,
        )
    raise StorageError(f"unknown store {kind!r}; use 'local' or 's3'.")
