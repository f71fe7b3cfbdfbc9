"""Files VOICE makes once from what its packages ship (the joined Whisper base model, converted
checkpoints, the multi-person pose bundle): where they are cached and how they are named."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

__all__ = ["default_cache_dir", "fingerprint"]

#: Salt of the content fingerprints; part of the cached file names.
_FINGERPRINT_SALT = "voice-whisper-convert/1"


def default_cache_dir() -> Path:
    """``$VOICE_CACHE_DIR``, else ``$XDG_CACHE_HOME/voice``, else ``~/.cache/voice``."""
    if env := os.environ.get("VOICE_CACHE_DIR"):
        return Path(env).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base).expanduser() / "voice"


def fingerprint(files: list[Path], *, salt: str = _FINGERPRINT_SALT) -> str:
    """A cheap, content-based id for model files: size, plus the first and last MiB of each."""
    h = hashlib.sha256(salt.encode())
    chunk = 1 << 20
    for f in files:
        size = f.stat().st_size
        h.update(f"{f.name}:{size}".encode())
        with f.open("rb") as fh:
            h.update(fh.read(chunk))
            if size > chunk:
                fh.seek(max(chunk, size - chunk))
                h.update(fh.read())
    return h.hexdigest()[:16]
