"""Every local path a key resolves to stays under the data directory (LocalStore): a key can never
name a file outside its bucket's folder, whatever it holds; a link the operator put inside the
folder (the training entry links its input channel in) is followed."""

from __future__ import annotations

from pathlib import Path

import pytest

from voice.errors import StorageError
from voice.storage import LocalStore


@pytest.mark.parametrize("key", ["../outside.txt", "/etc/passwd", "maria/../../outside.txt", "maria/.."])
def test_keys_that_leave_the_bucket_are_refused_for_every_operation(tmp_path: Path, key: str) -> None:
    store = LocalStore(tmp_path / "data")
    with pytest.raises(StorageError):
        store.write("videos", key, b"x")
    with pytest.raises(StorageError):
        store.read("videos", key)
    with pytest.raises(StorageError):
        store.exists("videos", key)
    assert not (tmp_path / "outside.txt").exists()


def test_listing_never_walks_out_of_the_bucket(tmp_path: Path) -> None:
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "file.txt").write_text("x")
    store = LocalStore(tmp_path / "data")
    store.write("videos", "maria/clip.mp4", b"x")
    with pytest.raises(StorageError, match="outside the data directory"):
        list(store.list("videos", "../../elsewhere/"))
    with pytest.raises(StorageError, match="outside the data directory"):
        list(store.list("videos", "maria/../../elsewhere/"))


def test_a_link_the_operator_put_inside_the_folder_is_followed(tmp_path: Path) -> None:
    """As the training entry does: the input channel appears as ``patients/<ref>/``."""
    channel = tmp_path / "channel"
    (channel / "happiness").mkdir(parents=True)
    (channel / "happiness" / "pose_000000.json").write_text("{}")
    store = LocalStore(tmp_path / "data")
    (tmp_path / "data" / "patients").mkdir(parents=True)
    (tmp_path / "data" / "patients" / "ref").symlink_to(channel, target_is_directory=True)
    assert [o.key for o in store.list("patients", "ref/")] == ["ref/happiness/pose_000000.json"]
    assert store.read("patients", "ref/happiness/pose_000000.json") == b"{}"


def test_a_symlinked_data_directory_itself_is_fine(tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.mkdir()
    (tmp_path / "link").symlink_to(real, target_is_directory=True)
    store = LocalStore(tmp_path / "link")
    store.write("videos", "maria/clip.mp4", b"x")
    assert store.read("videos", "maria/clip.mp4") == b"x"
    assert (real / "videos" / "maria" / "clip.mp4").exists()
