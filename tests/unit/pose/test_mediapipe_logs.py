"""MediaPipe's native start-up chatter kept off stderr: fd 2 muted while a graph starts, restored after."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
import warnings

import pytest

from voice.pose import mediapipe_logs
from voice.pose.mediapipe_logs import native_stderr_muted


def test_native_writes_to_fd_2_are_dropped_inside_and_kept_after(capfd: pytest.CaptureFixture[str]) -> None:
    os.write(2, b"before\n")
    with native_stderr_muted():
        os.write(2, b"W0000 Feedback manager requires a model with a single signature\n")
    os.write(2, b"after\n")
    assert capfd.readouterr().err == "before\nafter\n"


def test_stderr_comes_back_when_the_graph_fails_to_start(capfd: pytest.CaptureFixture[str]) -> None:
    def start_graph() -> None:
        with native_stderr_muted():
            os.write(2, b"absl chatter\n")
            raise RuntimeError("no model")

    with pytest.raises(RuntimeError, match="no model"):
        start_graph()
    print("the error is still shown", file=sys.stderr)
    assert capfd.readouterr().err == "the error is still shown\n"


def test_buffered_python_output_is_flushed_before_muting(capfd: pytest.CaptureFixture[str]) -> None:
    sys.stderr.write("a warning printed just before\n")  # still in Python's buffer
    with native_stderr_muted():
        pass
    assert capfd.readouterr().err == "a warning printed just before\n"


def _levels_after_import(env: dict[str, str]) -> list[str]:
    code = (
        "import os, voice.pose.mediapipe_logs;"
        "print(os.environ['GLOG_minloglevel'], os.environ['TF_CPP_MIN_LOG_LEVEL'])"
    )
    clean = {k: v for k, v in os.environ.items() if k not in {"GLOG_minloglevel", "TF_CPP_MIN_LOG_LEVEL"}}
    out = subprocess.run([sys.executable, "-c", code], env={**clean, **env}, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return out.stdout.split()


def test_importing_it_sets_glog_and_tensorflow_logging_to_errors_unless_set_already() -> None:
    assert _levels_after_import({}) == ["2", "2"]
    assert _levels_after_import({"GLOG_minloglevel": "0"}) == ["0", "2"], "a user's own level is kept"


def test_the_protobuf_deprecation_mediapipe_triggers_is_ignored() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("default")
        importlib.reload(mediapipe_logs)  # adds its filter in front of the default one
        warnings.warn(
            "SymbolDatabase.GetPrototype() is deprecated. Please use message_factory",
            UserWarning,
            stacklevel=1,
        )
        warnings.warn("something else", UserWarning, stacklevel=1)
    assert [str(w.message) for w in caught] == ["something else"]
