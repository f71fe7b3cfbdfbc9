"""Every feature in a caregiver's words, from one table that docs/features.md is generated from."""

from __future__ import annotations

from pathlib import Path

import pytest

from voice.model.features import FEATURE_GROUPS, FEATURE_NAMES
from voice.model.signal_words import (
    GROUP_ROWS,
    UNIT_WORDS,
    WORDS,
    docs_table,
    label,
    main,
    rewrite_docs,
    sentence,
)

DOC = Path(__file__).resolve().parents[3] / "docs" / "features.md"


def test_every_feature_has_its_words_in_column_order() -> None:
    assert list(WORDS) == list(FEATURE_NAMES)
    for group, names in FEATURE_GROUPS.items():
        assert tuple(w.name for w in GROUP_ROWS[group]) == names
    for w in WORDS.values():
        assert w.unit in UNIT_WORDS, w.name
        assert w.high != w.low, w.name
        assert w.more != w.less, w.name
        assert all((w.high, w.low, w.measure, w.more, w.less, w.what)), w.name


def test_docs_features_md_holds_the_generated_tables() -> None:
    assert main(["--check", "--doc", str(DOC)]) == 0
    text = DOC.read_text(encoding="utf-8")
    for name in FEATURE_NAMES:
        assert text.count(f"| `{name}` |") == 1, name


def test_the_check_fails_when_the_docs_drift(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    stale = tmp_path / "features.md"
    stale.write_text(DOC.read_text(encoding="utf-8").replace("| smiling /", "| beaming /"), encoding="utf-8")
    assert main(["--check", "--doc", str(stale)]) == 1
    assert "out of date" in capsys.readouterr().err
    assert main(["--doc", str(stale)]) == 0
    assert stale.read_text(encoding="utf-8") == DOC.read_text(encoding="utf-8")
    with pytest.raises(ValueError, match="signal-words:body"):
        rewrite_docs("no markers here")


def test_a_table_row_says_what_unit_and_words() -> None:
    row = next(line for line in docs_table("face").splitlines() if "`face_smile_med`" in line)
    assert "| fu |" in row
    assert "smiling / mouth corners down (mouth corners: higher / lower)" in row


@pytest.mark.parametrize(
    ("name", "usual", "value", "expected"),
    [
        ("face_smile_med", 0.10, 0.14, "smiling: mouth corners 0.04 face widths higher than usual"),
        ("face_smile_med", 0.10, 0.07, "mouth corners down: mouth corners 0.03 face widths lower than usual"),
        ("speed_arms", 0.5, 1.05, "arms moving fast: arm movement about twice the usual"),
        ("speed_arms", 0.5, 0.24, "arms still: arm movement about half the usual"),
        ("speed_arms", 0.5, 2.5, "arms moving fast: arm movement about 5 times the usual"),
        (
            "hand_mouth_share",
            0.1,
            0.35,
            "hands at the mouth: a hand at the mouth 25 percentage points more often than usual",
        ),
        (
            "autocorr_neck_y",
            0.1,
            0.6,
            "rhythmic up-down movement: up-down movement of the body more regular than usual",
        ),
        ("angle_elbow_r_med", 150.0, 138.0, "right arm bent: right elbow 12 degrees more bent than usual"),
    ],
)
def test_sentences_compare_a_value_with_the_usual(
    name: str, usual: float, value: float, expected: str
) -> None:
    assert sentence(name, usual, value) == expected


def test_labels_follow_the_side_of_the_usual() -> None:
    assert label("face_smile_med", True) == "smiling"
    assert label("hand_clap_autocorr", True) == "clapping"
    assert label("speed_all_mean", False) == "keeping still"
