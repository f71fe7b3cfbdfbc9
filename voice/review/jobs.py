""" "This is the patient": the pin written next to the upload and the session processed again, in
the background, one job at a time, with the stage it is at for the page's progress bar."""

from __future__ import annotations

import logging
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from voice import layout
from voice.config import Settings
from voice.errors import VoiceError
from voice.labels.stored import load_session
from voice.people.patient_store import write_pin
from voice.people.pin import PersonPin
from voice.records.base import Record
from voice.run.pipeline import Hooks, process_video
from voice.storage import Store

__all__ = ["Job", "JobRunner"]

log = logging.getLogger("voice")

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
