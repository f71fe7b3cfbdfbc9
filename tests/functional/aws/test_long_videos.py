"""The long-video steps' errors on a real (local) store: what a step raises decides whether the state
machine retries it and whether RecordFailure writes the record — a record that could not be
written is never taken as written."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from voice.aws.long_video_flow import StepEvent
from voice.aws.long_videos import RECORDED, StepNotRecorded, run_step
from voice.config import Settings
from voice.errors import StorageError
from voice.session.failures import read_failure
from voice.storage import LocalStore

KEY = "maria/long visit.mp4"


class RecordsRefused(LocalStore):
    """A store whose failure records cannot be written (throttled, say); the rest works."""

    def write(self, bucket: str, key: str, data: bytes, **kwargs: Any) -> None:
        if key.startswith("failed/"):
            raise StorageError("cannot write: SlowDown")
        super().write(bucket, key, data, **kwargs)


def _no_sfn() -> Any:
    raise AssertionError("only the plan step counts executions")


def _fail(store: LocalStore, error: str) -> Any:
    event = StepEvent(step="fail", patient_ref="0123456789abcdef", key=KEY, error=error)
    return run_step(store, event, settings=Settings(), sfn=_no_sfn, per_patient=1)


def test_record_failure_writes_the_record_of_an_error_no_handler_recorded(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    assert _fail(store, "States.Timeout").recorded is True
    found = read_failure(store, KEY)
    assert found is not None
    assert (found.error_type, found.stage) == ("LongVideoStepError", "annotate")
    assert "a step ended with States.Timeout" in found.message
    for recorded in RECORDED:  # the handler wrote the record before it raised these
        assert _fail(LocalStore(tmp_path / recorded), recorded).recorded is False


def test_a_record_that_cannot_be_written_fails_the_step_to_be_retried_not_taken_as_written(
    tmp_path: Path,
) -> None:
    """StepNotRecorded is not among RECORDED: after its retries RecordFailure writes the record."""
    with pytest.raises(StepNotRecorded, match="FailureNotRecordedError"):
        _fail(RecordsRefused(tmp_path), "States.Timeout")
    assert StepNotRecorded.__name__ not in RECORDED
