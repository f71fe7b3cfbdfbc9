"""The multi-person pose model: a MediaPipe Tasks ``.task`` bundle made from the wheel's own weights.

``mediapipe==0.10.14`` ships BlazePose's person detector and its full landmark model as plain
``.tflite`` files for the legacy single-person solution. The Tasks API ``PoseLandmarker`` (which
tracks several people) accepts the same two models once they carry NormalizationOptions metadata
and sit together in a zip as ``pose_detector.tflite`` + ``pose_landmarks_detector.tflite``.

The normalisation each model expects is what the legacy graphs feed it. Their
``ImageToTensorCalculator`` options (the ``PoseDetectionCpu`` and ``PoseLandmarkByRoiCpu``
subgraphs compiled into the wheel) say: the detector takes 224×224 pixels scaled to [-1, 1]
(``mean=127.5, std=127.5``), the landmark model 256×256 pixels scaled to [0, 1]
(``mean=0, std=255``). A test reads those options from the wheel; with these values the bundle's
landmarks equal the legacy solution's to 0.1 px on the bundled samples (static mode).

The bundle is built once (about 0.15 s) and looked up in this order: the install's
``<sys.prefix>/share/voice/`` (``python -m voice.pose.bundle --system`` writes it there, e.g. when
the Lambda image is built), then the cache (``$VOICE_CACHE_DIR``, else ``~/.cache/voice``), where
it is written atomically on first use. File names carry a fingerprint of the source weights, so a
different mediapipe never reuses a stale bundle. A read-only cache falls back to an in-memory
bundle. Nothing is built at import, and nothing is downloaded.
"""

from __future__ import annotations

import argparse
import io
import logging
import os
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from voice.cache import default_cache_dir, fingerprint
from voice.errors import ConfigError

__all__ = [
    "DETECTOR_NORMALISATION",
    "LANDMARKS_NORMALISATION",
    "Normalisation",
    "build_bundle",
    "bundle_file_name",
    "ensure_bundle",
    "load_bundle",
    "source_models",
    "system_dir",
]

log = logging.getLogger("voice")


@dataclass(frozen=True)
class Normalisation:
    """``(pixel - mean) / std``, the same for the three RGB channels."""

    mean: float
    std: float

    @property
    def output_range(self) -> tuple[float, float]:
        """What 0 and 255 become: the ``output_tensor_float_range`` of the legacy graph."""
        return ((0.0 - self.mean) / self.std, (255.0 - self.mean) / self.std)


#: ``PoseDetectionCpu``: ``output_tensor_float_range { min: -1 max: 1 }``.
DETECTOR_NORMALISATION = Normalisation(mean=127.5, std=127.5)
#: ``PoseLandmarkByRoiCpu``: ``output_tensor_float_range { min: 0 max: 1 }``.
LANDMARKS_NORMALISATION = Normalisation(mean=0.0, std=255.0)

_FORMAT = "voice-pose-bundle/1"
_NAME = "pose_landmarker_full_multi"
#: Member names the Tasks PoseLandmarker looks for inside the bundle.
_MEMBERS = ("pose_detector.tflite", "pose_landmarks_detector.tflite")


def source_models() -> tuple[Path, Path]:
    """The detector and full landmark ``.tflite`` files inside the installed mediapipe wheel."""
    import mediapipe

    modules = Path(mediapipe.__file__).parent / "modules"
    files = (
        modules / "pose_detection" / "pose_detection.tflite",
        modules / "pose_landmark" / "pose_landmark_full.tflite",
    )
    for f in files:
        if not f.is_file():
            raise ConfigError(
                f"MediaPipe's pose model {f.name} is missing; install mediapipe==0.10.14 (it ships them)."
            )
    return files


def _with_metadata(model: Path, name: str, norm: Normalisation) -> bytes:
    from mediapipe.tasks.python.metadata.metadata_writers import metadata_writer

    writer = metadata_writer.MetadataWriter.create(bytearray(model.read_bytes()))
    writer.add_general_info(name, f"{model.name} from mediapipe 0.10.14, normalisation of its legacy graph")
    writer.add_image_input(norm_mean=[norm.mean], norm_std=[norm.std])
    return bytes(writer.populate()[0])


def build_bundle() -> bytes:
    """The ``.task`` bundle as bytes (deterministic: fixed zip dates, stored, fixed order)."""
    detector, landmarks = source_models()
    parts = (
        _with_metadata(detector, "pose_detector", DETECTOR_NORMALISATION),
        _with_metadata(landmarks, "pose_landmarks_detector", LANDMARKS_NORMALISATION),
    )
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_STORED) as bundle:
        for member, data in zip(_MEMBERS, parts, strict=True):
            bundle.writestr(zipfile.ZipInfo(member, date_time=(1980, 1, 1, 0, 0, 0)), data)
    return buf.getvalue()


def bundle_file_name() -> str:
    """``pose_landmarker_full_multi-<fingerprint>.task``: sources, normalisation and format."""
    salt = f"{_FORMAT}/{DETECTOR_NORMALISATION}/{LANDMARKS_NORMALISATION}"
    return f"{_NAME}-{fingerprint(list(source_models()), salt=salt)}.task"


def system_dir() -> Path:
    """Where an install (or an image build) puts the bundle: ``<sys.prefix>/share/voice``."""
    return Path(sys.prefix) / "share" / "voice"


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; the cache may be shared by a service user
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def ensure_bundle(cache_dir: str | os.PathLike[str] | None = None) -> Path:
    """The bundle's path: the install's copy if present, else the cache's, building it there once.

    Raises ``OSError`` when the cache cannot be written (see :func:`load_bundle`).
    """
    name = bundle_file_name()
    installed = system_dir() / name
    if installed.is_file():
        return installed
    cached = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    path = cached / "mediapipe" / name
    if not path.is_file():
        _write_atomic(path, build_bundle())
        log.info("built the multi-person pose bundle into the cache")
    return path


def load_bundle(cache_dir: str | os.PathLike[str] | None = None) -> Path | bytes:
    """:func:`ensure_bundle`, or the bundle's bytes when no cache directory is writable."""
    try:
        return ensure_bundle(cache_dir)
    except OSError as exc:
        log.warning("pose bundle cache not writable (%s); building it in memory", type(exc).__name__)
        return build_bundle()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m voice.pose.bundle",
        description="Build the multi-person pose bundle from mediapipe's own weights; print its path.",
    )
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--system", action="store_true", help=f"write it under {system_dir()} (install time)")
    where.add_argument(
        "--cache-dir", type=Path, help="cache directory (default: $VOICE_CACHE_DIR or ~/.cache/voice)"
    )
    args = parser.parse_args(argv)
    try:
        if args.system:
            path = system_dir() / bundle_file_name()
            if not path.is_file():
                _write_atomic(path, build_bundle())
        else:
            path = ensure_bundle(args.cache_dir)
    except (ConfigError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
