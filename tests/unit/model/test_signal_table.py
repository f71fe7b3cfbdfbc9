"""The rows of the words table: one per feature; every ratio row an amount (compared as a multiple)."""

from __future__ import annotations

from voice.model.features import FEATURE_NAMES
from voice.model.signal_table import BODY_ROWS, FACE_ROWS, HAND_ROWS, RATIO


def test_one_row_per_feature_and_eight_fields_each() -> None:
    rows = BODY_ROWS + FACE_ROWS + HAND_ROWS
    assert [r[0] for r in rows] == list(FEATURE_NAMES)
    assert all(len(r) == 8 and all(isinstance(f, str) and f for f in r) for r in rows)


def test_ratio_rows_are_amounts() -> None:
    units = {r[0]: r[1] for r in BODY_ROWS + FACE_ROWS + HAND_ROWS}
    assert set(units) >= RATIO
    for name in RATIO:
        # speeds, rates, accelerations, spreads, ranges: never negative, so a multiple means something
        assert name.endswith(("_std", "_speed", "_mean", "_p95", "_max", "_events")) or name.startswith(
            ("speed_", "hand_speed", "neck_range")
        ), name
        assert units[name] not in {"ratio −1–1", "−1–1", "fraction 0–1"}, name
