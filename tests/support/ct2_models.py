"""Small CTranslate2 Whisper models written by ctranslate2's own spec API, from random weights.

:func:`random_openai_state_dict` makes openai-whisper parameter names and shapes (no torch
needed); :func:`build_ct2_dir` saves them as a CTranslate2 model laid out the way CTranslate2's
Transformers converter lays them out (fused q/k/v, zero key bias, tied projection). The
transcription tests read, convert and run them (``tests/unit/transcription/``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from voice.transcription.convert import WhisperDims

__all__ = ["ALIGNMENT_HEADS", "SMALL", "build_ct2_dir", "random_openai_state_dict"]

SMALL = WhisperDims(
    n_mels=80,
    n_audio_ctx=1500,
    n_audio_state=64,
    n_audio_head=2,
    n_audio_layer=2,
    n_vocab=51864,
    n_text_ctx=32,
    n_text_state=64,
    n_text_head=2,
    n_text_layer=2,
)
ALIGNMENT_HEADS = [[1, 0], [1, 1]]


def random_openai_state_dict(dims: WhisperDims, seed: int = 0) -> dict[str, np.ndarray]:
    """openai-whisper parameter names and shapes, random values (no torch needed)."""
    rng = np.random.default_rng(seed)
    sd: dict[str, np.ndarray] = {}

    def put(name: str, *shape: int, scale: float = 0.05) -> None:
        sd[name] = (rng.standard_normal(shape) * scale).astype(np.float32)

    def ln(name: str, n: int) -> None:
        sd[f"{name}.weight"] = (1 + rng.standard_normal(n) * 0.05).astype(np.float32)
        put(f"{name}.bias", n)

    def attn(name: str, n: int) -> None:
        for part in ("query", "key", "value", "out"):
            put(f"{name}.{part}.weight", n, n)
            if part != "key":
                put(f"{name}.{part}.bias", n)
        ln(f"{name}_ln", n)

    def block(name: str, n: int, cross: bool) -> None:
        attn(f"{name}.attn", n)
        if cross:
            attn(f"{name}.cross_attn", n)
        put(f"{name}.mlp.0.weight", 4 * n, n)
        put(f"{name}.mlp.0.bias", 4 * n)
        put(f"{name}.mlp.2.weight", n, 4 * n)
        put(f"{name}.mlp.2.bias", n)
        ln(f"{name}.mlp_ln", n)

    a, t = dims.n_audio_state, dims.n_text_state
    put("encoder.conv1.weight", a, dims.n_mels, 3)
    put("encoder.conv1.bias", a)
    put("encoder.conv2.weight", a, a, 3)
    put("encoder.conv2.bias", a)
    put("encoder.positional_embedding", dims.n_audio_ctx, a, scale=1.0)
    for i in range(dims.n_audio_layer):
        block(f"encoder.blocks.{i}", a, cross=False)
    ln("encoder.ln_post", a)
    put("decoder.token_embedding.weight", dims.n_vocab, t)
    put("decoder.positional_embedding", dims.n_text_ctx, t)
    for i in range(dims.n_text_layer):
        block(f"decoder.blocks.{i}", t, cross=True)
    ln("decoder.ln", t)
    return sd


def build_ct2_dir(sd: dict[str, np.ndarray], dims: WhisperDims, out: Path, quantization: str | None) -> Path:
    """Save ``sd`` as a CTranslate2 Whisper model, laid out as ctranslate2's HF converter does."""
    # ctranslate2 quantises the arrays it is given in place: hand it copies.
    from ctranslate2.specs import whisper_spec

    sd = {name: value.copy() for name, value in sd.items()}
    spec = whisper_spec.WhisperSpec(
        dims.n_audio_layer, dims.n_audio_head, dims.n_text_layer, dims.n_text_head
    )

    def linear(ls: Any, prefix: str) -> None:
        ls.weight = sd[f"{prefix}.weight"]
        if f"{prefix}.bias" in sd:
            ls.bias = sd[f"{prefix}.bias"]

    def layer_norm(ls: Any, prefix: str) -> None:
        ls.gamma, ls.beta = sd[f"{prefix}.weight"], sd[f"{prefix}.bias"]

    def zeros_like_rows(w: np.ndarray) -> np.ndarray:
        return np.zeros(w.shape[0], np.float32)

    def attention(ls: Any, prefix: str, cross: bool) -> None:
        q, k, v = (sd[f"{prefix}.{p}.weight"] for p in ("query", "key", "value"))
        qb, vb = sd[f"{prefix}.query.bias"], sd[f"{prefix}.value.bias"]
        if cross:
            ls.linear[0].weight, ls.linear[0].bias = q, qb
            ls.linear[1].weight = np.concatenate([k, v])
            ls.linear[1].bias = np.concatenate([zeros_like_rows(k), vb])
        else:
            ls.linear[0].weight = np.concatenate([q, k, v])
            ls.linear[0].bias = np.concatenate([qb, zeros_like_rows(k), vb])
        linear(ls.linear[-1], f"{prefix}.out")
        layer_norm(ls.layer_norm, f"{prefix}_ln")

    def layer(ls: Any, prefix: str, cross: bool) -> None:
        attention(ls.self_attention, f"{prefix}.attn", cross=False)
        if cross:
            attention(ls.attention, f"{prefix}.cross_attn", cross=True)
        linear(ls.ffn.linear_0, f"{prefix}.mlp.0")
        linear(ls.ffn.linear_1, f"{prefix}.mlp.2")
        layer_norm(ls.ffn.layer_norm, f"{prefix}.mlp_ln")

    enc, dec = spec.encoder, spec.decoder
    linear(enc.conv1, "encoder.conv1")
    linear(enc.conv2, "encoder.conv2")
    enc.position_encodings.encodings = sd["encoder.positional_embedding"]
    layer_norm(enc.layer_norm, "encoder.ln_post")
    for i, ls in enumerate(enc.layer):
        layer(ls, f"encoder.blocks.{i}", cross=False)
    dec.embeddings.weight = sd["decoder.token_embedding.weight"]
    dec.position_encodings.encodings = sd["decoder.positional_embedding"]
    layer_norm(dec.layer_norm, "decoder.ln")
    for i, ls in enumerate(dec.layer):
        layer(ls, f"decoder.blocks.{i}", cross=True)
    dec.projection.weight = sd["decoder.token_embedding.weight"]
    spec.config.alignment_heads = ALIGNMENT_HEADS
    spec.config.suppress_ids = []
    spec.config.suppress_ids_begin = []
    spec.config.lang_ids = []
    spec.register_vocabulary([f"tok{i}" for i in range(dims.n_vocab)])
    spec.validate()
    spec.optimize(quantization=quantization)
    out.mkdir(parents=True, exist_ok=True)
    spec.save(str(out))
    return out
