""" "This is the patient": the pin written next to the upload and the session processed again, in
the background, one job at a time, with the stage it is at for the page's progress bar."""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from voice import layout
from voice.config import Settings
from voice.errors import ConflictError, VoiceError
from voice.labels.derive import derive
from voice.labels.stored import load_session
from voice.people.patient_store import write_pin
from voice.people.pin import PersonPin
from voice.records.base import Record
from voice.run.pipeline import Hooks, process_video
from voice.storage import Store

__all__ = ["Deriver", "Job", "JobRunner"]

log = logging.getLogger("voice")

#: Seconds before deriving again a session whose reviews kept changing during a derivation.
RETRY_S = 0.2
#: The stages of a run in the order they start (progress is the share of them started).
STAGES = ("probe", "transcribe", "pose", "upload", "samples")


class Job(Record):
    """A reprocessing job as the page polls it (no names: the page knows what it asked for)."""

    id: str
    state: Literal["running", "done", "failed"] = "running"
    stage: str = "queued"
    progress: float = 0.0
    error: str | None = None


@dataclass
class JobRunner:
    """Runs reprocessing jobs in one background thread at a time (the machine has few cores)."""

    store: Store
    settings: Settings
    process: Callable[..., object] = process_video
    jobs: dict[str, Job] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self, patient: str, session: str, pin: PersonPin) -> Job:
        """Write the pin beside the session's upload and start processing it again."""
        meta = load_session(self.store, patient, session).metadata
        upload = layout.parse_upload_key(meta.source.key)
        if not self.store.exists(layout.VIDEOS, meta.source.key):
            raise VoiceError("the session's upload is no longer stored; upload the video again.")
        job = Job(id=secrets.token_hex(8))
        self.jobs[job.id] = job
        write_pin(self.store, upload, pin)
        thread = threading.Thread(target=self._run, args=(job, meta.source.key), daemon=True)
        thread.start()
        return job

    def _on_stage(self, job: Job) -> Callable[[str], None]:
        def on_stage(stage: str) -> None:
            job.stage = stage
            if stage in STAGES:  # a long video's segment stages keep the last known share
                job.progress = round((STAGES.index(stage) + 1) / (len(STAGES) + 1), 2)

        return on_stage

    def _run(self, job: Job, key: str) -> None:
        with self._lock:
            try:
                hooks = Hooks(on_stage=self._on_stage(job))
                self.process(self.store, key, settings=self.settings, force=True, hooks=hooks)
            except (VoiceError, OSError) as exc:
                job.state, job.error = "failed", f"{type(exc).__name__}: {exc}"
                log.warning("review: reprocessing failed (%s)", type(exc).__name__)
                return
            job.state, job.stage, job.progress = "done", "done", 1.0


class Deriver:
    """Samples follow each review in the background (the page's write answers once the review is
    written): one derivation at a time; a session already waiting or deriving is not queued again
    — a derivation that ran on older reviews derives again at its end (:func:`voice.labels.derive.derive`)."""

    def __init__(self, store: Store, settings: Settings) -> None:
        self.store, self.settings = store, settings
        self._pending: set[tuple[str, str]] = set()
        self._changed = threading.Condition()
        self._queue: list[tuple[str, str]] = []
        threading.Thread(target=self._work, daemon=True).start()

    def submit(self, patient: str, session: str) -> None:
        with self._changed:
            if (patient, session) not in self._pending:
                self._pending.add((patient, session))
                self._queue.append((patient, session))
                self._changed.notify_all()

    def deriving(self, patient: str, session: str) -> bool:
        with self._changed:
            return (patient, session) in self._pending

    def idle(self, timeout: float) -> bool:
        """Wait until every queued derivation is done; False when ``timeout`` seconds passed first."""
        with self._changed:
            return self._changed.wait_for(lambda: not self._pending, timeout=timeout)

    def _work(self) -> None:
        while True:
            with self._changed:
                self._changed.wait_for(lambda: bool(self._queue))
                patient, session = self._queue.pop(0)
            again = False
            try:
                derive(self.store, patient, session, settings=self.settings)
            except ConflictError:  # reviews kept coming while it derived: derive again after them
                again = True
                time.sleep(RETRY_S)
            except (VoiceError, OSError) as exc:
                log.warning("review: deriving samples failed (%s)", type(exc).__name__)
            with self._changed:
                if again:
                    self._queue.append((patient, session))
                else:
                    self._pending.discard((patient, session))
                self._changed.notify_all()
