"""The labels on both stores (a local folder, S3 on moto): two people editing one session's reviews,
the samples following, orphans kept — the same behaviour through the same ``Store`` interface."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.labels import PATIENT, SESSION, stored_session
from voice import layout
from voice.config import Settings
from voice.errors import ConflictError
from voice.labels.derive import derive
from voice.labels.service import ANY_VERSION, Change, ReviewRequest, review, session_labels
from voice.labels.stored import read_index, read_reviews
from voice.layout import PATIENTS
from voice.records.reviews import ReviewRecord
from voice.storage import LocalStore, Store, json_bytes

SETTINGS = Settings()


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "local":
        s: Store = LocalStore(tmp_path / "data")
        stored_session(s)
        yield s
        return
    import boto3
    from moto import mock_aws

    from voice.aws.s3 import S3Store

    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        for bucket in ("real-videos", "real-patients"):
            client.create_bucket(Bucket=bucket)
            client.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
        s = S3Store(client, videos_bucket="real-videos", patients_bucket="real-patients")
        stored_session(s)
        yield s


def _request(*changes: Change, author: str, version: str | None) -> ReviewRequest:
    return ReviewRequest(PATIENT, SESSION, changes, author=author, version=version)


def test_the_second_of_two_people_editing_the_same_view_gets_a_conflict_not_an_overwrite(
    store: Store,
) -> None:
    view = session_labels(store, PATIENT, SESSION)
    happy, _question, sad = (label.id for label in view.labels)
    review(store, _request(Change("reject", happy), author="anna", version=view.version), settings=SETTINGS)
    with pytest.raises(ConflictError):
        review(
            store,
            _request(Change("set", sad, emotion="anger"), author="bob", version=view.version),
            settings=SETTINGS,
        )
    doc, version = read_reviews(store, PATIENT, SESSION)
    assert [(r.author, r.action) for r in doc.reviews] == [("anna", "reject")], "Bob overwrote nothing"
    # Bob lists again and redoes his change on what is there now.
    review(
        store, _request(Change("set", sad, emotion="anger"), author="bob", version=version), settings=SETTINGS
    )
    doc, _ = read_reviews(store, PATIENT, SESSION)
    assert [(r.author, r.action) for r in doc.reviews] == [("anna", "reject"), ("bob", "set")]


def test_a_first_review_racing_another_first_review_is_a_conflict_too(store: Store) -> None:
    happy = session_labels(store, PATIENT, SESSION).labels[0].id
    review(store, _request(Change("confirm", happy), author="anna", version=None), settings=SETTINGS)
    with pytest.raises(ConflictError):
        review(store, _request(Change("reject", happy), author="bob", version=None), settings=SETTINGS)


def test_the_samples_follow_the_labels_and_only_what_changed_is_written(store: Store) -> None:
    view = session_labels(store, PATIENT, SESSION)
    _happy, question, sad = (label.id for label in view.labels)
    out = review(
        store,
        _request(
            Change("count", question, reason="a statement"),
            Change("set", sad, emotion="neutral"),
            author="anna",
            version=ANY_VERSION,
        ),
        settings=SETTINGS,
    )
    assert out.derivation is not None
    assert out.derivation.written == [f"maria/anger/{SESSION}_e1/", f"maria/neutral/{SESSION}_e2/"]
    assert out.derivation.deleted == [f"maria/sadness/{SESSION}_e2/"]
    assert out.derivation.unchanged == 1
    listed = {o.key.rsplit("/", 1)[0] for o in store.list(PATIENTS, "maria/") if "/pose_" in o.key}
    assert listed == {
        f"maria/{e}/{SESSION}_e{k}" for e, k in (("happiness", 0), ("anger", 1), ("neutral", 2))
    }
    index = read_index(store, PATIENT, SESSION)
    assert index is not None
    assert [(s.emotion, s.status) for s in index.samples] == [
        ("happiness", "narrated"),
        ("anger", "counted"),
        ("neutral", "changed"),
    ]
    again = derive(store, PATIENT, SESSION, settings=SETTINGS)
    assert (again.written, again.deleted, again.index_written) == ([], [], False)


def test_an_orphaned_review_is_kept_listed_and_applied_to_nothing(store: Store) -> None:
    orphan = ReviewRecord(
        event="e0123456789",
        action="set",
        emotion="anger",
        author="anna",
        at="2026-01-01T00:00:00Z",
        event_time=5.0,
    )
    doc, version = read_reviews(store, PATIENT, SESSION)
    doc.reviews.append(orphan)
    store.write_if(PATIENTS, layout.reviews_key(PATIENT, SESSION), json_bytes(doc.json_doc()), etag=version)
    out = derive(store, PATIENT, SESSION, settings=SETTINGS)
    assert (out.summary.orphans, out.written, out.deleted) == (1, [], [])
    view = session_labels(store, PATIENT, SESSION)
    assert view.orphans == [orphan]
    assert all(label.reviews == 0 for label in view.labels)
