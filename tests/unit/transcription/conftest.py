"""A small random Whisper model, as openai-whisper weights and as the CTranslate2 model made from
them (float32), once per module."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.support.ct2_models import SMALL, build_ct2_dir, random_openai_state_dict


@pytest.fixture(scope="module")
def small_sd() -> dict[str, np.ndarray]:
    return random_openai_state_dict(SMALL)


@pytest.fixture(scope="module")
def small_ct2(small_sd: dict[str, np.ndarray], tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_ct2_dir(small_sd, SMALL, tmp_path_factory.mktemp("ct2") / "float32", "float32")
