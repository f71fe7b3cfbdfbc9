"""Where files made once are cached, and the content fingerprints in their names."""

from __future__ import annotations

from pathlib import Path

import pytest

from voice.cache import default_cache_dir, fingerprint

MIB = 1 << 20


def test_the_cache_is_voice_cache_dir_else_xdg_else_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("VOICE_CACHE_DIR", raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    assert default_cache_dir() == tmp_path / "home" / ".cache" / "voice"
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_cache_dir() == tmp_path / "xdg" / "voice"
    monkeypatch.setenv("VOICE_CACHE_DIR", "~/models")
    assert default_cache_dir() == tmp_path / "home" / "models", "the setting wins and ~ is expanded"


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_the_same_bytes_give_the_same_fingerprint_wherever_they_are(tmp_path: Path) -> None:
    data = bytes(range(256)) * 8192  # 2 MiB: a first and a last MiB
    a = _write(tmp_path / "model.bin", data)
    (tmp_path / "copy").mkdir()
    b = _write(tmp_path / "copy" / "model.bin", data)
    assert fingerprint([a]) == fingerprint([b])
    assert len(fingerprint([a])) == 16
    assert int(fingerprint([a]), 16) >= 0, "hex digits"


def test_what_the_fingerprint_reads_changes_it(tmp_path: Path) -> None:
    data = bytearray(3 * MIB)
    base = fingerprint([_write(tmp_path / "model.bin", bytes(data))])
    data[-1] = 1  # in the last MiB
    assert fingerprint([_write(tmp_path / "model.bin", bytes(data))]) != base
    data[-1], data[0] = 0, 1  # in the first MiB
    assert fingerprint([_write(tmp_path / "model.bin", bytes(data))]) != base
    assert fingerprint([_write(tmp_path / "model.bin", bytes(3 * MIB + 1))]) != base, "the size"
    assert fingerprint([_write(tmp_path / "other.bin", bytes(3 * MIB))]) != base, "the file name"
    assert fingerprint([_write(tmp_path / "model.bin", bytes(3 * MIB))], salt="other") != base
    assert fingerprint([tmp_path / "model.bin"]) == base, "the same bytes again"


def test_the_middle_of_a_large_file_is_not_read(tmp_path: Path) -> None:
    """Cheap on a 145 MB model: only the size and the first and last MiB count."""
    data = bytearray(3 * MIB)
    base = fingerprint([_write(tmp_path / "model.bin", bytes(data))])
    data[MIB + MIB // 2] = 1
    assert fingerprint([_write(tmp_path / "model.bin", bytes(data))]) == base


def test_several_files_count_in_order(tmp_path: Path) -> None:
    a = _write(tmp_path / "config.json", b"{}")
    b = _write(tmp_path / "model.bin", b"weights")
    assert fingerprint([a, b]) != fingerprint([b, a])
    assert fingerprint([a, b]) != fingerprint([a])
