"""Samples follow the labels: their windows, and only the folders that changed written again."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.support.synthetic import standing
from voice import layout
from voice.config import Settings
from voice.labels.effective import resolve
from voice.labels.samples import MIN_SAMPLE_S, sample_windows, write_samples
from voice.layout import PATIENTS
from voice.narration.event_ids import event_ids
from voice.pose.body25 import Person, PoseFrame, pose_from_json
from voice.pose.track import PoseTrack
from voice.records.reviews import ReviewRecord
from voice.records.session import EventRecord
from voice.storage import LocalStore

SETTINGS = Settings()
SESSION = "visit-0123456789"
DURATION = 30.0
EVENTS = [
    EventRecord(time=2.0, emotion="happiness", keyword="happy", text="Maria is happy.", window=(0.5, 4.5)),
    EventRecord(time=10.0, emotion="sadness", keyword="sad", text="She is sad.", window=(8.5, 12.5)),
]
HAPPY, SAD = event_ids([(e.text, e.keyword, e.time) for e in EVENTS])


def _add(label: str, start: float, end: float, emotion: str = "anger") -> ReviewRecord:
    return ReviewRecord(
        event=label,
        action="add",
        emotion=emotion,
        start=start,
        end=end,
        author="anna",
        at="2026-01-01T10:00:00Z",
    )


def _track(*, absent: tuple[float, float] = (-1.0, -1.0)) -> PoseTrack:
    """Everyone at 5 poses a second for the whole video: the patient (#0) and a visitor (#1);
    the patient out of view between ``absent``."""
    frames = []
    for i in range(int(DURATION * 5)):
        t = round(i * 0.2, 3)
        people = (Person(1, standing(470, 100)),)
        if not absent[0] <= t <= absent[1]:
            people += (Person(0, standing(160, 100)),)
        frames.append(PoseFrame(i * 5, t, 640, 360, None, people).with_patient(0))
    return PoseTrack(frames)


class RecordingStore(LocalStore):
    """A local store that remembers the keys written and deleted, in order."""

    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self.log: list[tuple[str, str]] = []

    def write(self, bucket: str, key: str, data: bytes, **kwargs: Any) -> None:
        super().write(bucket, key, data, **kwargs)
        self.log.append(("write", key))

    def delete(self, bucket: str, key: str) -> None:
        super().delete(bucket, key)
        self.log.append(("delete", key))


def test_narrated_labels_keep_their_window_and_folder_and_only_training_labels_get_one() -> None:
    res = resolve(
        EVENTS, [ReviewRecord(event=SAD, action="reject", author="anna", at="2026-01-01T10:00:00Z")]
    )
    (w,) = sample_windows(res, DURATION, SETTINGS)
    assert (w.label.id, w.tag, w.start, w.end) == (HAPPY, "e0", 0.5, 4.5)


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (5.0, 7.0, [(5.0, 7.0)]),  # within the standard window (4 s): the range itself
        (5.0, 5.2, [(4.6, 5.6)]),  # shorter than 1 s: widened about its middle
        (0.0, 0.2, [(0.0, 1.0)]),  # ... within the video
        (29.9, 30.0, [(29.0, 30.0)]),
        (5.0, 13.0, [(5.0, 9.0), (9.0, 13.0)]),  # longer: one sample per window
        (5.0, 14.0, [(5.0, 8.0), (8.0, 11.0), (11.0, 14.0)]),  # ⌈9 / 4⌉ = 3 equal windows
    ],
)
def test_an_added_range_is_its_own_sample_at_least_a_second_one_per_window(
    start: float, end: float, expected: list[tuple[float, float]]
) -> None:
    res = resolve([], [_add("a0123456789", start, end)])
    windows = sample_windows(res, DURATION, SETTINGS)
    assert [(round(w.start, 6), round(w.end, 6)) for w in windows] == expected
    assert [w.tag for w in windows] == [f"a0123456789w{j}" for j in range(len(expected))]
    assert all(w.end - w.start >= MIN_SAMPLE_S - 1e-9 for w in windows)


def test_the_folders_hold_the_patients_poses_of_each_window_and_the_index_goes_first(tmp_path: Path) -> None:
    store = RecordingStore(tmp_path)
    index = layout.session_index_key("maria", SESSION)
    store.write(PATIENTS, index, b"{}")
    res = resolve(EVENTS, [_add("a0123456789", 20.0, 22.0)])
    changes = write_samples(store, "maria", SESSION, sample_windows(res, DURATION, SETTINGS), _track())
    assert [(s.emotion, s.poses, s.label, s.status) for s in changes.samples] == [
        ("happiness", 20, HAPPY, "narrated"),
        ("sadness", 20, SAD, "narrated"),
        ("anger", 11, "a0123456789", "added"),
    ]
    assert changes.samples[2].prefix == f"patients/maria/anger/{SESSION}_a0123456789w0/"
    assert store.log[1] == ("delete", index), "training ignores the session while its samples change"
    pose = pose_from_json(store.read(PATIENTS, f"maria/anger/{SESSION}_a0123456789w0/pose_000500.json"))
    assert [p.person_id for p in pose.people] == [0], "the patient only, never the visitor"


def test_a_second_pass_changes_only_the_folders_whose_labels_changed(tmp_path: Path) -> None:
    store = RecordingStore(tmp_path)
    track = _track()
    write_samples(store, "maria", SESSION, sample_windows(resolve(EVENTS, []), DURATION, SETTINGS), track)
    store.log.clear()
    unchanged = write_samples(
        store, "maria", SESSION, sample_windows(resolve(EVENTS, []), DURATION, SETTINGS), track
    )
    assert (unchanged.written, unchanged.deleted, unchanged.unchanged, store.log) == ([], [], 2, [])
    changed = resolve(
        EVENTS,
        [ReviewRecord(event=SAD, action="set", emotion="neutral", author="anna", at="2026-01-01T10:00:00Z")],
    )
    out = write_samples(store, "maria", SESSION, sample_windows(changed, DURATION, SETTINGS), track)
    assert out.written == [f"maria/neutral/{SESSION}_e1/"]
    assert out.deleted == [f"maria/sadness/{SESSION}_e1/"]
    assert out.unchanged == 1
    touched = {key.rsplit("/", 1)[0] for _, key in store.log if "/pose_" in key}
    assert touched == {f"maria/neutral/{SESSION}_e1", f"maria/sadness/{SESSION}_e1"}
    assert not list(store.list(PATIENTS, f"maria/sadness/{SESSION}_e1/"))
    # A half-written folder (a run that stopped) is written again.
    store.delete(PATIENTS, f"maria/happiness/{SESSION}_e0/pose_000015.json")
    again = write_samples(store, "maria", SESSION, sample_windows(changed, DURATION, SETTINGS), track)
    assert again.written == [f"maria/happiness/{SESSION}_e0/"]
    # Another track: everything again.
    every = write_samples(
        store, "maria", SESSION, sample_windows(changed, DURATION, SETTINGS), track, rewrite=True
    )
    assert len(every.written) == 2


def test_a_label_whose_window_does_not_show_the_patient_gets_no_sample_and_is_named(tmp_path: Path) -> None:
    res = resolve(EVENTS, [_add("a0123456789", 20.0, 22.0)])
    changes = write_samples(
        LocalStore(tmp_path),
        "maria",
        SESSION,
        sample_windows(res, DURATION, SETTINGS),
        _track(absent=(19.0, 23.0)),
    )
    assert changes.no_patient == ["a0123456789"]
    assert [s.label for s in changes.samples] == [HAPPY, SAD]
