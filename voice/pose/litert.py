"""The ``.tflite`` models the mediapipe wheel ships, run by LiteRT in the calling thread, timed.

Every pose model (person detector, body, face and hand landmarks, palm detector) is one
:class:`Model`: a LiteRT interpreter with one thread (two threads are slower per model on these
machines: /work/shared/ENVIRONMENT.md; parallelism comes from running different models on each
core), invoked by the thread that calls it. ``invoke`` releases the GIL, so two threads can run two
models at once. Each invocation's CPU time (of the calling thread) is added to an
:class:`InvokeClock`, so a benchmark can set the pose stage's CPU against the floor its models
set (``benchmarks/profile.py``).

The files are found inside the installed wheel without importing ``mediapipe`` (its import pulls
matplotlib and costs start-up time that nothing here needs).

LiteRT runs every operator of a graph, whether its output is read or not. A model built with
``reads`` (:func:`only_outputs`) keeps only the outputs named and the operators they depend on:
BlazePose's full landmark model without its segmentation mask and world landmarks, which nothing
here reads, runs in two thirds of the time and gives the same values bit for bit
(``docs/performance.md``, "Only the outputs read").
"""

from __future__ import annotations

import importlib.util
import struct
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from voice.errors import ConfigError

__all__ = ["CLOCK", "InvokeClock", "Model", "module_file", "only_outputs"]

R = TypeVar("R")


def module_file(relative: str) -> Path:
    """``mediapipe/modules/<relative>`` of the installed wheel (found without importing it)."""
    spec = importlib.util.find_spec("mediapipe")
    roots = list(spec.submodule_search_locations or []) if spec is not None else []
    for root in roots:
        path = Path(root) / "modules" / relative
        if path.is_file():
            return path
    raise ConfigError(f"{relative} is not in the installed mediapipe wheel; install mediapipe==0.10.14")


def only_outputs(content: bytes, sizes: Sequence[int]) -> bytes:
    """The ``.tflite`` model ``content`` with, as its outputs, only the first output of each size
    (number of values) in ``sizes``, and only the operators those outputs depend on.

    The model is a flatbuffer: its first graph's ``outputs`` (tensor indices) and ``operators``
    (offsets to the operator tables) are vectors, and a vector kept shorter in place, its length
    lowered and its first entries rewritten, is still valid (the entries after it are simply no
    longer referred to). That edits a copy of the bytes in milliseconds, where unpacking the
    whole model into objects and packing it again took a tenth of a second."""
    from ai_edge_litert import schema_py_generated as schema

    data = bytearray(content)
    graph = schema.Model.GetRootAsModel(data, 0).Subgraphs(0)
    outputs = [int(i) for i in graph.OutputsAsNumpy()]
    size_of = {i: int(np.prod(graph.Tensors(i).ShapeAsNumpy())) for i in outputs}
    kept: list[int] = []
    for size in sizes:
        index = next((i for i in outputs if size_of[i] == size and i not in kept), None)
        if index is None:
            raise ConfigError(f"the model has no output of {size} values")
        kept.append(index)
    # The operators are stored in the order they run: walking back from the outputs kept, an
    # operator stays when something needed reads what it writes.
    needed, operators = set(kept), []
    for j in reversed(range(graph.OperatorsLength())):
        op = graph.Operators(j)
        if needed.intersection(int(i) for i in op.OutputsAsNumpy()):
            operators.append(j)
            needed.update(int(i) for i in op.InputsAsNumpy() if i >= 0)
    operators.reverse()
    table = graph._tab  # the generated reader's own table: where the vectors start
    _shorten(data, table.Vector(table.Offset(8)), kept)
    ops_at = table.Vector(table.Offset(10))
    entries = struct.unpack_from(f"<{graph.OperatorsLength()}I", data, ops_at)
    # An operator's entry is an offset from the entry itself: moved forward to slot k, it
    # points as much further.
    _shorten(data, ops_at, [entries[j] + 4 * (j - k) for k, j in enumerate(operators)])
    return bytes(data)


def _shorten(data: bytearray, start: int, values: list[int]) -> None:
    """The 32-bit vector at ``start`` made ``values`` (no longer than it was)."""
    struct.pack_into(f"<I{len(values)}I", data, start - 4, len(values), *values)


@dataclass
class InvokeClock:
    """CPU seconds and calls per model name, summed over every thread (thread-safe)."""

    seconds: dict[str, float] = field(default_factory=dict)
    calls: dict[str, int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, name: str, seconds: float) -> None:
        with self._lock:
            self.seconds[name] = self.seconds.get(name, 0.0) + seconds
            self.calls[name] = self.calls.get(name, 0) + 1

    def total(self) -> float:
        with self._lock:
            return sum(self.seconds.values())

    def reset(self) -> None:
        with self._lock:
            self.seconds.clear()
            self.calls.clear()


#: The process-wide clock every :class:`Model` adds to.
CLOCK = InvokeClock()


class Model:
    """One ``.tflite`` model: ``run(tensor)`` → its output tensors, in the order asked for.

    With ``reads`` (output sizes), the model keeps only those outputs and what they need
    (:func:`only_outputs`)."""

    def __init__(
        self, relative_path: str, *, reads: Sequence[int] | None = None, clock: InvokeClock = CLOCK
    ) -> None:
        from ai_edge_litert.interpreter import Interpreter

        self.name = Path(relative_path).stem
        path = module_file(relative_path)
        # The whole model is mapped from its file; a cut-down one is read from this buffer.
        self._content = None if reads is None else only_outputs(path.read_bytes(), reads)
        source = {"model_path": str(path)} if self._content is None else {"model_content": self._content}
        self._interpreter: Any = Interpreter(**source, num_threads=1)
        self._interpreter.allocate_tensors()
        inp = self._interpreter.get_input_details()[0]
        self._input = int(inp["index"])
        self.input_shape = tuple(int(v) for v in inp["shape"])
        self.outputs: list[dict[str, Any]] = list(self._interpreter.get_output_details())
        self._clock = clock

    @property
    def side(self) -> int:
        """The input's (square) side in pixels."""
        return self.input_shape[1]

    def output_index(self, size: int) -> int:
        """The index of the (first) output with ``size`` values."""
        return next(int(o["index"]) for o in self.outputs if int(np.prod(o["shape"])) == size)

    def run(self, tensor: np.ndarray, outputs: Sequence[int]) -> list[np.ndarray]:
        """Invoke on ``tensor`` (1, side, side, 3) float32; copies of the outputs at ``outputs``."""
        self._interpreter.set_tensor(self._input, tensor)
        return self._invoke(outputs)

    def run_on(self, fill: Callable[[np.ndarray], R], outputs: Sequence[int]) -> tuple[R, list[np.ndarray]]:
        """Invoke on what ``fill`` writes into the model's own input buffer (1, side, side, 3)
        float32 (no tensor allocated, none copied in); ``fill``'s result (which must not hold the
        buffer: LiteRT refuses to run while a view of it lives) and copies of the outputs."""
        target = self._interpreter.tensor(self._input)()
        try:
            made = fill(target)
        finally:
            del target
        return made, self._invoke(outputs)

    def _invoke(self, outputs: Sequence[int]) -> list[np.ndarray]:
        t0 = time.thread_time()
        self._interpreter.invoke()
        self._clock.add(self.name, time.thread_time() - t0)
        return [self._interpreter.get_tensor(i) for i in outputs]
