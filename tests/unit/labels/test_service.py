"""Reviewing a session's labels through the API: every change checked before anything is written,
one conditional write of the reviews file, the samples following at once."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

from tests.support.labels import PATIENT, SESSION, stored_session
from voice import layout
from voice.config import Settings
from voice.errors import (
    ConflictError,
    InvalidNameError,
    LabelError,
    NoPoseTrackError,
    UnknownEventError,
    UnknownSessionError,
)
from voice.labels.service import ANY_VERSION, Change, ReviewRequest, list_sessions, review, session_labels
from voice.layout import PATIENTS
from voice.storage import LocalStore, Store

SETTINGS = Settings()


@pytest.fixture
def store(tmp_path: Path) -> LocalStore:
    s = LocalStore(tmp_path / "data")
    stored_session(s)
    return s


def _ids(store: Store) -> tuple[str, str, str]:
    happy, question, sad = (label.id for label in session_labels(store, PATIENT, SESSION).labels)
    return happy, question, sad


def _snapshot(store: LocalStore) -> dict[str, str]:
    return {
        p.relative_to(store.root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in store.root.rglob("*")
        if p.is_file() and ".locks" not in p.parts
    }


def _review(
    store: Store, *changes: Change, author: str = "anna", version: str | None = ANY_VERSION
) -> object:
    return review(
        store, ReviewRequest(PATIENT, SESSION, changes, author=author, version=version), settings=SETTINGS
    )


def test_a_sessions_labels_are_its_narration_in_time_order_until_someone_reviews_them(
    store: LocalStore,
) -> None:
    view = session_labels(store, PATIENT, SESSION)
    assert [(lb.emotion, lb.status, lb.trains) for lb in view.labels] == [
        ("happiness", "narrated", True),
        ("anger", "ignored", False),
        ("sadness", "narrated", True),
    ]
    assert view.version is None, "nobody reviewed it yet"
    assert view.pose_track
    assert view.recorded_at is not None
    assert view.recorded_at.source == "upload"
    assert view.duration_s == 10.0


def test_a_review_is_written_with_its_author_and_the_samples_follow(store: LocalStore) -> None:
    happy, question, _sad = _ids(store)
    out = _review(
        store,
        Change("reject", happy, reason="laughing at the dog"),
        Change("count", question, reason="a statement"),
    )
    assert [(r.action, r.event, r.author, r.source) for r in out.reviews] == [
        ("reject", happy, "anna", "review"),
        ("count", question, "anna", "review"),
    ]
    assert out.reviews[0].event_time == 0.8
    assert out.derivation is not None
    assert out.derivation.deleted == [f"maria/happiness/{SESSION}_e0/"]
    assert out.derivation.written == [f"maria/anger/{SESSION}_e1/"]
    assert out.derivation.index_written
    assert {s.emotion for s in out.labels.labels if s.trains} == {"anger", "sadness"}
    assert (
        out.labels.version
        == out.version
        == store.read_versioned(PATIENTS, layout.reviews_key(PATIENT, SESSION)).etag
    )  # type: ignore[union-attr]
    listed = session_labels(store, PATIENT, SESSION)
    assert listed.labels == out.labels.labels


def test_a_change_may_refer_to_a_label_an_earlier_change_of_the_same_request_added(store: LocalStore) -> None:
    first = _review(store, Change("add", emotion="surprise", start=8.5, end=9.5))
    added = first.reviews[0].event  # type: ignore[attr-defined]
    assert added.startswith("a")
    out = _review(store, Change("set", added, emotion="neutral"), Change("confirm", added))
    label = next(lb for lb in out.labels.labels if lb.id == added)  # type: ignore[attr-defined]
    assert (label.emotion, label.status, label.reviews) == ("neutral", "added", 3)


@pytest.mark.parametrize(
    ("change", "error", "words"),
    [
        (Change("add", emotion="joy", start=1.0, end=2.0), LabelError, "unknown emotion 'joy'"),
        (Change("add", emotion="anger", start=3.0, end=2.0), LabelError, "before it starts"),
        (Change("add", emotion="anger", start=2.0, end=2.0), LabelError, "before it starts"),
        (Change("add", emotion="anger", start=-1.0, end=2.0), LabelError, "outside the video (0–10 s)"),
        (Change("add", emotion="anger", start=8.0, end=12.0), LabelError, "outside the video"),
        (Change("add", emotion="anger"), LabelError, "--from"),
        (Change("add", start=1.0, end=2.0), LabelError, "needs an emotion"),
        (Change("reject", "e0000000000"), UnknownEventError, "no label 'e0000000000'"),
        (Change("set", "EVENT:sad", emotion="joy"), LabelError, "unknown emotion 'joy'"),
        (Change("count", "EVENT:sad", reason="x"), LabelError, "counts already"),
        (Change("count", "EVENT:question"), LabelError, "--reason"),
        (Change("confirm", "EVENT:question"), LabelError, "is not a label (ignored: question)"),
        (Change("reject", "EVENT:sad", reason="bad\x07bell"), LabelError, "control characters"),
    ],
)
def test_bad_input_is_a_clear_error_and_writes_nothing(
    store: LocalStore, change: Change, error: type[Exception], words: str
) -> None:
    _happy, question, sad = _ids(store)
    event = {"EVENT:sad": sad, "EVENT:question": question}.get(change.event or "", change.event)
    change = Change(change.action, event, change.emotion, change.start, change.end, change.reason)
    before = _snapshot(store)
    with pytest.raises(error, match=re.escape(words)):
        _review(store, change)
    assert _snapshot(store) == before


def test_unknown_patients_sessions_and_authors_are_refused_before_anything_is_written(
    store: LocalStore,
) -> None:
    before = _snapshot(store)
    with pytest.raises(UnknownSessionError, match="unknown patient 'ann'"):
        review(
            store,
            ReviewRequest("ann", SESSION, (Change("add", emotion="anger", start=1, end=2),), author="x"),
            settings=SETTINGS,
        )
    with pytest.raises(UnknownSessionError, match="no processed session 'other-0000000000'"):
        review(
            store,
            ReviewRequest(
                PATIENT, "other-0000000000", (Change("add", emotion="anger", start=1, end=2),), author="x"
            ),
            settings=SETTINGS,
        )
    with pytest.raises(InvalidNameError):
        session_labels(store, PATIENT, "../escape")
    with pytest.raises(LabelError, match="author"):
        _review(store, Change("add", emotion="anger", start=1, end=2), author="  ")
    with pytest.raises(LabelError, match="no change"):
        _review(store)
    assert _snapshot(store) == before


def test_a_session_without_a_pose_track_says_to_reprocess_it_and_writes_nothing(store: LocalStore) -> None:
    store.delete(PATIENTS, layout.pose_track_key(PATIENT, SESSION))
    before = _snapshot(store)
    with pytest.raises(NoPoseTrackError, match="reprocess this session first"):
        _review(store, Change("add", emotion="anger", start=1.0, end=2.0))
    assert _snapshot(store) == before
    request = ReviewRequest(
        PATIENT, SESSION, (Change("add", emotion="anger", start=1.0, end=2.0),), author="anna"
    )
    with pytest.raises(NoPoseTrackError, match="reprocess this session first"):
        review(store, request, settings=SETTINGS, derive_samples=False)  # as with --store s3
    assert _snapshot(store) == before
    assert not session_labels(store, PATIENT, SESSION).pose_track, "listing still works"


def test_a_change_made_on_a_stale_view_is_a_conflict_and_overwrites_nothing(store: LocalStore) -> None:
    happy, _question, sad = _ids(store)
    seen = session_labels(store, PATIENT, SESSION).version  # None: no reviews yet
    _review(store, Change("reject", happy), author="bob", version=seen)  # Bob was first
    before = _snapshot(store)
    with pytest.raises(ConflictError, match="changed since"):
        _review(store, Change("set", sad, emotion="anger"), version=seen)  # Anna saw the old list
    assert _snapshot(store) == before
    fresh = session_labels(store, PATIENT, SESSION).version
    out = _review(store, Change("set", sad, emotion="anger"), version=fresh)
    assert [r.author for r in out.labels.labels if r.reviews] == ["bob", "anna"]  # type: ignore[attr-defined]


def test_the_patients_sessions_are_listed_in_recording_order(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    stored_session(store, session="later-1111111111")
    stored_session(store, session="earlier-2222222222")
    meta_key = layout.session_index_key(PATIENT, "earlier-2222222222")
    index = store.read(PATIENTS, meta_key).replace(b'"source": "upload"', b'"source": "container"')
    index = index.replace(
        index[index.index(b'"time": "') + 9 : index.index(b'"time": "') + 34], b"2020-01-01T08:00:00+01:00"
    )
    store.write(PATIENTS, meta_key, index)
    sessions = list_sessions(store, PATIENT)
    assert [s.session for s in sessions] == ["earlier-2222222222", "later-1111111111"]
    assert sessions[0].recorded_at is not None
    assert sessions[0].recorded_at.time == "2020-01-01T08:00:00+01:00"
    assert all(s.pose_track and s.samples == 2 for s in sessions)
    assert sessions[0].labels is not None
    assert sessions[0].labels.narration == 2
