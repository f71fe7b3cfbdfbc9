"""Every local path a key resolves to stays under the data directory (LocalStore), whatever the key
or the folder holds: ``..``, absolute keys, and symlinks out of the folder are refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from voice.errors import StorageError
from voice.storage import LocalStore


@pytest.fixture
def escaped(tmp_path: Path) -> tuple[LocalStore, Path]:
    """A store whose ``videos/maria`` folder is a symlink to a folder outside the data directory."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.mp4").write_bytes(b"another patient's video")
    store = LocalStore(tmp_path / "data")
    (tmp_path / "data" / "videos").mkdir(parents=True)
    (tmp_path / "data" / "videos" / "maria").symlink_to(outside, target_is_directory=True)
    return store, outside


def test_a_symlink_out_of_the_data_directory_is_neither_read_nor_written(
    escaped: tuple[LocalStore, Path],
) -> None:
    store, outside = escaped
    with pytest.raises(StorageError, match="outside the data directory"):
        store.read("videos", "maria/secret.mp4")
    with pytest.raises(StorageError, match="outside the data directory"):
        store.write("videos", "maria/new.mp4", b"x")
    with pytest.raises(StorageError, match="outside the data directory"):
        list(store.list("videos", "maria/"))
    with (
        pytest.raises(StorageError, match="outside the data directory"),
        store.download("videos", "maria/secret.mp4"),
    ):
        pass
    assert sorted(p.name for p in outside.iterdir()) == ["secret.mp4"], "nothing written outside"


def test_listing_never_walks_out_of_the_bucket(tmp_path: Path) -> None:
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "file.txt").write_text("x")
    store = LocalStore(tmp_path / "data")
    store.write("videos", "maria/clip.mp4", b"x")
    with pytest.raises(StorageError):
        list(store.list("videos", "../../elsewhere/"))


def test_a_symlinked_data_directory_itself_is_fine(tmp_path: Path) -> None:
    """The check resolves the data directory too: a data folder that is a symlink works."""
    real = tmp_path / "real"
    real.mkdir()
    (tmp_path / "link").symlink_to(real, target_is_directory=True)
    store = LocalStore(tmp_path / "link")
    store.write("videos", "maria/clip.mp4", b"x")
    assert store.read("videos", "maria/clip.mp4") == b"x"
    assert (real / "videos" / "maria" / "clip.mp4").exists()
