"""CTranslate2 ``model.bin`` files read with numpy alone (no ctranslate2 needed).

The layout is the one ``ctranslate2.specs.model_spec.ModelSpec._serialize`` writes (binary
version 6). :func:`read_ct2_model` parses it; :func:`dequantised` turns int8/int16 weights back
into float32. Used by :mod:`voice.transcription.convert` to build openai-whisper checkpoints.
"""

from __future__ import annotations

import os
import struct
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from voice.errors import ConfigError

__all__ = ["SUPPORTED_BINARY_VERSION", "CT2Model", "CheckpointFormatError", "dequantised", "read_ct2_model"]

#: ``model.bin`` layout version this reader understands (``CURRENT_BINARY_VERSION`` of ctranslate2 3.x/4.x).
SUPPORTED_BINARY_VERSION = 6

# Order of CTranslate2's DataType enum (include/ctranslate2/types.h); bfloat16 has no numpy type.
_CT2_DTYPES: tuple[str, ...] = ("float32", "int8", "int16", "int32", "float16", "bfloat16")


class CheckpointFormatError(ConfigError):
    """A model file is not a CTranslate2 Whisper model this converter understands."""


@dataclass
class CT2Model:
    """The variables of one CTranslate2 ``model.bin``, as stored (not yet dequantised)."""

    spec: str
    revision: int
    binary_version: int
    variables: dict[str, np.ndarray]
    aliases: dict[str, str] = field(default_factory=dict)

    def get(self, name: str) -> np.ndarray:
        """The variable ``name``, following an alias if ``name`` is one."""
        seen = set()
        while name in self.aliases and name not in seen:
            seen.add(name)
            name = self.aliases[name]
        return self.variables[name]

    def __contains__(self, name: object) -> bool:
        return name in self.variables or name in self.aliases


class _Reader:
    def __init__(self, data: memoryview, path: Path) -> None:
        self.data = data
        self.pos = 0
        self.path = path

    def take(self, n: int) -> memoryview:
        if self.pos + n > len(self.data):
            raise CheckpointFormatError(
                f"{self.path} is truncated (wanted {n} bytes at offset {self.pos}, "
                f"file has {len(self.data)}); "
                "if it was joined from parts, join all of them in order."
            )
        chunk = self.data[self.pos : self.pos + n]
        self.pos += n
        return chunk

    def unpack(self, fmt: str) -> int:
        (value,) = struct.unpack("<" + fmt, self.take(struct.calcsize("<" + fmt)))
        return int(value)

    def string(self) -> str:
        # Length includes the trailing NUL that CTranslate2 writes.
        n = self.unpack("H")
        raw = bytes(self.take(n))
        return raw[:-1].decode("utf-8") if raw.endswith(b"\0") else raw.decode("utf-8")


def _decode_array(raw: memoryview, dtype_id: int, shape: tuple[int, ...], name: str) -> np.ndarray:
    if not 0 <= dtype_id < len(_CT2_DTYPES):
        raise CheckpointFormatError(f"variable {name!r} has unknown CTranslate2 dtype id {dtype_id}.")
    kind = _CT2_DTYPES[dtype_id]
    if kind == "bfloat16":
        bits = np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16
        return bits.view(np.float32).reshape(shape)
    arr = np.frombuffer(raw, dtype=np.dtype(kind).newbyteorder("<"))
    if arr.size != int(np.prod(shape, dtype=np.int64)):
        raise CheckpointFormatError(
            f"variable {name!r}: {arr.size} values of {kind} do not fill shape {list(shape)}."
        )
    return arr.reshape(shape)


def read_ct2_model(path: str | os.PathLike[str]) -> CT2Model:
    """Parse a CTranslate2 ``model.bin`` (or a directory holding one).

    The layout is the one ``ctranslate2.specs.model_spec.ModelSpec._serialize`` writes
    (binary version 6): ``u32 version, str spec, u32 revision, u32 n``, then per variable
    ``str name, u8 rank, u32 dims[rank], u8 dtype, u32 nbytes, bytes``, then ``u32 n_aliases``
    and pairs ``str alias, str target``; a ``str`` is ``u16 length`` (NUL included) + UTF-8 + NUL.
    Arrays are read-only views of the file's bytes.
    """
    p = Path(path)
    if p.is_dir():
        p = p / "model.bin"
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise CheckpointFormatError(f"cannot read CTranslate2 model {p}: {exc}") from exc
    r = _Reader(memoryview(data), p)
    version = r.unpack("I")
    if version != SUPPORTED_BINARY_VERSION:
        raise CheckpointFormatError(
            f"{p} has CTranslate2 binary version {version}; this converter reads version "
            f"{SUPPORTED_BINARY_VERSION} (ctranslate2 >= 3). Re-convert the model with a current ctranslate2."
        )
    spec = r.string()
    revision = r.unpack("I")
    variables: dict[str, np.ndarray] = {}
    for _ in range(r.unpack("I")):
        name = r.string()
        rank = r.unpack("B")
        shape = tuple(r.unpack("I") for _ in range(rank))
        dtype_id = r.unpack("B")
        nbytes = r.unpack("I")
        variables[name] = _decode_array(r.take(nbytes), dtype_id, shape, name)
    aliases: dict[str, str] = {}
    if r.pos < len(r.data):
        for _ in range(r.unpack("I")):
            alias = r.string()
            aliases[alias] = r.string()
    if r.pos != len(r.data):
        raise CheckpointFormatError(f"{p} has {len(r.data) - r.pos} unexpected trailing bytes.")
    return CT2Model(
        spec=spec, revision=revision, binary_version=version, variables=variables, aliases=aliases
    )


def dequantised(model: CT2Model) -> dict[str, np.ndarray]:
    """Every float tensor of the model as float32, int8/int16 weights multiplied back by their scales.

    Aliases map to the dequantised value of their target (CTranslate2 aliases before quantising,
    so an alias never has a scale of its own).
    """
    out: dict[str, np.ndarray] = {}
    for name, value in model.variables.items():
        if name.endswith("_scale") and name[: -len("_scale")] in model.variables:
            continue
        scale_name = name + "_scale"
        if scale_name in model.variables:
            scale = model.variables[scale_name].astype(np.float32)
            q = value.astype(np.float32)
            if scale.ndim == 0:  # int16: one scale for the whole tensor
                out[name] = q / scale
            else:  # int8: one scale per output row (conv weights are scaled as [out, in * k])
                out[name] = q / scale.reshape((-1,) + (1,) * (q.ndim - 1))
        elif value.ndim > 0 and value.dtype.kind == "f":
            out[name] = value.astype(np.float32)
        else:
            out[name] = value  # scalar options (num_heads, pre_norm, ...): not weights
    for alias in model.aliases:
        target = alias
        for _ in range(len(model.aliases) + 1):
            if target not in model.aliases:
                break
            target = model.aliases[target]
        if target in out:
            out[alias] = out[target]
    return out
