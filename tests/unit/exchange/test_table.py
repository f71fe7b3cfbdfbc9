"""The CSV of every source's intervals, and a researcher's CSV read as coded tiers."""

from __future__ import annotations

import pytest

from voice.errors import CodingFileError
from voice.exchange.sources import Interval
from voice.exchange.table import COLUMNS, csv_bytes, read_csv


def test_every_interval_is_one_row_and_voices_rows_are_not_imported_back() -> None:
    data = csv_bytes(
        [
            Interval("s-1", "narration", "narration", 0.0, 2.0, "happiness", "e1"),
            Interval("s-1", "review", "anna", 4.0, 8.0, None, "e2", "rejected"),
        ]
    )
    lines = data.decode().splitlines()
    assert lines[0] == ",".join(COLUMNS)
    assert lines[2] == "s-1,s-1.mp4,review,anna,e2,4.000,8.000,not counted,rejected"
    assert all(t.voice for t in read_csv(data, "x.csv").tiers)


def test_a_researchers_csv_is_one_tier_per_coder_and_video() -> None:
    data = (
        b"\xef\xbb\xbfcoder,media,start_s,end_s,emotion\n"
        b"cleo,a.mp4,1,2,joy\ncleo,a.mp4,3,4,happiness\ndan,a.mp4,1,2,sadness\n"
    )
    coded = read_csv(data, "x.csv")
    assert [(t.author, t.media, len(t.spans), t.voice) for t in coded.tiers] == [
        ("cleo", "a.mp4", 2, False),
        ("dan", "a.mp4", 1, False),
    ]
    assert coded.media == ["a.mp4"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"start,end\n1,2\n", "no emotion, end_s, start_s"),
        (b"start_s,end_s,emotion\n1,x,joy\n", "line 2: end_s is 'x'"),
        (b"start_s,end_s,emotion\n2,1,joy\n", "ends"),
        (b"\xff\xfe", "not UTF-8"),
    ],
)
def test_a_bad_csv_is_refused_by_line(data: bytes, message: str) -> None:
    with pytest.raises(CodingFileError, match=message):
        read_csv(data, "x.csv")
