"""Deriving a stored session's samples from its labels: only what changed, the index when anything
did, and the newest reviews winning when two derivations run at once."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.support.labels import PATIENT, SESSION, stored_session
from voice import layout
from voice.config import Settings
from voice.errors import ConflictError
from voice.labels.derive import derive
from voice.labels.service import Change, ReviewRequest, review, session_labels
from voice.labels.stored import read_index
from voice.layout import PATIENTS
from voice.storage import LocalStore

SETTINGS = Settings()


def _reject_first(store: LocalStore, *, derive_samples: bool) -> None:
    happy = session_labels(store, PATIENT, SESSION).labels[0].id
    request = ReviewRequest(PATIENT, SESSION, (Change("reject", happy),), author="anna")
    review(store, request, settings=SETTINGS, derive_samples=derive_samples)


def test_a_derivation_with_nothing_new_writes_nothing(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    stored_session(store)
    index = store.read(PATIENTS, layout.session_index_key(PATIENT, SESSION))
    out = derive(store, PATIENT, SESSION, settings=SETTINGS)
    assert (out.written, out.deleted, out.unchanged, out.index_written) == ([], [], 2, False)
    assert store.read(PATIENTS, layout.session_index_key(PATIENT, SESSION)) == index


def test_reviews_written_without_samples_are_derived_later_and_the_index_names_them(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    stored_session(store)
    _reject_first(store, derive_samples=False)  # as with --store s3: the stack derives
    assert store.exists(PATIENTS, f"maria/happiness/{SESSION}_e0/pose_000000.json")
    out = derive(store, PATIENT, SESSION, settings=SETTINGS)
    assert out.deleted == [f"maria/happiness/{SESSION}_e0/"]
    assert out.index_written
    index = read_index(store, PATIENT, SESSION)
    assert index is not None
    assert index.labels is not None
    assert (index.labels.rejected, index.labels.narration) == (1, 1)
    assert index.reviews == store.read_versioned(PATIENTS, layout.reviews_key(PATIENT, SESSION)).etag  # type: ignore[union-attr]


class RacingStore(LocalStore):
    """Someone else writes a review while this derivation writes the index (``races`` times)."""

    def __init__(self, root: Path, races: int) -> None:
        super().__init__(root)
        self.races = races
        self.derivations = 0

    def write(self, bucket: str, key: str, data: bytes, **kwargs: Any) -> None:
        super().write(bucket, key, data, **kwargs)
        if key == layout.session_index_key(PATIENT, SESSION) and self.races > 0:
            self.races -= 1
            self.derivations += 1
            doc = session_labels(LocalStore(self.root), PATIENT, SESSION)
            sad = doc.labels[-1].id
            add = Change("set", sad, emotion=["anger", "neutral", "surprise", "happiness"][self.races % 4])
            review(
                LocalStore(self.root),
                ReviewRequest(PATIENT, SESSION, (add,), author="bob"),
                settings=SETTINGS,
                derive_samples=False,
            )


def test_a_review_written_during_a_derivation_is_derived_before_it_returns(tmp_path: Path) -> None:
    store = RacingStore(tmp_path, races=0)
    stored_session(store)
    _reject_first(store, derive_samples=False)
    store.races = 1
    out = derive(store, PATIENT, SESSION, settings=SETTINGS)
    assert store.derivations == 1
    sad = session_labels(store, PATIENT, SESSION).labels[-1]
    index = read_index(store, PATIENT, SESSION)
    assert index is not None
    assert [s.emotion for s in index.samples] == [sad.emotion] == ["anger"], "the newest review's samples"
    assert out.summary.changed == 1


def test_reviews_that_never_stop_changing_end_in_a_conflict(tmp_path: Path) -> None:
    store = RacingStore(tmp_path, races=0)
    stored_session(store)
    _reject_first(store, derive_samples=False)
    store.races = 10
    with pytest.raises(ConflictError, match="kept changing"):
        derive(store, PATIENT, SESSION, settings=SETTINGS)
