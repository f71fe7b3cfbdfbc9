"""A processed session's stored parts, each read with a clear error when it is missing."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.labels import PATIENT, SESSION, patient_frames, stored_session
from voice import layout
from voice.errors import NoPoseTrackError, StorageError, UnknownSessionError
from voice.labels.stored import check_patient, load_session, read_index, read_reviews, read_track, write_track
from voice.layout import PATIENTS, VIDEOS
from voice.pose.body25 import pose_to_json
from voice.pose.track import PoseTrack
from voice.storage import LocalStore


def test_a_stored_session_reads_whole(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    meta = stored_session(store)
    stored = load_session(store, PATIENT, SESSION)
    assert stored.metadata == meta
    assert (stored.patient, stored.session, stored.pose_track, stored.version) == (
        PATIENT,
        SESSION,
        True,
        None,
    )
    assert stored.reviews.reviews == []
    track = read_track(store, PATIENT, SESSION)
    assert [pose_to_json(f, SESSION) for f in track.track.frames] == [
        pose_to_json(f, SESSION) for f in patient_frames()
    ]
    index = read_index(store, PATIENT, SESSION)
    assert index is not None
    assert index.track == track.sha256
    assert index.samples == meta.samples


def test_the_track_written_is_the_track_a_reader_gets(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    written = write_track(store, PATIENT, "other-0000000000", PoseTrack(patient_frames()))
    read = read_track(store, PATIENT, "other-0000000000")
    assert read.sha256 == written.sha256
    assert [pose_to_json(f, "s") for f in read.track.frames] == [
        pose_to_json(f, "s") for f in written.track.frames
    ]


def test_missing_patients_sessions_and_tracks_are_named_with_what_to_do(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    with pytest.raises(UnknownSessionError, match="no processed session; process a video first"):
        check_patient(store, PATIENT)
    stored_session(store)
    with pytest.raises(UnknownSessionError, match="voice labels list maria"):
        load_session(store, PATIENT, "nothing-0000000000")
    store.write(VIDEOS, layout.metadata_key(PATIENT, "old-0000000000"), b'{"schema": "voice.session/0"}')
    with pytest.raises(UnknownSessionError):
        load_session(store, PATIENT, "old-0000000000")
    with pytest.raises(
        NoPoseTrackError, match=r"processed before tracks were kept\); reprocess this session first"
    ):
        read_track(store, PATIENT, "nothing-0000000000")
    store.write(PATIENTS, layout.pose_track_key(PATIENT, SESSION), b"PK\x03\x04 truncated")
    with pytest.raises(NoPoseTrackError, match="cannot be read"):
        read_track(store, PATIENT, SESSION)


def test_a_damaged_reviews_file_is_an_error_never_an_empty_list(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    stored_session(store)
    store.write(
        PATIENTS, layout.reviews_key(PATIENT, SESSION), b'{"schema": "voice.reviews/1", "session": 3}'
    )
    with pytest.raises(StorageError, match="not a reviews document"):
        read_reviews(store, PATIENT, SESSION)
    store.write(PATIENTS, layout.session_index_key(PATIENT, SESSION), b"{")
    assert read_index(store, PATIENT, SESSION) is None
