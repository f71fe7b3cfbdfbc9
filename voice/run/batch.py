"""Many local files for one patient: stage each as an upload, process it, never stop the batch.

Used by ``voice process`` and ``voice demo``. Each file is copied to ``videos/<patient>/`` as if
uploaded (a different file that already has that name is never overwritten: the new one gets
its content hash appended) and processed; a file that fails gets its failure record and a
result saying why, and the next file still runs.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from voice import layout
from voice.config import Settings
from voice.errors import VoiceError
from voice.media.limits import MediaLimits
from voice.people.patient_store import write_pin
from voice.people.pin import PersonPin
from voice.records.session import SessionMetadata
from voice.run.pipeline import Hooks, process_video
from voice.session.failures import record_failure
from voice.storage import Store
from voice.transcription.backends import make_transcriber
from voice.transcription.transcript import Transcriber

__all__ = ["process_files", "stage_upload"]


def stage_upload(store: Store, video: Path, patient: str) -> str:
    """Put a local file into ``videos/<patient>/`` as if uploaded; never overwrite another upload.

    A different file already stored under the same name is kept; this one gets the short hash
    of its content appended to its stem.
    """
    upload = layout.parse_upload_key(f"{patient}/{video.name}")  # validated, NFC, before any write
    key = upload.key
    if store.exists(layout.VIDEOS, key):
        sha = layout.sha256_file(str(video))
        with store.download(layout.VIDEOS, key) as existing:
            if layout.sha256_file(str(existing)) == sha:
                return key
        name = Path(upload.file_name)
        key = f"{upload.patient}/{name.stem}-{sha[:8]}{name.suffix}"
        if store.exists(layout.VIDEOS, key):
            return key
    store.upload(layout.VIDEOS, key, video)
    return key


def _staged(store: Store, video: Path, patient: str, settings: Settings) -> str:
    """Stage ``video``; a file that never reaches the pipeline gets its failure record here.

    The size limit is checked first: a huge file is never copied into the store.
    """
    key = f"{patient}/{video.name}"
    try:
        if not video.is_file():
            raise FileNotFoundError(f"{video} is not a file")
        MediaLimits.from_settings(settings).check_bytes(video.stat().st_size)
        return stage_upload(store, video, patient)
    except (VoiceError, OSError) as exc:
        record_failure(store, key, exc, stage=getattr(exc, "stage", "read"))
        raise


def _failed(video: Path, key: str, exc: VoiceError | OSError) -> dict[str, Any]:
    return {
        "video": str(video),
        "key": key,
        "status": "failed",
        "stage": getattr(exc, "stage", "read"),
        "error_type": type(exc).__name__,
        "message": str(exc),
    }


def process_files(  # noqa: PLR0913 - keyword-only: each is one flag of ``voice process``
    videos: Sequence[Path],
    patient: str,
    *,
    store: Store,
    settings: Settings,
    force: bool = False,
    progress: bool = True,
    pin: PersonPin | None = None,
    workers: int = 1,
) -> list[dict[str, Any]]:
    """Process local files for one patient; one result per file, failures included.

    ``pin`` (``--person``) is stored next to each staged upload as its ``.person.json`` and stays
    with it: later runs of that upload use it too. With ``workers`` ≥ 2 a long video is processed
    in segments by that many worker processes (:mod:`voice.segments.local_pool`).
    """
    from tqdm import tqdm

    transcriber: Transcriber | None = None
    results: list[dict[str, Any]] = []
    bar = tqdm(videos, desc="videos", unit="video", disable=not progress, file=sys.stderr)
    for video in bar:
        key = f"{patient}/{video.name}"
        try:
            key = _staged(store, video, patient, settings)
            if pin is not None:
                write_pin(store, layout.parse_upload_key(key), pin)
            transcriber = transcriber or make_transcriber(settings)
            name = video.name[:24]

            def on_stage(stage: str, name: str = name) -> None:
                bar.set_postfix_str(f"{name}: {stage}")

            hooks = Hooks(transcriber, on_stage, workers=workers)
            meta = process_video(store, key, settings=settings, force=force, hooks=hooks)
        except (VoiceError, OSError) as exc:
            results.append(_failed(video, key, exc))
            continue
        assert isinstance(meta, SessionMetadata)  # no long-video hook here: always processed
        annotated = layout.annotated_video_key(meta.patient, meta.session)
        results.append(
            {
                "video": str(video),
                "key": key,
                "status": "ok",
                "session": meta.session,
                "events": len(meta.events),
                "samples": len(meta.samples),
                "reasons": meta.reasons,
                "annotated": store.describe(layout.VIDEOS, annotated),
            }
        )
    return results
