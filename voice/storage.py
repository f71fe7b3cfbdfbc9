"""Storage behind one small interface: a local folder or two S3 buckets, same keys on both.

A store knows two logical buckets, ``videos`` and ``patients`` (see :mod:`voice.layout`).
:class:`LocalStore` maps them to ``<root>/videos`` and ``<root>/patients``;
:class:`voice.aws.s3.S3Store` maps them to real bucket names.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from voice.errors import ConflictError, StorageError
from voice.layout import PATIENTS, VIDEOS

__all__ = [
    "BUCKETS",
    "LocalStore",
    "ObjectInfo",
    "ProgressCallback",
    "Store",
    "Versioned",
    "check_bucket",
    "json_bytes",
    "key_inside",
]

ProgressCallback = Callable[[int], None]


@dataclass(frozen=True)
class ObjectInfo:
    key: str
    size: int
    modified: datetime


@dataclass(frozen=True)
class Versioned:
    """An object's bytes and its version tag (S3's ETag; locally a digest of the bytes), for a
    later :meth:`Store.write_if` that must not overwrite someone else's change."""

    data: bytes
    etag: str


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

    def download(
        self, bucket: str, key: str, *, version: str | None = None
    ) -> contextlib.AbstractContextManager[Path]:
        """Stream the object (``version``: that exact version, where the store keeps versions) to a
        local temp file; yields its path, removed on exit."""
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

    def read_versioned(self, bucket: str, key: str) -> Versioned | None:
        """The object and its version tag; None when there is no object at ``key``."""
        ...

    def write_if(
        self, bucket: str, key: str, data: bytes, *, etag: str | None, content_type: str | None = None
    ) -> str:
        """Write only if the object is still the version ``etag`` names (``None``: only if there is
        no object yet); returns the new version tag. :class:`~voice.errors.ConflictError` when it
        changed (or appeared) meanwhile: nothing is written, never a silent overwrite."""
        ...

    def read_range(self, bucket: str, key: str, start: int, end: int) -> bytes:
        """Bytes ``start`` to ``end`` inclusive (as HTTP ranges count), clipped at the object's end."""
        ...

    def stat(self, bucket: str, key: str) -> ObjectInfo | None:
        """The object's size and time; None when there is none."""
        ...


BUCKETS = (VIDEOS, PATIENTS)


def check_bucket(bucket: str) -> None:
    if bucket not in BUCKETS:
        raise StorageError(f"unknown logical bucket {bucket!r}; use one of {BUCKETS}.")


class LocalStore:
    """A folder that mirrors the buckets: ``<root>/videos/...`` and ``<root>/patients/...``.

    Writes are atomic (temp file + rename), so readers never see half a file;
    :meth:`put_if_absent` uses a hard link, which fails if the target exists.
    """

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    def path(self, bucket: str, key: str) -> Path:
        """Where ``key`` lives; a key whose path would lie outside ``<root>/<bucket>`` on this
        system (absolute, ``..``, a drive such as ``C:`` or a ``\\`` separator on Windows) is refused."""
        check_bucket(bucket)
        if key.startswith("/") or ".." in key.split("/"):
            raise StorageError(f"unsafe key {key!r}.")
        return self._inside(bucket, key)

    def _inside(self, bucket: str, key: str) -> Path:
        if not key_inside(str(self.root / bucket), key):
            raise StorageError(f"a key of {bucket} resolves outside the data directory; refused.")
        return self.root / bucket / key

    def read(self, bucket: str, key: str) -> bytes:
        try:
            return self.path(bucket, key).read_bytes()
        except FileNotFoundError as exc:
            raise StorageError(f"{bucket}/{key} does not exist.") from exc

    def _temp_beside(self, target: Path) -> Path:
        for attempt in range(3):  # a delete may empty the folder and remove it in between
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
                break
            except FileNotFoundError:
                if attempt == 2:
                    raise
        os.close(fd)  # the folder now holds a file: a delete no longer removes it
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
        check_bucket(bucket)
        if not base.exists():
            return
        # Walk only the deepest directory the prefix names, then filter by the rest.
        head = prefix.rsplit("/", 1)[0] if "/" in prefix else ""
        start = self._inside(bucket, head) if head else base
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
                    try:
                        st = full.stat()
                    except FileNotFoundError:  # deleted since the walk saw it: not in this listing
                        continue
                    found.append(ObjectInfo(key, st.st_size, datetime.fromtimestamp(st.st_mtime, UTC)))
        yield from sorted(found, key=lambda o: o.key)

    def exists(self, bucket: str, key: str) -> bool:
        return self.path(bucket, key).is_file()

    def delete(self, bucket: str, key: str) -> None:
        path = self.path(bucket, key)
        path.unlink(missing_ok=True)
        # Folders exist only through their files, as prefixes do in a bucket: drop emptied ones.
        root = self.root / bucket
        for folder in path.parents:
            if folder == root or root not in folder.parents:
                break
            try:
                folder.rmdir()
            except OSError:  # not empty (or gone)
                break

    @contextlib.contextmanager
    def download(self, bucket: str, key: str, *, version: str | None = None) -> Iterator[Path]:
        # A local folder keeps one version of each file, and uploads are never overwritten.
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

    def read_versioned(self, bucket: str, key: str) -> Versioned | None:
        path = self.path(bucket, key)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return None
        return Versioned(data, content_tag(data))

    def write_if(
        self, bucket: str, key: str, data: bytes, *, etag: str | None, content_type: str | None = None
    ) -> str:
        self.path(bucket, key)  # the key is checked before its lock file is named after it
        with _locked(self.root / ".locks" / bucket / f"{key}.lock"):
            current = self.read_versioned(bucket, key)
            if current is None and etag is not None:
                raise ConflictError(f"{bucket}/{key} was deleted since it was read; read it again.")
            if current is not None and current.etag != etag:
                what = "was created" if etag is None else "changed"
                raise ConflictError(
                    f"{bucket}/{key} {what} since it was read; read it again and redo the change."
                )
            self.write(bucket, key, data, content_type=content_type)
        return content_tag(data)

    def read_range(self, bucket: str, key: str, start: int, end: int) -> bytes:
        if start < 0 or end < start:
            raise StorageError(f"invalid byte range {start}-{end} of {bucket}/{key}.")
        try:
            with self.path(bucket, key).open("rb") as f:
                f.seek(start)
                return f.read(end - start + 1)
        except FileNotFoundError as exc:
            raise StorageError(f"{bucket}/{key} does not exist.") from exc

    def stat(self, bucket: str, key: str) -> ObjectInfo | None:
        try:
            st = self.path(bucket, key).stat()
        except FileNotFoundError:
            return None
        return ObjectInfo(key, st.st_size, datetime.fromtimestamp(st.st_mtime, UTC))


def content_tag(data: bytes) -> str:
    """A local object's version tag: a digest of its bytes (same bytes, same tag)."""
    return hashlib.sha256(data).hexdigest()[:32]


@contextlib.contextmanager
def _locked(lock: Path) -> Iterator[None]:
    """An exclusive lock on ``lock`` (a file beside the buckets) for the block, across processes."""
    lock.parent.mkdir(parents=True, exist_ok=True)
    with lock.open("a+b") as f:
        if sys.platform == "win32":
            import msvcrt

            f.seek(0)
            msvcrt.locking(f.fileno(), msvcrt.LK_LOCK, 1)
            try:
                yield
            finally:
                f.seek(0)
                msvcrt.locking(f.fileno(), msvcrt.LK_UNLCK, 1)
        else:
            import fcntl

            fcntl.flock(f.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(f.fileno(), fcntl.LOCK_UN)


def key_inside(base: str, key: str, paths: Any = os.path) -> bool:
    """Whether ``key`` joined to the folder ``base`` stays inside it, as the system's path rules
    (``paths``: ``os.path``, or ``ntpath``/``posixpath`` in tests) read it, without touching the
    disk. Links inside the data folder are the operator's and are followed (the training entry
    links its input channel in as ``patients/<ref>``)."""
    folder = paths.normpath(base)
    target = paths.normpath(paths.join(folder, key))
    try:
        return bool(paths.commonpath([folder, target]) == folder and target != folder)
    except ValueError:  # another drive, or absolute against relative
        return False


def json_bytes(doc: Any) -> bytes:
    """The project's JSON file format: indented, UTF-8, key order kept, one trailing newline."""
    return (json.dumps(doc, indent=2, ensure_ascii=False, sort_keys=False) + "\n").encode()
