"""The labels Lambda over moto S3: a reviews file written → the session's samples follow its labels,
the session index is rewritten (which starts the gate), and nothing names the patient."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.support import aws as aws_events
from tests.support.aws import LambdaContext
from tests.support.labels import PATIENT, SESSION, stored_session
from voice import layout
from voice.config import Settings

REGION = "us-east-1"
PATIENTS = aws_events.PATIENTS_BUCKET


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    from moto import mock_aws

    with mock_aws():
        stack = aws_events.moto_stack(monkeypatch, REGION)
        from lambdas.env import video_store

        store = video_store(aws_events.VIDEOS_BUCKET, PATIENTS)
        stored_session(store)
        yield {"s3": stack["s3"], "store": store}
    aws_events.clear_handler_caches()


def _keys(s3: Any, prefix: str) -> set[str]:
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=PATIENTS, Prefix=prefix)
    return {o["Key"] for page in pages for o in page.get("Contents", [])}


def _reject_happy_without_deriving(store: Any) -> str:
    from voice.labels.service import Change, ReviewRequest, review, session_labels

    happy = session_labels(store, PATIENT, SESSION).labels[0].id
    request = ReviewRequest(
        PATIENT, SESSION, (Change("reject", happy, reason="Maria laughed at the dog"),), author="anna"
    )
    review(store, request, settings=Settings(), derive_samples=False)  # as `voice labels --store s3` does
    return happy


def test_a_reviews_file_written_makes_the_samples_follow_the_labels(
    aws: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    from lambdas.labels import handler

    s3 = aws["s3"]
    _reject_happy_without_deriving(aws["store"])
    assert _keys(s3, f"maria/happiness/{SESSION}_e0/"), "written, not yet derived"
    index_before = s3.get_object(Bucket=PATIENTS, Key=layout.session_index_key(PATIENT, SESSION))[
        "Body"
    ].read()
    event = aws_events.s3_object_created(PATIENTS, layout.reviews_key(PATIENT, SESSION))
    with caplog.at_level("INFO"):
        result = handler(event, LambdaContext())
    assert result == {
        "patient_ref": aws_events.ref(PATIENT),
        "session_ref": layout.session_ref(SESSION),
        "samples": 1,
        "written": 0,
        "deleted": 1,
        "unchanged": 1,
        "index_written": True,
    }
    assert not _keys(s3, f"maria/happiness/{SESSION}_e0/")
    assert _keys(s3, f"maria/sadness/{SESSION}_e2/")
    index = s3.get_object(Bucket=PATIENTS, Key=layout.session_index_key(PATIENT, SESSION))["Body"].read()
    assert index != index_before, "the index's Object Created starts the training gate"
    # Nothing logged names the patient, the session's file or what anyone wrote.
    logged = " ".join(f"{k}={v}" for record in caplog.records for k, v in vars(record).items()).lower()
    assert "labels applied" in logged
    for secret in ("maria", "visit", "dog"):
        assert secret not in logged, secret
    assert "maria" not in str(result).lower()


def test_the_same_event_delivered_again_writes_nothing(aws: dict[str, Any]) -> None:
    from lambdas.labels import handler

    _reject_happy_without_deriving(aws["store"])
    event = aws_events.s3_object_created(PATIENTS, layout.reviews_key(PATIENT, SESSION))
    handler(event, LambdaContext())
    again = handler(event, LambdaContext())
    assert (again["written"], again["deleted"], again["index_written"]) == (0, 0, False)


def test_the_index_it_writes_is_what_the_gate_starts_from(aws: dict[str, Any]) -> None:
    from lambdas.training_gate import patient_from_key

    assert patient_from_key(layout.session_index_key(PATIENT, SESSION)) == PATIENT


@pytest.mark.parametrize(
    "key",
    [
        f"{PATIENT}/.sessions/{SESSION}.json",  # not a reviews file
        f"{PATIENT}/reviews/nested/{SESSION}.json",
        f"{PATIENT}/reviews/{SESSION}.txt",
        f"{PATIENT}/reviews/unknown-0000000000.json",  # no such session
    ],
)
def test_an_event_it_cannot_apply_fails_with_its_type_and_the_reference_only(
    aws: dict[str, Any], key: str
) -> None:
    from lambdas.handler_errors import HandlerError
    from lambdas.labels import handler

    with pytest.raises(HandlerError) as raised:
        handler(aws_events.s3_object_created(PATIENTS, key), LambdaContext())
    message = str(raised.value)
    assert "maria" not in message.lower()
    assert message.split(" ")[0] in {"InvalidNameError", "UnknownSessionError"}
