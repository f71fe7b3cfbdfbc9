"""Several people in the frame (composited, with known truth): everyone found, ids held, the
patient chosen by the default rule or by ``--person``, and samples from the patient only."""

from __future__ import annotations

import contextlib
import io
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.support import scenes
from voice.config import Settings
from voice.media.frames import iter_frames
from voice.people.estimator import PeoplePass
from voice.people.patient import PatientChooser
from voice.pose.body25 import PoseFrame, pose_from_json
from voice.run.demo import samples_dir

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]


def _frames(scene: scenes.Scene, path: Path) -> list[PoseFrame]:
    """Every 5th frame through the pipeline's per-frame step (as ``voice process`` samples them)."""
    with PeoplePass(Settings(), PatientChooser((scene.width, scene.height))) as people:
        return [
            people.step(fr.bgr, frame=fr.index, time_s=fr.time_s)
            for fr in iter_frames(path)
            if fr.index % 5 == 0
        ]


def _who(scene: scenes.Scene, frame: PoseFrame, keypoints: np.ndarray) -> str | None:
    """The actor whose nose is within a fifth of a person's size of this pose's nose."""
    tol = 0.2 * 300
    for actor, nose in scenes.truth(scene, frame.time_s).items():
        if keypoints[0, 2] > 0.3 and np.hypot(*(keypoints[0, :2] - nose)) < tol:
            return actor
    return None


def _ids(scene: scenes.Scene, frames: list[PoseFrame], *, apart: float = 150.0) -> dict[str, Counter[int]]:
    """Track ids seen on each actor, on frames where the actors' noses are ``apart`` or more."""
    out: dict[str, Counter[int]] = {a.name: Counter() for a in scene.actors}
    for f in frames:
        noses = list(scenes.truth(scene, f.time_s).values())
        if len(noses) > 1 and min(abs(a[0] - b[0]) for a in noses for b in noses if a is not b) < apart:
            continue
        for p in f.people:
            if (actor := _who(scene, f, p.keypoints)) is not None:
                out[actor][p.person_id] += 1
    return out


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[scenes.Scene, Path]]:
    d = tmp_path_factory.mktemp("people")
    made = {
        "side": scenes.side_by_side(),
        "cross": scenes.crossing(),
        "twins": scenes.crossing(blue_look="orange"),
        "away": scenes.enter_leave(),
    }
    out = {name: (scene, scenes.render(scene, d / f"{name}.mp4")) for name, scene in made.items()}
    late = scenes.late_second()
    out["late"] = (late, scenes.render(late, d / "late.mp4", audio_from=samples_dir() / "park.mp4"))
    return out


def test_both_people_are_listed_in_every_frame(media: dict[str, tuple[scenes.Scene, Path]]) -> None:
    scene, path = media["side"]
    frames = _frames(scene, path)
    assert len(frames) == 30
    for f in frames:
        assert sorted(_who(scene, f, p.keypoints) or "?" for p in f.people) == ["blue", "orange"], f.time_s


def test_a_person_coming_in_is_found_within_the_discovery_interval(
    media: dict[str, tuple[scenes.Scene, Path]],
) -> None:
    scene, path = media["away"]
    late = Settings().pose_discover_s
    for f in _frames(scene, path):
        present = set(scenes.truth(scene, f.time_s))
        found = {_who(scene, f, p.keypoints) for p in f.people}
        entered = 1.5 if f.time_s < 4.0 else 5.5
        if "blue" in present and f.time_s >= entered + late:
            assert found == {"orange", "blue"}, f.time_s
        assert found <= present | {None}


#: Look-alike people crossing (only motion tells them apart) can swap ids since pose runs directly
#: by LiteRT (issue 24): the bodies' regions merge while the two overlap and one of them is lost for
#: seconds, so the tracker re-assigns ids on thin evidence. Open work, said in docs/people.md.
TWINS_SWAP = pytest.mark.xfail(reason="look-alikes crossing may swap ids (issue 24, left open)", strict=False)


@pytest.mark.parametrize("name", ["cross", pytest.param("twins", marks=TWINS_SWAP)])
def test_ids_do_not_swap_when_two_people_cross(
    media: dict[str, tuple[scenes.Scene, Path]], name: str
) -> None:
    """Truth from the compositing: on every frame where the two are apart, each keeps one id.
    ``twins`` look alike (only motion tells them apart); ``cross`` also differ in colour."""
    scene, path = media[name]
    ids = _ids(scene, _frames(scene, path))
    assert len(ids["orange"]) == 1, ids
    assert len(ids["blue"]) == 1, ids
    assert set(ids["orange"]) != set(ids["blue"])
    assert sum(ids["orange"].values()) >= 15, "seen before and after the crossing"
    assert sum(ids["blue"].values()) >= 15, "seen before and after the crossing"


def test_someone_away_for_a_moment_keeps_their_id(media: dict[str, tuple[scenes.Scene, Path]]) -> None:
    scene, path = media["away"]
    ids = _ids(scene, _frames(scene, path))
    assert len(ids["blue"]) == 1, ids  # away from 4.0 s to 5.5 s
    assert len(ids["orange"]) == 1, ids


def _process(path: Path, data: Path, *extra: str) -> dict[str, Any]:
    from voice.cli import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["process", str(path), "--patient", "maria", "--data-dir", str(data), "--json", *extra])
    assert code == 0, out.getvalue()
    (result,) = json.loads(out.getvalue())
    meta = data / "videos" / "annotated" / "maria" / f"{result['session']}_metadata.json"
    return dict(json.loads(meta.read_text()))


def _sample_people(data: Path, session: str = "") -> list[tuple[PoseFrame, Any]]:
    files = sorted((data / "patients" / "maria").glob(f"*/{session}*_e*/pose_*.json"))
    assert files
    return [(pose_from_json(f.read_bytes()), json.loads(f.read_text())) for f in files]


def test_the_default_patient_is_the_one_in_view_longest_and_samples_follow(
    media: dict[str, tuple[scenes.Scene, Path]], tmp_path: Path
) -> None:
    scene, path = media["late"]
    meta = _process(path, tmp_path)
    choice = meta["patient_track"]
    assert choice["rule"] == "longest"
    assert len(meta["people"]) == 2
    assert [s["emotion"] for s in meta["samples"]] == ["happiness", "surprise"]
    for pose, doc in _sample_people(tmp_path):
        assert len(doc["people"]) == 1, "a sample holds the patient only"
        assert doc["people"][0]["person_id"] == [choice["id"]]
        assert pose.keypoints is not None
        assert _who(scene, pose, pose.keypoints) == "orange"
    key_frames = sorted((tmp_path / "videos" / "annotated" / "maria" / "poses").rglob("*.json"))
    listed = [json.loads(f.read_text()) for f in key_frames]
    assert any(len(d["people"]) == 2 for d in listed), "key frames list everyone"
    assert all(sum(p["patient"] for p in d["people"]) <= 1 for d in listed)


def test_a_pin_picks_the_other_person_and_samples_follow_them(
    media: dict[str, tuple[scenes.Scene, Path]], tmp_path: Path
) -> None:
    scene, path = media["late"]
    meta = _process(path, tmp_path, "--person", "480,150@6")
    choice = meta["patient_track"]
    assert choice["rule"] == "pinned"
    assert choice["pin"] == {"x": 480.0, "y": 150.0, "t": 6.0}
    # Blue comes in at 5 s: the first event's window (0-3.9 s) has no patient, only orange.
    assert [s["emotion"] for s in meta["samples"]] == ["surprise"]
    assert any(r.startswith("event 0 (happiness") and "not in view" in r for r in meta["reasons"])
    for pose, _ in _sample_people(tmp_path):
        if pose.keypoints is not None:
            assert _who(scene, pose, pose.keypoints) == "blue", "never a sample from someone else"
    profile = json.loads((tmp_path / "patients" / "maria" / "profile.json").read_text())
    assert profile["appearance"]["videos"] == 1, "the pinned patient's colours were learnt"
    # A later video: the patient (blue) in view for less time than the other person; the default
    # rule would pick the other one, the learnt colours pick the patient.
    later = scenes.two_people((4.0, 8.0), (0.0, 8.0), looks=("blue", "orange"), patient_left=False)
    path = scenes.render(later, tmp_path / "later.mp4", audio_from=samples_dir() / "park.mp4")
    meta = _process(path, tmp_path)
    assert meta["patient_track"]["rule"] == "appearance", meta["patient_track"]
    checked = 0
    for pose, _ in _sample_people(tmp_path, meta["session"]):
        if pose.keypoints is not None and 4.2 <= pose.time_s < 7.9:
            assert _who(later, pose, pose.keypoints) == "patient"
            checked += 1
    assert checked >= 10


def test_single_person_results_keep_their_meaning() -> None:
    """Today's tracker against the multi-person one on bundled samples (benchmarks/bench_people.py)."""
    out = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_people.py"), "--quick", "--json"],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    ).stdout
    single = json.loads(out.strip().splitlines()[-1])["single_person"]
    assert single["multi_detection"] >= single["legacy_detection"]
    assert single["people_per_frame"] == pytest.approx(1.0)
    assert single["upper_median_max"] < 0.15, "head and shoulders within 0.15 shoulder widths"
