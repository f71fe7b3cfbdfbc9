"""The wheel's models found without importing mediapipe, run by LiteRT, their invocations timed."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from voice.errors import ConfigError
from voice.pose.litert import InvokeClock, Model, module_file


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
