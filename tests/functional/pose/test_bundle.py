"""The multi-person pose bundle: the normalisation the legacy graphs use, built once, cached."""

from __future__ import annotations

import glob
import os
import re
import stat
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from voice.pose import bundle as pose_bundle
from voice.pose.bundle import DETECTOR_NORMALISATION, LANDMARKS_NORMALISATION


def _legacy_subgraph(name: str) -> Any:
    """The ``CalculatorGraphConfig`` of a legacy subgraph compiled into mediapipe's bindings."""
    import mediapipe
    from mediapipe.calculators.tensor import image_to_tensor_calculator_pb2  # noqa: F401 (registers the option)
    from mediapipe.framework import calculator_pb2

    (so,) = glob.glob(str(Path(mediapipe.__file__).parent / "python" / "_framework_bindings*.so"))
    blob = Path(so).read_bytes()
    tail = b"\xa2\x01" + bytes([len(name)]) + name.encode()  # field 20 (type) closes the config
    for m in re.finditer(re.escape(tail), blob):
        for start in range(m.start() - 6000, m.start()):
            if blob[start] != 0x0A or blob[start - 1] != 0:
                continue
            graph = calculator_pb2.CalculatorGraphConfig()
            try:
                graph.ParseFromString(blob[start : m.end()])
            except Exception:
                continue
            if graph.type == name and all(n.calculator for n in graph.node):
                return graph
    raise AssertionError(f"subgraph {name} not found in {so}")


def _float_range(graph: Any) -> tuple[float, float, int]:
    from mediapipe.calculators.tensor import image_to_tensor_calculator_pb2 as itt

    (node,) = [n for n in graph.node if n.calculator == "ImageToTensorCalculator"]
    opts = node.options.Extensions[itt.ImageToTensorCalculatorOptions.ext]
    return opts.output_tensor_float_range.min, opts.output_tensor_float_range.max, opts.output_tensor_width


@pytest.mark.parametrize(
    ("subgraph", "norm", "side"),
    [
        ("PoseDetectionCpu", DETECTOR_NORMALISATION, 224),
        ("PoseLandmarkByRoiCpu", LANDMARKS_NORMALISATION, 256),
    ],
)
def test_normalisation_is_what_the_legacy_graph_feeds_each_model(subgraph: str, norm: Any, side: int) -> None:
    lo, hi, width = _float_range(_legacy_subgraph(subgraph))
    assert width == side
    assert norm.output_range == pytest.approx((lo, hi))


def test_the_bundle_is_built_once_into_the_cache(tmp_path: Path) -> None:
    path = pose_bundle.ensure_bundle(tmp_path)
    assert path.parent == tmp_path / "mediapipe"
    assert path.name == pose_bundle.bundle_file_name()
    assert path.read_bytes() == pose_bundle.build_bundle(), "deterministic bytes"
    mtime = path.stat().st_mtime_ns
    assert pose_bundle.ensure_bundle(tmp_path) == path
    assert path.stat().st_mtime_ns == mtime
    assert [p.name for p in path.parent.iterdir()] == [path.name], "no temp file left behind"


def test_an_installed_bundle_is_used_and_the_cache_left_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The Lambda image runs ``python -m voice.pose.bundle --system`` at build time."""
    installed = tmp_path / "prefix" / "share" / "voice"
    monkeypatch.setattr(pose_bundle, "system_dir", lambda: installed)
    assert pose_bundle.main(["--system"]) == 0
    cache = tmp_path / "cache"
    assert pose_bundle.ensure_bundle(cache) == installed / pose_bundle.bundle_file_name()
    assert not cache.exists()


def test_an_unwritable_cache_falls_back_to_memory(tmp_path: Path) -> None:
    locked = tmp_path / "ro"
    locked.mkdir()
    locked.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        if os.access(locked, os.W_OK):
            pytest.skip("running as a user who can write anywhere (root)")
        asset = pose_bundle.load_bundle(locked)
        assert isinstance(asset, bytes)
        assert asset[:2] == b"PK"
    finally:
        locked.chmod(stat.S_IRWXU)


def test_the_command_writes_where_it_is_told(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert pose_bundle.main(["--cache-dir", str(tmp_path)]) == 0
    printed = Path(capsys.readouterr().out.strip())
    assert printed.is_file()
    assert printed.parent.parent == tmp_path


@pytest.mark.slow
def test_static_landmarks_equal_the_legacy_solution(samples_dir: Path) -> None:
    """Same weights, same normalisation: the Tasks landmarker and the legacy solution agree."""
    import mediapipe as mp
    from mediapipe.tasks.python import BaseOptions, vision

    from voice.media.frames import iter_frames

    frames = [f.bgr[..., ::-1].copy() for f in iter_frames(samples_dir / "garden.mp4") if f.index % 35 == 0]
    options = vision.PoseLandmarkerOptions(
        base_options=BaseOptions(model_asset_buffer=pose_bundle.build_bundle())
    )
    per_frame, confident = [], []
    with (
        vision.PoseLandmarker.create_from_options(options) as tasks,
        mp.solutions.pose.Pose(static_image_mode=True, model_complexity=1) as legacy,
    ):
        for rgb in frames:
            a = legacy.process(rgb).pose_landmarks.landmark
            (b,) = tasks.detect(mp.Image(image_format=mp.ImageFormat.SRGB, data=rgb)).pose_landmarks
            h, w = rgb.shape[:2]
            d = [float(np.hypot((p.x - q.x) * w, (p.y - q.y) * h)) for p, q in zip(a, b, strict=True)]
            per_frame.append(float(np.mean(d)))
            confident += [x for x, p in zip(d, a, strict=True) if p.visibility >= 0.5]
    assert len(frames) >= 4
    # Measured: 0.1 px per frame on average; other normalisations are 12-16 px off (README).
    assert max(per_frame) < 0.5, per_frame
    assert max(confident) < 2.0, max(confident)
