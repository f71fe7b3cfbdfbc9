"""Labels as data on real media: six bundled samples processed by ``voice process``, then labels
added, rejected and changed with ``voice labels``; what ``voice train`` trains on follows them, and
nothing else changes what it trains on (re-running ``voice process``, forced or not)."""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from voice import layout
from voice.cli import main
from voice.model.training import samples_from_store
from voice.pose.track_file import decode_track
from voice.storage import LocalStore

pytestmark = pytest.mark.slow

FILES = ("garden.mp4", "breakfast.mp4", "rain.mp4", "goodbye.mp4", "lunch.mp4", "kitchen.mp4")
PATIENT = "maria"


def _cli(*argv: str) -> tuple[int, Any]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main([*argv, "--json"])
    return code, json.loads(out.getvalue()) if out.getvalue().strip() else None


@pytest.fixture(scope="module")
def processed(tmp_path_factory: pytest.TempPathFactory, samples_dir: Path) -> dict[str, Any]:
    data = tmp_path_factory.mktemp("labels-samples")
    code, results = _cli(
        "process", *(str(samples_dir / f) for f in FILES), "--patient", PATIENT, "--data-dir", str(data)
    )
    assert code == 0, results
    return {"data": data, "sessions": {Path(r["video"]).name: r["session"] for r in results}}


@pytest.fixture
def data(processed: dict[str, Any], tmp_path: Path) -> Path:
    copy = tmp_path / "data"
    shutil.copytree(processed["data"], copy)
    return copy


def _snapshot(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".locks" not in p.parts
    }


def _labels(data: Path, session: str) -> list[dict[str, Any]]:
    code, doc = _cli("labels", "list", PATIENT, session, "--data-dir", str(data))
    assert code == 0
    return list(doc["labels"])


def _training_set(data: Path) -> tuple[list[tuple[str, str, int]], str]:
    samples, digest = samples_from_store(LocalStore(data), PATIENT)
    return [(s.emotion, s.session, len(s.frames)) for s in samples], digest


def _poses_between(data: Path, session: str, start: float, end: float) -> int:
    track = decode_track((data / "patients" / layout.pose_track_key(PATIENT, session)).read_bytes())
    return len(track.between(start, end))


def _train(data: Path) -> dict[str, Any]:
    code, result = _cli("train", PATIENT, "--force", "--data-dir", str(data))
    assert code == 0
    assert result["trained"], result["reasons"]
    metrics = json.loads((data / "patients" / result["artifacts"]["metrics.json"]).read_text())
    return {"result": result, "metrics": metrics}


def test_every_session_keeps_its_whole_track_and_its_events_their_ids(processed: dict[str, Any]) -> None:
    data = processed["data"]
    for name, session in processed["sessions"].items():
        meta = json.loads((data / "videos" / layout.metadata_key(PATIENT, session)).read_text())
        track = decode_track((data / "patients" / layout.pose_track_key(PATIENT, session)).read_bytes())
        assert len(track.frames) == meta["poses"]["frames"], name
        assert track.detected == meta["poses"]["detected"], name
        assert all(e["id"] and e["id"].startswith("e") for e in meta["events"]), name
        assert meta["recorded_at"]["source"] == "upload", "the samples carry no creation time"
    kitchen = decode_track(
        (
            data / "patients" / layout.pose_track_key(PATIENT, processed["sessions"]["kitchen.mp4"])
        ).read_bytes()
    )
    assert max(len(f.people) for f in kitchen.frames) == 2, "the mother is kept too"


def test_adding_and_rejecting_labels_changes_what_voice_train_trains_on_and_nothing_else_does(
    processed: dict[str, Any], data: Path, tmp_path: Path
) -> None:
    sessions = processed["sessions"]
    control = tmp_path / "control"
    shutil.copytree(processed["data"], control)
    before_set, before_digest = _training_set(data)
    before = _snapshot(data)

    # Anger after the narrated windows of two videos (no overlap: no conflict), and breakfast's
    # "cheerful" rejected: she was laughing at something else.
    garden, rain, breakfast = sessions["garden.mp4"], sessions["rain.mp4"], sessions["breakfast.mp4"]
    added: dict[str, tuple[float, float]] = {}
    for session in (garden, rain):
        (narrated,) = _labels(data, session)
        meta = json.loads((data / "videos" / layout.metadata_key(PATIENT, session)).read_text())
        added[session] = (round(narrated["end"] + 0.05, 1), meta["video"]["duration_s"])
        start, end = (str(v) for v in added[session])
        code, _ = _cli("labels", "add", PATIENT, session, "--from", start, "--to", end, "--emotion", "anger",
                       "--author", "anna", "--data-dir", str(data))  # fmt: skip
        assert code == 0
    (cheerful,) = _labels(data, breakfast)
    code, outcome = _cli("labels", "reject", PATIENT, breakfast, cheerful["id"], "--reason",
                         "laughing at the dog", "--author", "bob", "--data-dir", str(data))  # fmt: skip
    assert code == 0
    assert outcome["derivation"]["deleted"] == [f"maria/happiness/{breakfast}_e0/"]

    after = _snapshot(data)
    changed = {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)}
    expected_prefixes = (
        *(f"patients/maria/reviews/{s}.json" for s in (garden, rain, breakfast)),
        *(f"patients/maria/.sessions/{s}.json" for s in (garden, rain, breakfast)),
        f"patients/maria/anger/{garden}_a",
        f"patients/maria/anger/{rain}_a",
        f"patients/maria/happiness/{breakfast}_e0/",
    )
    assert changed
    assert [k for k in sorted(changed) if not k.startswith(expected_prefixes)] == []
    assert not any(k.startswith("videos/") for k in changed), "uploads, metadata, videos: untouched"

    after_set, after_digest = _training_set(data)
    assert after_digest != before_digest
    assert sorted(set(after_set) - set(before_set)) == sorted(
        ("anger", session, _poses_between(data, session, *added[session])) for session in (garden, rain)
    )
    assert [s[:2] for s in set(before_set) - set(after_set)] == [("happiness", breakfast)]

    trained, baseline = _train(data), _train(control)
    m, b = trained["metrics"], baseline["metrics"]
    assert b["classes"] == ["happiness", "sadness"]
    assert m["classes"] == ["sadness", "anger"], "happiness is left with one video; anger has two"
    assert m["class_counts"] == {"sadness": b["class_counts"]["sadness"], "anger": 2}
    assert m["labels"] == {
        "narration": b["class_counts"]["sadness"],
        "confirmed": 0,
        "changed": 0,
        "counted": 0,
        "added": 2,
        "rejected": 1,
        "ignored": 1,
        "conflicts": 0,
        "orphans": 0,
    }  # fmt: skip  (ignored: lunch's "Maria is not happy.")
    assert b["labels"]["narration"] == sum(b["class_counts"].values())
    assert trained["result"]["labels"] == m["labels"]

    # Nothing else changes the training set: processing the same videos again, forced or not.
    code, _ = _cli("process", *(str(Path(processed["data"]) / "videos" / "maria" / f) for f in FILES),
                   "--patient", PATIENT, "--data-dir", str(data))  # fmt: skip
    assert code == 0
    assert _training_set(data) == (after_set, after_digest)
    code, results = _cli("process", str(data / "videos" / "maria" / "garden.mp4"), "--patient", PATIENT,
                         "--data-dir", str(data), "--force")  # fmt: skip
    assert code == 0
    assert results[0]["reasons"] == []
    assert _training_set(data) == (after_set, after_digest), (
        "a re-run applies the same reviews, byte for byte"
    )


def test_a_change_of_emotion_and_a_counted_event_move_their_samples(
    processed: dict[str, Any], data: Path
) -> None:
    lunch = processed["sessions"]["lunch.mp4"]
    negated, upset = _labels(data, lunch)
    assert (negated["status"], negated["ignored"], upset["status"]) == ("ignored", "negated", "narrated")
    assert _cli("labels", "count", PATIENT, lunch, negated["id"], "--reason", "said as a joke",
                "--data-dir", str(data))[0] == 0  # fmt: skip
    code, outcome = _cli(
        "labels", "set", PATIENT, lunch, upset["id"], "--emotion", "anger", "--data-dir", str(data)
    )
    assert code == 0
    folders = sorted(
        p.relative_to(data / "patients" / "maria").as_posix()
        for p in (data / "patients" / "maria").glob(f"*/{lunch}_*")
    )
    assert folders == [f"anger/{lunch}_e1", f"happiness/{lunch}_e0"]
    statuses = {
        label["id"]: (label["status"], label["emotion"], label["trains"])
        for label in outcome["labels"]["labels"]
    }
    assert statuses == {
        negated["id"]: ("counted", "happiness", True),
        upset["id"]: ("changed", "anger", True),
    }


def test_an_added_label_that_disagrees_with_the_narration_holds_both_back_until_one_changes(
    processed: dict[str, Any], data: Path
) -> None:
    goodbye = processed["sessions"]["goodbye.mp4"]
    (sad,) = _labels(data, goodbye)
    start, end = str(sad["time"]), str(sad["time"] + 2)
    code, outcome = _cli("labels", "add", PATIENT, goodbye, "--from", start, "--to", end,
                         "--emotion", "happiness", "--author", "anna", "--data-dir", str(data))  # fmt: skip
    assert code == 0
    labels = {label["kind"]: label for label in outcome["labels"]["labels"]}
    assert labels["narrated"]["conflicts"] == [labels["added"]["id"]]
    assert not labels["narrated"]["trains"]
    assert not labels["added"]["trains"]
    assert outcome["derivation"]["samples"] == 0
    assert not list((data / "patients" / "maria").glob(f"*/{goodbye}_*")), "neither trains"
    # Anna rejects the narrated one: her label trains.
    assert (
        _cli("labels", "reject", PATIENT, goodbye, sad["id"], "--author", "anna", "--data-dir", str(data))[0]
        == 0
    )
    assert [(s["emotion"], s["status"]) for s in _index(data, goodbye)["samples"]] == [("happiness", "added")]


def _index(data: Path, session: str) -> dict[str, Any]:
    return dict(json.loads((data / "patients" / layout.session_index_key(PATIENT, session)).read_text()))


def test_a_rerun_keeps_every_review_and_reports_those_whose_event_is_gone(
    processed: dict[str, Any], data: Path
) -> None:
    rain = processed["sessions"]["rain.mp4"]
    (sad,) = _labels(data, rain)
    assert (
        _cli("labels", "set", PATIENT, rain, sad["id"], "--emotion", "neutral", "--data-dir", str(data))[0]
        == 0
    )
    # A review of a statement an earlier run heard and this one does not (another model, say).
    key = data / "patients" / layout.reviews_key(PATIENT, rain)
    doc = json.loads(key.read_text())
    gone = {
        "event": "e0123456789",
        "action": "reject",
        "author": "anna",
        "at": "2026-01-01T00:00:00Z",
        "event_time": 4.0,
    }
    doc["reviews"].insert(0, gone)
    key.write_text(json.dumps(doc))
    code, results = _cli("process", str(data / "videos" / "maria" / "rain.mp4"), "--patient", PATIENT,
                         "--data-dir", str(data), "--force")  # fmt: skip
    assert code == 0
    assert any("1 review(s) refer to events this run did not find" in r for r in results[0]["reasons"])
    code, view = _cli("labels", "list", PATIENT, rain, "--data-dir", str(data))
    assert [o["event"] for o in view["orphans"]] == ["e0123456789"]
    assert [(label["emotion"], label["status"]) for label in view["labels"]] == [("neutral", "changed")]
    assert [s["emotion"] for s in _index(data, rain)["samples"]] == ["neutral"]
    assert json.loads(key.read_text()) == doc, "the reviews file is never rewritten by a run"


def test_re_pinning_the_patient_reprocesses_the_session_and_the_labels_follow_the_new_patient(
    processed: dict[str, Any], data: Path
) -> None:
    kitchen = processed["sessions"]["kitchen.mp4"]
    meta_key = data / "videos" / layout.metadata_key(PATIENT, kitchen)
    meta = json.loads(meta_key.read_text())
    other = next(p for p in meta["people"] if p["id"] != meta["patient_track"]["id"])
    x, y = other["mean_position"]
    (sad,) = _labels(data, kitchen)
    assert _cli("labels", "confirm", PATIENT, kitchen, sad["id"], "--data-dir", str(data))[0] == 0
    code, _ = _cli("process", str(data / "videos" / "maria" / "kitchen.mp4"), "--patient", PATIENT,
                   "--person", f"{x:.0f},{y:.0f}@3", "--data-dir", str(data))  # fmt: skip
    assert code == 0
    pinned = json.loads(meta_key.read_text())
    assert pinned["patient_track"]["rule"] == "pinned"
    assert pinned["patient_track"]["id"] == other["id"]
    track = decode_track((data / "patients" / layout.pose_track_key(PATIENT, kitchen)).read_bytes())
    assert {f.patient_id for f in track.frames} == {other["id"]}
    (sample,) = _index(data, kitchen)["samples"]
    assert (sample["label"], sample["status"]) == (sad["id"], "confirmed")
    poses = [json.loads(p.read_text()) for p in sorted((data / sample["prefix"]).glob("pose_*.json"))]
    ids = {tuple(p["person_id"]) for pose in poses for p in pose["people"]}
    assert ids == {(other["id"],)}, "the new patient's poses, nobody else's"
