from __future__ import annotations

import pytest

from voice.review.media import RangeError, parse_range


def test_ranges_as_players_send_them() -> None:
    assert parse_range(None, 1000) is None
    assert parse_range("bytes=0-", 1000) == (0, 999)
    assert parse_range("bytes=100-199", 1000) == (100, 199)
    assert parse_range("bytes=900-5000", 1000) == (900, 999)  # clipped at the end
    assert parse_range("bytes=-100", 1000) == (900, 999)  # the last 100 bytes


@pytest.mark.parametrize("header", ["bytes=1000-", "bytes=5-2", "bytes=0-1,5-9", "items=0-1", "bytes=-"])
def test_ranges_it_does_not_serve_are_a_typed_error(header: str) -> None:
    with pytest.raises(RangeError):
        parse_range(header, 1000)
