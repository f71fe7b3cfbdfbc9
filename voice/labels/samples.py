"""Training samples from effective labels: their windows, and the session's sample folders made to
match them, changing only what differs (``docs/labels.md``, "Samples follow the labels").

A narrated label's sample is its event's window (the narration's window rule), in folder
``<session>_e<k>``; an added label's is its range, at least :data:`MIN_SAMPLE_S` long (a shorter
range is widened about its middle, within the video), split into ⌈length / standard window⌉ equal
windows when longer than the standard window, in folders ``<session>_<id>w<j>``. Only labels that
train get samples, and only windows that show the patient (one detected pose at least); a sample
holds the patient's poses only.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from voice import layout
from voice.config import Settings
from voice.labels.effective import Resolution
from voice.layout import PATIENTS
from voice.pose.body25 import PoseFrame, pose_to_json
from voice.pose.track import PoseTrack
from voice.records.labels import LabelRecord
from voice.records.session import SampleRecord
from voice.storage import Store

__all__ = ["MIN_SAMPLE_S", "SampleChanges", "SampleWindow", "sample_windows", "write_samples"]

#: The shortest sample an added label gives, seconds.
MIN_SAMPLE_S = 1.0


@dataclass(frozen=True)
class SampleWindow:
    """One sample's window: the label it is for, its folder tag, its time range."""

    label: LabelRecord
    tag: str
    start: float
    end: float


def _added_windows(label: LabelRecord, duration: float, window_s: float) -> list[tuple[float, float]]:
    start, end = label.start, min(label.end, duration)
    if end - start < MIN_SAMPLE_S:
        middle = (start + end) / 2
        start = min(max(0.0, middle - MIN_SAMPLE_S / 2), max(0.0, duration - MIN_SAMPLE_S))
        end = min(duration, start + MIN_SAMPLE_S)
    n = max(1, math.ceil((end - start) / window_s - 1e-9))
    step = (end - start) / n
    return [(start + j * step, end if j == n - 1 else start + (j + 1) * step) for j in range(n)]


def sample_windows(resolution: Resolution, duration: float, settings: Settings) -> list[SampleWindow]:
    """The windows of every label that trains, in time order."""
    window_s = settings.window_before_s + settings.window_after_s
    out = []
    for label in resolution.labels:
        if not label.trains:
            continue
        if label.kind == "narrated":
            out.append(SampleWindow(label, f"e{resolution.indexes[label.id]}", label.start, label.end))
            continue
        for j, (start, end) in enumerate(_added_windows(label, duration, window_s)):
            out.append(SampleWindow(label, f"{label.id}w{j}", start, end))
    return out


@dataclass
class SampleChanges:
    """What :func:`write_samples` did: the samples now there, folders written and deleted, folders
    already right, and the labels whose windows show no patient."""

    samples: list[SampleRecord]
    written: list[str]
    deleted: list[str]
    unchanged: int
    no_patient: list[str]

    @property
    def changed(self) -> bool:
        return bool(self.written or self.deleted)


def _stored_folders(store: Store, patient: str, session: str) -> dict[str, set[str]]:
    """The session's sample folders (``patients``-relative prefix → the keys in it)."""
    folders: dict[str, set[str]] = {}
    for obj in store.list(PATIENTS, layout.patient_prefix(patient)):
        parsed = layout.parse_sample_prefix(obj.key)
        if parsed is not None and parsed[2] == session:
            folders.setdefault(obj.key.rsplit("/", 1)[0] + "/", set()).add(obj.key)
    return folders


def _wanted(
    patient: str, session: str, windows: Sequence[SampleWindow], track: PoseTrack
) -> tuple[dict[str, tuple[SampleWindow, list[PoseFrame]]], list[str]]:
    wanted: dict[str, tuple[SampleWindow, list[PoseFrame]]] = {}
    no_patient: list[str] = []
    for w in windows:
        frames = track.between(w.start, w.end)
        if not any(f.keypoints is not None for f in frames):
            if w.label.id not in no_patient:
                no_patient.append(w.label.id)
            continue
        wanted[layout.label_sample_prefix(patient, w.label.emotion, session, w.tag)] = (w, frames)
    return wanted, no_patient


def write_samples(
    store: Store,
    patient: str,
    session: str,
    windows: Sequence[SampleWindow],
    track: PoseTrack,
    *,
    rewrite: bool = False,
) -> SampleChanges:
    """Make the session's sample folders those of ``windows``, as one unit: when anything differs,
    the session index goes first (training ignores a session without one), then stale folders and
    files, then the new ones; the caller writes the index once they all are. A folder whose files
    are already the ones wanted is kept (a track's samples are the same bytes every time they are
    written); ``rewrite``: write every folder again (the track itself changed)."""
    stored = _stored_folders(store, patient, session)
    wanted, no_patient = _wanted(patient, session, windows, track)
    keys = {
        prefix: {layout.sample_pose_key(prefix, f.frame) for f in frames}
        for prefix, (_, frames) in wanted.items()
    }
    stale = [p for p in stored if p not in wanted or rewrite or stored[p] != keys[p]]
    fresh = [p for p in wanted if rewrite or stored.get(p) != keys[p]]
    if stale or fresh:
        store.delete(PATIENTS, layout.session_index_key(patient, session))
    for prefix in stale:
        for key in sorted(stored[prefix]):
            store.delete(PATIENTS, key)
    samples = []
    for prefix, (w, frames) in wanted.items():
        if prefix in fresh:
            for f in frames:  # the patient only: a sample never holds anyone else's pose
                store.write(
                    PATIENTS, layout.sample_pose_key(prefix, f.frame), pose_to_json(f.patient_only(), session)
                )
        samples.append(
            SampleRecord(
                emotion=w.label.emotion,
                prefix=f"{PATIENTS}/{prefix}",
                poses=len(frames),
                label=w.label.id,
                status=w.label.status,
            )
        )
    deleted = [p for p in stale if p not in wanted]
    return SampleChanges(samples, sorted(fresh), sorted(deleted), len(wanted) - len(fresh), no_patient)
