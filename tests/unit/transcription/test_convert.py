"""CTranslate2 → openai-whisper conversion on small models that ctranslate2's own spec API writes.

The small models are built from a random openai-whisper model the way CTranslate2's
Transformers converter lays them out (fused q/k/v, zero key bias, tied projection), saved by
``ctranslate2.specs`` itself, and checked two ways: the CTranslate2 runtime's encoder output
equals openai-whisper's (so the layout in these tests is the real one), and converting back
gives the original weights (so the converter inverts it).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from tests.support.ct2_models import ALIGNMENT_HEADS, SMALL, build_ct2_dir
from voice.transcription.convert import ct2_to_openai_state_dict, infer_dims
from voice.transcription.ct2_reader import read_ct2_model

ctranslate2 = pytest.importorskip("ctranslate2")

# --- the mapping ---------------------------------------------------------------------------


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
