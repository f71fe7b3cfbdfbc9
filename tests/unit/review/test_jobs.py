from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from tests.support.review import PATIENT, SESSION, synthetic_store
from voice.config import Settings
from voice.errors import CorruptMediaError
from voice.people.pin import PersonPin
from voice.review.jobs import Job, JobRunner


def _wait(job: Job) -> Job:
    for _ in range(200):
        if job.state != "running":
            return job
        time.sleep(0.02)
    raise AssertionError("the job did not end")


def test_a_job_writes_the_pin_then_reprocesses_the_upload_forced(tmp_path: Path) -> None:
    store = synthetic_store(tmp_path)
    seen: list[tuple[str, bool, list[float]]] = []

    def process(store_: Any, key: str, *, settings: Settings, force: bool, hooks: Any) -> None:
        progress: list[float] = []
        (job,) = runner.jobs.values()
        for stage in ("probe", "transcribe", "pose", "upload", "samples"):
            hooks.on_stage(stage)
            progress.append(job.progress)
        seen.append((key, force, progress))

    runner = JobRunner(store, Settings(), process=process)
    job = runner.start(PATIENT, SESSION, PersonPin(100, 120, 2.0))
    assert store.read("videos", f"{PATIENT}/{SESSION}.mp4.person.json")
    assert _wait(job).state == "done"
    key, force, progress = seen[0]
    assert (key, force) == (f"{PATIENT}/{SESSION}.mp4", True)
    assert progress == sorted(progress)
    assert 0 < progress[0] < progress[-1] < 1
    assert job.progress == 1.0


def test_a_failed_run_says_why(tmp_path: Path) -> None:
    def process(*args: Any, **kwargs: Any) -> None:
        raise CorruptMediaError("not a video")

    runner = JobRunner(synthetic_store(tmp_path), Settings(), process=process)
    job = _wait(runner.start(PATIENT, SESSION, PersonPin(1, 1)))
    assert job.state == "failed"
    assert job.error == "CorruptMediaError: not a video"


@pytest.mark.slow
def test_samples_follow_a_burst_of_reviews(tmp_path: Path) -> None:
    from voice.labels.service import Change, ReviewRequest, review, session_labels
    from voice.labels.stored import read_index
    from voice.review.jobs import Deriver

    store = synthetic_store(tmp_path)
    deriver = Deriver(store, Settings())
    label = next(lbl for lbl in session_labels(store, PATIENT, SESSION).labels if lbl.counts)
    version = None
    for i in range(6):  # reviews faster than the samples can follow, as a person clicking does
        request = ReviewRequest(
            PATIENT,
            SESSION,
            (Change("set", label.id, emotion=("anger", "surprise")[i % 2]),),
            author="a",
            version=version,
        )
        version = review(store, request, settings=Settings(), derive_samples=False).version
        deriver.submit(PATIENT, SESSION)
    assert deriver.idle(timeout=60)
    index = read_index(store, PATIENT, SESSION)
    assert index is not None
    assert index.reviews == version, "the samples stand on the last review"
    assert "surprise" in {s.emotion for s in index.samples}
    assert not deriver.deriving(PATIENT, SESSION)
