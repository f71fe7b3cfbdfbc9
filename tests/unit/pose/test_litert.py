"""The wheel's models found without importing mediapipe, run by LiteRT, their invocations timed, and
cut down to the outputs read."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from voice.errors import ConfigError
from voice.pose.litert import InvokeClock, Model, module_file, only_outputs


def test_model_files_are_found_without_importing_mediapipe() -> None:
    code = (
        "import sys; from voice.pose.litert import module_file; "
        "p = module_file('pose_landmark/pose_landmark_full.tflite'); "
        "print(p.is_file(), 'mediapipe' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "False"]


def test_a_missing_model_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="mediapipe"):
        module_file("pose_landmark/pose_landmark_heavy.tflite")


def test_each_invocation_adds_its_cpu_time_to_the_clock() -> None:
    clock = InvokeClock()
    model = Model("face_landmark/face_landmark.tflite", clock=clock)
    assert model.side == 192
    tensor = np.zeros(model.input_shape, np.float32)
    (landmarks,) = model.run(tensor, [model.output_index(468 * 3)])
    model.run(tensor, [])
    assert landmarks.size == 468 * 3
    assert clock.calls == {"face_landmark": 2}
    assert 0.0 < clock.total() < 1.0
    clock.reset()
    assert clock.total() == 0.0


def _operators(content: bytes) -> int:
    from ai_edge_litert import schema_py_generated as schema

    return int(schema.Model.GetRootAsModel(content, 0).Subgraphs(0).OperatorsLength())


def test_a_model_keeps_only_the_outputs_read_and_gives_them_bit_for_bit() -> None:
    from tests.support.pose_frames import pose_frames
    from voice.pose.crops import BORDER_REPLICATE, crop
    from voice.pose.pose_detector import PoseDetector

    relative = "pose_landmark/pose_landmark_full.tflite"
    full = module_file(relative).read_bytes()
    reads = (39 * 5, 1, 64 * 64 * 39)  # landmarks, presence, heatmaps: not the mask, not the world
    kept = only_outputs(full, reads)
    # The segmentation mask's decoder and the world landmarks' head are gone.
    assert _operators(kept) < _operators(full) - 40
    whole, pruned = Model(relative, clock=InvokeClock()), Model(relative, reads=reads, clock=InvokeClock())
    assert sorted(int(np.prod(o["shape"])) for o in whole.outputs) == [1, 117, 195, 256 * 256, 64 * 64 * 39]
    assert sorted(int(np.prod(o["shape"])) for o in pruned.outputs) == sorted(reads)
    frames = [fr.bgr for fr in pose_frames("garden.mp4", 3)]
    (roi,) = PoseDetector().regions(frames[0])
    for bgr in frames:
        tensor, _ = crop(bgr, roi, 256, border=BORDER_REPLICATE)
        expected = whole.run(tensor, [whole.output_index(size) for size in reads])
        got = pruned.run(tensor, [pruned.output_index(size) for size in reads])
        for a, b in zip(expected, got, strict=True):
            assert a.shape == b.shape
            assert np.array_equal(a, b)
        assert float(got[1].reshape(-1)[0]) > 0.9  # a person is there: real values, not zeros


def test_asking_for_an_output_the_model_lacks_is_a_config_error() -> None:
    content = module_file("face_landmark/face_landmark.tflite").read_bytes()
    with pytest.raises(ConfigError, match="no output of 7 values"):
        only_outputs(content, (468 * 3, 7))


def test_a_model_runs_on_what_is_written_into_its_own_input_as_on_a_tensor_handed_in() -> None:
    from tests.support.pose_frames import pose_frames
    from voice.pose.crops import BORDER_REPLICATE, crop, crop_into
    from voice.pose.pose_detector import PoseDetector

    model = Model("pose_landmark/pose_landmark_full.tflite", reads=(195, 1), clock=InvokeClock())
    outputs = [model.output_index(195), model.output_index(1)]
    frames = [fr.bgr for fr in pose_frames("garden.mp4", 2)]
    (roi,) = PoseDetector().regions(frames[0])
    for bgr in frames:
        tensor, to_frame = crop(bgr, roi, 256, border=BORDER_REPLICATE)
        expected = model.run(tensor, outputs)

        # Twice: the buffer's view is let go each time (LiteRT refuses to run while one lives).
        def fill(target: np.ndarray, bgr: np.ndarray = bgr) -> np.ndarray:
            return crop_into(target, bgr, roi, border=BORDER_REPLICATE)

        for _ in range(2):
            made, got = model.run_on(fill, outputs)
            assert np.array_equal(made, to_frame)
            assert all(np.array_equal(a, b) for a, b in zip(expected, got, strict=True))
        assert float(got[1].reshape(-1)[0]) > 0.9
