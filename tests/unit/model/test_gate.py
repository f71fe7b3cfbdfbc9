"""The training gate: one test per rule, checking the decision and the reason text."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from voice import layout
from voice.config import Settings
from voice.model.gate import decide, last_run_from_listing, run_time, samples_from_listing
from voice.storage import ObjectInfo

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
SETTINGS = Settings()  # gate_min_samples=10, gate_min_emotions=2, gate_min_per_emotion=3, cooldown 1 h


def keys(
    patient: str, emotion: str, videos: int, per_video: int, poses: int = 3, *, indexed: bool = True
) -> list[str]:
    """Sample keys as processing writes them: pose files, then the session's index (if complete)."""
    out = []
    for v in range(videos):
        session = layout.session_id(
            f"{emotion} clip {v}.mp4", f"{v:02d}{emotion}".encode().hex().ljust(10, "0")
        )
        for k in range(per_video):
            prefix = layout.sample_prefix(patient, emotion, session, k)
            out += [layout.sample_pose_key(prefix, f) for f in range(poses)]
        if indexed:
            out.append(layout.session_index_key(patient, session))
    return out


def test_samples_of_a_session_without_its_index_do_not_count() -> None:
    """A run that failed after writing samples, or a forced re-run half way, has no index yet."""
    complete = keys("ann", "happiness", 3, 2) + keys("ann", "sadness", 4, 1)
    unfinished = keys("ann", "anger", 4, 2, indexed=False)
    refs = samples_from_listing(complete + unfinished)
    assert {r.emotion for r in refs} == {"happiness", "sadness"}
    d = decide(complete + unfinished, now=NOW, last_run_at=None, settings=SETTINGS)
    assert "anger" not in d.counts
    assert d.emotions == ["happiness", "sadness"]


def test_enough_data_trains_and_says_why() -> None:
    listing = keys("ann", "happiness", 3, 2) + keys("ann", "sadness", 4, 1)
    d = decide(listing, now=NOW, last_run_at=None, settings=SETTINGS)
    assert d.train
    assert d.counts == {"happiness": 6, "sadness": 4}
    assert d.sessions == {"happiness": 3, "sadness": 4}
    assert d.emotions == ["happiness", "sadness"]
    assert d.reasons == [
        "cooldown passed: no previous training run",
        "happiness: 6 samples from 3 videos, trained",
        "sadness: 4 samples from 4 videos, trained",
        "2 emotions with enough data (need 2)",
        "10 usable samples (need 10)",
    ]


def test_too_few_samples() -> None:
    listing = keys("ann", "happiness", 3, 1) + keys("ann", "sadness", 4, 1)
    d = decide(listing, now=NOW, last_run_at=None, settings=SETTINGS)
    assert not d.train
    assert "only 7 usable samples; need at least 10" in d.reasons


def test_emotion_from_too_few_videos_is_left_out() -> None:
    listing = keys("ann", "happiness", 3, 2) + keys("ann", "sadness", 3, 2) + keys("ann", "anger", 1, 5)
    d = decide(listing, now=NOW, last_run_at=None, settings=SETTINGS)
    assert d.train
    assert d.emotions == ["happiness", "sadness"]
    assert d.counts["anger"] == 5
    assert (
        "anger left out: 5 samples from 1 video; need at least 3 samples from 3 different videos" in d.reasons
    )
    # The left-out emotion does not count towards the sample minimum.
    assert "12 usable samples (need 10)" in d.reasons


def test_too_few_emotions() -> None:
    listing = keys("ann", "happiness", 6, 2) + keys("ann", "sadness", 2, 1)
    d = decide(listing, now=NOW, last_run_at=None, settings=SETTINGS)
    assert not d.train
    assert "only 1 emotion (happiness) with enough data; need at least 2" in d.reasons
    assert (
        "sadness left out: 2 samples from 2 videos; need at least 3 samples from 3 different videos"
        in d.reasons
    )


@pytest.mark.parametrize(
    ("age", "train", "reason"),
    [
        (
            timedelta(minutes=20),
            False,
            "last training run was 20 min ago; cooldown is 60 min, try again in 40 min",
        ),
        (timedelta(hours=3), True, "cooldown passed: last training run 3.0 h ago"),
    ],
)
def test_cooldown(age: timedelta, train: bool, reason: str) -> None:
    listing = keys("ann", "happiness", 3, 2) + keys("ann", "sadness", 3, 2)
    d = decide(listing, now=NOW, last_run_at=NOW - age, settings=SETTINGS)
    assert d.train is train
    assert d.reasons[0] == reason


def test_force_ignores_cooldown_and_minimums_but_not_grouping() -> None:
    listing = keys("ann", "happiness", 2, 1) + keys("ann", "sadness", 2, 1) + keys("ann", "anger", 1, 3)
    d = decide(listing, now=NOW, last_run_at=NOW - timedelta(minutes=1), settings=SETTINGS, force=True)
    assert d.train
    assert d.emotions == ["happiness", "sadness"]
    assert d.reasons[0] == "cooldown ignored (forced): last training run 60 s ago"
    assert (
        "anger left out: 3 samples from 1 video; need at least 2 samples from 2 different videos" in d.reasons
    )
    assert "4 usable samples (sample minimum ignored: forced)" in d.reasons
    one_class = decide(
        keys("ann", "happiness", 5, 2), now=NOW, last_run_at=None, settings=SETTINGS, force=True
    )
    assert not one_class.train


def test_thresholds_come_from_settings() -> None:
    listing = keys("ann", "happiness", 2, 1) + keys("ann", "sadness", 2, 1)
    strict = decide(listing, now=NOW, last_run_at=None, settings=SETTINGS)
    loose = decide(
        listing, now=NOW, last_run_at=None, settings=Settings(gate_min_samples=4, gate_min_per_emotion=2)
    )
    assert not strict.train
    assert loose.train


def test_listing_helper_counts_poses_and_ignores_other_keys() -> None:
    listing = [
        *keys("ann", "surprise", 1, 2, poses=4),
        "ann/.sessions/clip-0123456789.json",
        "ann/surprise/notasample/pose_000001.json",
        "ann/joy/clip-0123456789_e0/pose_000001.json",
        "ann/surprise/clip-0123456789_e9/notes.txt",
        "ann/reviews/clip-0123456789.json",
        "ann/.sessions/clip-0123456789.track.npz",
    ]
    infos = [ObjectInfo(k, 10, NOW) for k in listing]  # ObjectInfo from Store.list works as well
    refs = samples_from_listing(infos)
    assert [(r.emotion, r.tag, r.poses) for r in refs] == [("surprise", "e0", 4), ("surprise", "e1", 4)]
    assert refs[0].prefix == layout.sample_prefix("ann", "surprise", refs[0].session, 0)
    assert samples_from_listing(listing) == refs


def test_added_labels_samples_count_and_sort_after_the_narrated_ones() -> None:
    session = "clip-0123456789"
    tags = ["e10", "a0123456789w1", "e2", "a0123456789w0"]
    listing = [f"ann/anger/{session}_{tag}/pose_000001.json" for tag in tags] + [
        f"ann/.sessions/{session}.json"
    ]
    refs = samples_from_listing(listing)
    assert [r.tag for r in refs] == ["e2", "e10", "a0123456789w0", "a0123456789w1"]
    assert refs[2].prefix == layout.label_sample_prefix("ann", "anger", session, "a0123456789w0")


def test_gate_module_stays_light() -> None:
    import subprocess
    import sys

    code = (
        "import sys, voice.model.gate; "
        "heavy = {'numpy', 'sklearn', 'matplotlib', 'skops', 'boto3'} & set(sys.modules); "
        "print(sorted(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_last_run_time_comes_from_the_run_ids() -> None:
    listing = [
        layout.model_artifact_key("ann", "20261121T090000Z-0badc0de", "metrics.json"),
        layout.model_artifact_key("ann", "20261121T110500Z-12345678", "model.skops"),
        layout.model_artifact_key("bob", "20261121T115900Z-12345678", "model.skops"),  # another patient
        layout.latest_model_key("ann"),
        "models/ann/not-a-run/metrics.json",
    ]
    assert last_run_from_listing(listing, "ann") == datetime(2026, 11, 21, 11, 5, tzinfo=UTC)
    assert last_run_from_listing([], "ann") is None
    assert run_time("garbage") is None
