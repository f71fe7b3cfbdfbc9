from __future__ import annotations

import pytest
from pydantic import ValidationError

from voice.review.api_models import PinBody, ReviewBody


def test_a_review_body_as_the_page_sends_it() -> None:
    body = ReviewBody.model_validate_json(
        '{"author": "anna", "version": null,'
        ' "changes": [{"action": "add", "emotion": "anger", "start": 1, "end": 2}]}'
    )
    assert body.changes[0].action == "add"
    assert body.version is None


@pytest.mark.parametrize(
    "raw",
    [
        '{"author": "anna", "version": null, "changes": []}',  # nothing to do
        '{"author": "", "version": null, "changes": [{"action": "confirm", "event": "e0123456789"}]}',
        '{"author": "a", "version": null, "changes": [{"action": "delete", "event": "e0123456789"}]}',
        '{"author": "a", "version": null, "changes": [{"action": "add", "start": 1e999, "end": 2}]}',
        '{"author": "a", "version": null, "changes": [{"action": "confirm"}], "admin": true}',
        '{"author": "a", "changes": [{"action": "confirm"}]}',  # the version seen must be said
    ],
)
def test_bodies_that_are_refused(raw: str) -> None:
    with pytest.raises(ValidationError):
        ReviewBody.model_validate_json(raw)


def test_a_pin_is_finite_and_not_negative() -> None:
    assert PinBody.model_validate({"x": 10, "y": 20, "t": 1.5}).t == 1.5
    for bad in ({"x": -1, "y": 0, "t": 0}, {"x": 1, "y": 1, "t": float("nan")}, {"x": 1, "y": 1}):
        with pytest.raises(ValidationError):
            PinBody.model_validate(bad)
