"""train_patient / load_latest_model / predict_track / write_report over a real LocalStore."""

from __future__ import annotations

import io
import json
import re
import tarfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from tests.support.records import DOC, session_metadata
from tests.support.synthetic import SyntheticSample, synthetic_dataset, synthetic_track, write_samples
from voice import layout
from voice.config import Settings
from voice.errors import StorageError
from voice.model.predict import predict_track
from voice.model.registry import ARTIFACTS, load_latest_model
from voice.model.training import TrainResult, label_counts, samples_from_store, train_patient
from voice.records.reviews import LabelSummary
from voice.records.session import SampleRecord, SessionIndex, SourceRecord
from voice.storage import LocalStore, json_bytes

SETTINGS = Settings(forest_trees=30, cv_repeats=1)
NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
PATIENT = "ann"


def dataset(seed: int = 3) -> list[SyntheticSample]:
    return synthetic_dataset(
        sessions_per_emotion=4, samples_per_session=2, emotions=("happiness", "sadness", "anger"), seed=seed
    )


@pytest.fixture
def store(tmp_path: Path) -> LocalStore:
    s = LocalStore(tmp_path)
    write_samples(s, PATIENT, dataset())
    return s


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[LocalStore, TrainResult]:
    """One trained store shared by the tests that only read it (training costs seconds)."""
    s = LocalStore(tmp_path_factory.mktemp("trained"))
    write_samples(s, PATIENT, dataset())
    return s, train_patient(s, PATIENT, settings=SETTINGS, now=NOW)


def test_no_model_before_training(store: LocalStore) -> None:
    assert load_latest_model(store, PATIENT) is None


def test_a_broken_pose_file_is_reported(store: LocalStore) -> None:
    key = next(o.key for o in store.list(layout.PATIENTS, f"{PATIENT}/sadness/"))
    store.write(layout.PATIENTS, key, b"{not json")
    with pytest.raises(StorageError, match="not valid pose JSON"):
        samples_from_store(store, PATIENT)


def test_samples_from_store_reads_what_the_pipeline_writes(store: LocalStore) -> None:
    samples, digest = samples_from_store(store, PATIENT)
    assert len(samples) == 24
    assert {s.emotion for s in samples} == {"happiness", "sadness", "anger"}
    assert all(len(s.frames) == 21 for s in samples)
    assert len({s.session for s in samples}) == 12
    _, digest2 = samples_from_store(store, PATIENT)
    assert digest == digest2
    assert len(digest) == 64


@pytest.mark.slow
def test_train_writes_artifacts_and_promotes(trained: tuple[LocalStore, TrainResult]) -> None:
    store, result = trained
    assert result.trained
    assert result.promoted
    assert re.fullmatch(r"20261121T120000Z-[0-9a-f]{8}", result.run_id or "")
    assert list(result.artifacts) == list(ARTIFACTS)
    for key in result.artifacts.values():
        assert store.exists(layout.PATIENTS, key)
        assert key.startswith(layout.model_run_prefix(PATIENT, result.run_id or ""))

    metrics = json.loads(store.read(layout.PATIENTS, result.artifacts["metrics.json"]))
    assert metrics["cv"]["scheme"] == "leave-one-video-out"  # 4 videos per emotion < 5 folds
    assert metrics["baseline"]["balanced_accuracy"] == pytest.approx(1 / 3)
    assert metrics["balanced_accuracy"]["mean"] > metrics["baseline"]["balanced_accuracy"]
    assert len(metrics["cv"]["per_fold"]) == 12
    assert metrics["gate"]["train"] is True

    sessions = json.loads(store.read(layout.PATIENTS, result.artifacts["training_sessions.json"]))
    assert len(sessions["sessions"]) == 12
    assert sum(len(v) for per in sessions["per_class"].values() for v in per.values()) == 24

    with tarfile.open(
        fileobj=io.BytesIO(store.read(layout.PATIENTS, result.artifacts["model.tar.gz"]))
    ) as tar:
        assert sorted(tar.getnames()) == sorted(a for a in ARTIFACTS if a != "model.tar.gz")
    for png in ("confusion_matrix.png", "feature_importance.png", "reliability.png"):
        assert store.read(layout.PATIENTS, result.artifacts[png]).startswith(b"\x89PNG")

    pointer = json.loads(store.read(layout.PATIENTS, layout.latest_model_key(PATIENT)))
    assert pointer["run_id"] == result.run_id
    model = load_latest_model(store, PATIENT)
    assert model is not None
    assert model.run_id == result.run_id
    assert model.classes == ("happiness", "sadness", "anger")


@pytest.mark.slow
def test_run_id_is_deterministic_given_data_and_time(tmp_path: Path) -> None:
    ids = []
    for name in ("a", "b"):
        s = LocalStore(tmp_path / name)
        write_samples(s, PATIENT, dataset())
        ids.append(train_patient(s, PATIENT, settings=SETTINGS, now=NOW).run_id)
    other = LocalStore(tmp_path / "c")
    write_samples(other, PATIENT, dataset(seed=4))
    ids.append(train_patient(other, PATIENT, settings=SETTINGS, now=NOW).run_id)
    assert ids[0] == ids[1] != ids[2]


@pytest.mark.slow
def test_gate_cooldown_then_force(store: LocalStore) -> None:
    first = train_patient(store, PATIENT, settings=SETTINGS, now=NOW)
    assert first.trained
    second = train_patient(store, PATIENT, settings=SETTINGS, now=NOW + timedelta(minutes=10))
    assert not second.trained
    assert second.run_id is None
    assert any("cooldown is 60 min" in r for r in second.reasons)
    forced = train_patient(store, PATIENT, settings=SETTINGS, now=NOW + timedelta(minutes=11), force=True)
    assert forced.trained
    assert forced.run_id != first.run_id
    later = train_patient(store, PATIENT, settings=SETTINGS, now=NOW + timedelta(hours=2))
    assert later.trained


def test_too_little_data_is_skipped_with_reasons(tmp_path: Path) -> None:
    s = LocalStore(tmp_path)
    write_samples(s, PATIENT, dataset()[:5])  # happiness only, 3 videos
    result = train_patient(s, PATIENT, settings=SETTINGS, now=NOW)
    assert not result.trained
    assert "only 5 usable samples; need at least 10" in result.reasons
    assert not list(s.list(layout.PATIENTS, layout.models_prefix(PATIENT)))
    assert result.to_dict()["trained"] is False


@pytest.mark.slow
def test_no_signal_is_trained_but_not_promoted(tmp_path: Path) -> None:
    # Every video gets a label drawn independently of its motion: nothing to learn.
    samples = dataset()
    sessions = sorted({s.session for s in samples})
    labels = dict(
        zip(
            sessions, np.random.default_rng(1).permutation(["happiness", "sadness", "anger"] * 4), strict=True
        )
    )
    s = LocalStore(tmp_path)
    write_samples(
        s,
        PATIENT,
        [SyntheticSample(str(labels[x.session]), x.session, x.event_index, x.frames) for x in samples],
    )
    result = train_patient(s, PATIENT, settings=SETTINGS, now=NOW)
    assert result.trained
    assert not result.promoted
    assert result.promotion_reason
    assert result.promotion_reason.startswith("not promoted")
    assert not s.exists(layout.PATIENTS, layout.latest_model_key(PATIENT))
    assert load_latest_model(s, PATIENT) is None
    metrics = json.loads(s.read(layout.PATIENTS, result.artifacts["metrics.json"]))
    assert metrics["promotion"]["promoted"] is False


@pytest.mark.slow
def test_predict_track_follows_the_emotions_over_a_video(trained: tuple[LocalStore, TrainResult]) -> None:
    store = trained[0]
    model = load_latest_model(store, PATIENT)
    assert model is not None
    track = synthetic_track([("happiness", 12.0), ("anger", 12.0)], seed=9)
    windows = predict_track(model, track, settings=SETTINGS)
    assert [w.start for w in windows] == pytest.approx([2.0 * i for i in range(len(windows))])
    assert all(w.end - w.start == pytest.approx(SETTINGS.predict_window_s) for w in windows)
    assert windows[-1].end <= track[-1].time_s + 1e-6
    for w in windows:
        assert sum(w.probabilities.values()) == pytest.approx(1.0)
        assert w.label == max(w.probabilities, key=w.probabilities.__getitem__)
    inside_first = [w.label for w in windows if w.end <= 12.0]
    inside_second = [w.label for w in windows if w.start >= 12.0]
    assert inside_first.count("happiness") > len(inside_first) / 2
    assert inside_second.count("anger") > len(inside_second) / 2


@pytest.mark.slow
def test_report_is_one_self_contained_file(trained: tuple[LocalStore, TrainResult]) -> None:
    from voice.model.report import write_report

    store, result = trained
    session = "walk-0123456789"
    event = DOC["events"][0]
    meta = session_metadata(
        session=session,
        patient=PATIENT,
        events=[
            {**event, "time": 2.0, "emotion": "happiness", "window": [0.5, 4.5]},
            {**event, "time": 9.0, "emotion": "sadness", "negated": True, "window": [7.5, 11.5]},
        ],
        predictions=[
            {
                "start": 0.0,
                "end": 4.0,
                "label": "happiness",
                "probabilities": {"happiness": 0.8, "sadness": 0.2},
            }
        ],
    )
    store.write(layout.VIDEOS, layout.metadata_key(PATIENT, session), meta.model_dump_json().encode())
    # A metadata file this version cannot read is left out of the report, not fatal.
    store.write(layout.VIDEOS, layout.metadata_key(PATIENT, "old-0123456789"), b'{"session": "old"}')
    store.write(layout.VIDEOS, layout.annotated_video_key(PATIENT, session), b"not really a video")
    where = write_report(store, PATIENT, settings=SETTINGS)
    assert where == store.describe(layout.VIDEOS, layout.patient_report_key(PATIENT))
    page = Path(where).read_text()
    assert 'id="metrics"' in page
    assert 'id="coverage"' in page
    assert result.run_id
    assert result.run_id in page
    # families, reliability, confusion matrix, importance, one timeline
    assert page.count("data:image/png;base64,") == 5
    for table in ('id="families"', 'id="configurations"', 'id="calibration"'):
        assert table in page
    assert f'href="{session}.mp4"' in page
    links = re.findall(r'(?:href|src)="([^"]+)"', page)
    assert all(link.startswith("data:image/png;base64,") or link == f"{session}.mp4" for link in links)
    assert "http" not in page.replace("http-equiv", "")
    run_page = store.read(layout.PATIENTS, result.artifacts["report.html"]).decode()
    assert 'id="metrics"' in run_page
    assert run_page.count("data:image/png;base64,") == 4


def test_report_before_any_training(tmp_path: Path) -> None:
    from voice.model.report import write_report

    s = LocalStore(tmp_path)
    write_samples(s, PATIENT, dataset()[:4])
    page = Path(write_report(s, PATIENT, settings=SETTINGS)).read_text()
    assert "No training run yet" in page
    assert "No processed videos yet" in page


@pytest.mark.slow
def test_predict_windows_cover_ragged_and_short_tracks(trained: tuple[LocalStore, TrainResult]) -> None:
    from dataclasses import replace

    store = trained[0]
    model = load_latest_model(store, PATIENT)
    assert model is not None
    ragged = synthetic_track([("sadness", 9.0)], seed=2)  # 0..9 s: hops leave 8..9 s uncovered
    spans = [(w.start, w.end) for w in predict_track(model, ragged, settings=SETTINGS)]
    np.testing.assert_allclose(spans, [(0, 4), (2, 6), (4, 8), (5, 9)], atol=1e-9)
    short = synthetic_track([("sadness", 3.0)], seed=2)
    spans = [(w.start, w.end) for w in predict_track(model, short, settings=SETTINGS)]
    np.testing.assert_allclose(spans, [(0, 3)], atol=1e-9)
    nobody = [replace(f, keypoints=None) for f in ragged]
    assert predict_track(model, nobody, settings=SETTINGS) == []
    assert predict_track(model, [], settings=SETTINGS) == []


def _labelled_index(
    samples: list[SyntheticSample], session: str, statuses: list[str], summary: LabelSummary
) -> bytes:
    """The session index as the labels derivation writes it: each sample with its label and status."""
    own = [x for x in samples if x.session == session]
    records = [
        SampleRecord(
            emotion=x.emotion,
            prefix=f"patients/{layout.sample_prefix(PATIENT, x.emotion, x.session, x.event_index)}",
            poses=len(x.frames),
            label=f"e{x.event_index:010d}",
            status=status,
        )
        for x, status in zip(own, statuses, strict=True)
    ]
    source = SourceRecord(bucket="videos", key=f"{PATIENT}/{session}.mp4", sha256="ab" * 32)
    return json_bytes(
        SessionIndex(session=session, source=source, samples=records, labels=summary).json_doc()
    )


@pytest.mark.slow
def test_metrics_say_where_the_trained_labels_came_from(tmp_path: Path) -> None:
    import shutil

    s = LocalStore(tmp_path / "data")
    samples = dataset()
    write_samples(s, PATIENT, samples)
    first, second = sorted({x.session for x in samples})[:2]
    for session, statuses, summary in (
        (first, ["confirmed", "changed"], LabelSummary(rejected=2, ignored=1)),
        (second, ["counted", "added"], LabelSummary(conflicts=2, orphans=1)),
    ):
        s.write(
            layout.PATIENTS,
            layout.session_index_key(PATIENT, session),
            _labelled_index(samples, session, statuses, summary),
        )
    trained, _ = samples_from_store(s, PATIENT)
    counts = label_counts(s, PATIENT, trained)
    assert counts == LabelSummary(
        narration=len(trained) - 4,
        confirmed=1,
        changed=1,
        counted=1,
        added=1,
        rejected=2,
        ignored=1,
        conflicts=2,
        orphans=1,
    )
    # On SageMaker the patient's folder is named by reference; the counts are the same.
    channel = tmp_path / "channel"
    shutil.copytree(tmp_path / "data" / "patients" / PATIENT, channel / "patients" / "ref-0123")
    by_ref = LocalStore(channel)
    assert label_counts(by_ref, "ref-0123", samples_from_store(by_ref, "ref-0123")[0]) == counts
    result = train_patient(s, PATIENT, settings=SETTINGS, now=NOW)
    metrics = json.loads(s.read(layout.PATIENTS, result.artifacts["metrics.json"]))
    assert metrics["labels"] == counts.model_dump()


def test_the_report_lists_the_sessions_in_the_order_they_were_recorded(tmp_path: Path) -> None:
    from voice.model.report import write_report

    s = LocalStore(tmp_path)
    for session, recorded in (
        ("late-0000000001", {"time": "2026-03-02T09:00:00+01:00", "source": "container"}),
        ("unknown-0000000002", None),
        (
            "early-0000000003",
            {"time": "2026-03-01T23:30:00-05:00", "source": "upload"},
        ),  # 04:30 UTC on the 2nd
        ("first-0000000004", {"time": "2026-03-01T10:00:00+00:00", "source": "upload"}),
    ):
        meta = session_metadata(session=session, patient=PATIENT, recorded_at=recorded)
        s.write(layout.VIDEOS, layout.metadata_key(PATIENT, session), meta.model_dump_json().encode())
    page = Path(write_report(s, PATIENT, settings=SETTINGS)).read_text()
    order = re.findall(r"<h3>([a-z]+-\d{10})</h3>", page)
    assert order == ["first-0000000004", "early-0000000003", "late-0000000001", "unknown-0000000002"]
    assert "Recorded 2026-03-02T09:00:00+01:00 (container)" in page
