"""Keep MediaPipe quiet: its glog/absl/TFLite chatter on stderr says nothing to a user.

Imported by every module that starts a MediaPipe graph (:mod:`voice.pose.legacy`,
:mod:`voice.people.estimator`, :mod:`voice.pose.face_hands`).
"""

from __future__ import annotations

import contextlib
import os
import sys
import warnings
from collections.abc import Iterator

__all__ = ["native_stderr_muted"]

# MediaPipe (glog/absl/TFLite) is chatty on stderr; keep it to errors.
os.environ.setdefault("GLOG_minloglevel", "2")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# mediapipe 0.10.14 calls a protobuf API that newer protobuf deprecates, once per graph.
warnings.filterwarnings("ignore", message=r"SymbolDatabase\.GetPrototype\(\) is deprecated")


@contextlib.contextmanager
def native_stderr_muted() -> Iterator[None]:
    """Silence file descriptor 2 while MediaPipe builds and starts its graph.

    Its C++ side (absl, TFLite) prints warnings such as "Feedback manager requires a model with
    a single signature" straight to fd 2 before GLOG settings apply; they say nothing to a user.
    Python errors still propagate as exceptions.
    """
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
