"""The core pipeline on the bundled narrated samples: events, poses, annotated video, idempotency."""

from __future__ import annotations

import contextlib
import hashlib
import io
import itertools
import json
import re
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.support.captions import parse_cues
from tests.support.outputs import read_metadata
from voice.cli import main
from voice.config import EMOTIONS

pytestmark = pytest.mark.slow

TOLERANCE_S = 1.5


def _by_file(processed: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {Path(r["video"]).name: r for r in processed["results"]}


def test_every_sample_is_processed(processed_samples: dict[str, Any], manifest: dict[str, Any]) -> None:
    assert processed_samples["exit"] == 0
    results = _by_file(processed_samples)
    assert set(results) == {s["file"] for s in manifest["sessions"]}
    assert all(r["status"] == "ok" for r in results.values()), results


def test_every_narrated_event_is_found_and_nothing_else(
    processed_samples: dict[str, Any], manifest: dict[str, Any]
) -> None:
    results = _by_file(processed_samples)
    for entry in manifest["sessions"]:
        meta = read_metadata(
            processed_samples["data"], processed_samples["patient"], results[entry["file"]]["session"]
        )
        found = meta["events"]
        expected = entry["events"]
        assert len(found) == len(expected), (entry["file"], found, expected)
        for want, got in zip(sorted(expected, key=lambda e: e["time_s"]), found, strict=True):
            assert got["emotion"] == want["emotion"], (entry["file"], got, want)
            assert got["negated"] == want["negated"], (entry["file"], got, want)
            assert abs(got["time"] - want["time_s"]) <= TOLERANCE_S, (entry["file"], got, want)
            assert got["window"][0] <= got["time"] <= got["window"][1]


def test_the_negated_event_is_flagged_and_never_a_sample(
    processed_samples: dict[str, Any], manifest: dict[str, Any]
) -> None:
    results = _by_file(processed_samples)
    negated = [(s, e) for s in manifest["sessions"] for e in s["events"] if e["negated"]]
    assert len(negated) == 1
    entry, want = negated[0]
    meta = read_metadata(
        processed_samples["data"], processed_samples["patient"], results[entry["file"]]["session"]
    )
    flagged = [e for e in meta["events"] if e["negated"]]
    assert len(flagged) == 1
    assert flagged[0]["emotion"] == want["emotion"]
    k = meta["events"].index(flagged[0])
    assert not any(s["prefix"].endswith(f"_e{k}/") for s in meta["samples"])


def _pose_files(data: Path) -> list[Path]:
    return sorted((data / "patients").rglob("pose_*.json")) + sorted(
        (data / "videos" / "annotated").rglob("poses/*/*.json")
    )


def test_every_pose_file_is_body25(processed_samples: dict[str, Any]) -> None:
    files = _pose_files(processed_samples["data"])
    assert len(files) > 100
    with_person = 0
    for path in files:
        doc = json.loads(path.read_text())
        assert doc["version"] == 1.3
        for person in doc["people"]:
            with_person += 1
            kp = np.asarray(person["pose_keypoints_2d"], dtype=float)
            assert kp.size == 75, path
            kp = kp.reshape(25, 3)
            # Neck = midpoint of the shoulders, MidHip = midpoint of the hips (±1 px).
            np.testing.assert_allclose(kp[1, :2], (kp[2, :2] + kp[5, :2]) / 2, atol=1.0)
            np.testing.assert_allclose(kp[8, :2], (kp[9, :2] + kp[12, :2]) / 2, atol=1.0)
            assert kp[20].tolist() == [0, 0, 0], "small toes not detected"
            assert kp[23].tolist() == [0, 0, 0], "small toes not detected"
            # The sample person faces the camera: her right shoulder is on the image's left.
            assert kp[2, 0] < kp[5, 0], path
            assert 0 <= kp[0, 0] <= doc["voice"]["width"]
            assert 0 <= kp[0, 1] <= doc["voice"]["height"]
    assert with_person >= 0.9 * len(files)


def test_pose_files_carry_the_face_and_hands_where_visible(processed_samples: dict[str, Any]) -> None:
    """Training samples (every pose frame of an event window): OpenPose face and hand arrays."""
    files = sorted((processed_samples["data"] / "patients").rglob("pose_*.json"))
    by_emotion: dict[str, list[dict[str, Any]]] = {}
    for path in files:
        for person in json.loads(path.read_text())["people"]:
            by_emotion.setdefault(path.parts[-3], []).append(person)
    faces = hands = 0
    for emotion, people in by_emotion.items():
        for person in people:
            face = np.asarray(person["face_keypoints_2d"]).reshape(70, 3)
            faces += bool(face[:, 2].mean() >= 0.5)
            unseen = face[:, 2] == 0  # not found, or outside the frame: (0, 0, 0) as OpenPose writes it
            assert not face[unseen].any()
            for key in ("hand_left_keypoints_2d", "hand_right_keypoints_2d"):
                hand = np.asarray(person[key]).reshape(21, 3)
                hands += bool(hand[:, 2].all())
                if hand.any():
                    # found hands lie on the lower half of the face or below it (the person's hands)
                    assert hand[0, 1] > face[30, 1] or not face.any(), (emotion, key)
        # surprise: the head is out of view for a moment; everywhere else the face is always seen
        share = np.mean([np.asarray(p["face_keypoints_2d"])[2::3].mean() >= 0.5 for p in people])
        assert share >= (0.7 if emotion == "surprise" else 0.99), (emotion, share)
    total = sum(len(p) for p in by_emotion.values())
    assert faces >= 0.9 * total
    # hands: both visible in every emotion but sadness (they sink out of view); found in ≥ 30 % of slots
    assert hands >= 0.3 * 2 * total, (hands, total)
    sad = by_emotion["sadness"]
    assert np.mean([np.asarray(p["hand_right_keypoints_2d"]).any() for p in sad]) < 0.5


def test_key_frame_keys_carry_no_spoken_words(processed_samples: dict[str, Any]) -> None:
    """Key frames are named by index, time and emotion only: the narration's subject ("Maria",
    "Maria's mom") would put a name into a key outside the patient's folder name."""
    root = processed_samples["data"] / "videos" / "annotated" / processed_samples["patient"]
    names = [p.name for p in root.glob("frames/*/*")] + [p.name for p in root.glob("poses/*/*")]
    assert len(names) >= 2 * 15
    emotions = "|".join((*EMOTIONS, "none"))
    pattern = re.compile(rf"(frame|pose)_\d{{3}}_at_\d+\.\d{{2}}s_({emotions})\.(jpg|json)")
    assert [n for n in names if not pattern.fullmatch(n)] == []


def _probe_streams(path: Path) -> dict[str, Any]:
    import av

    with av.open(str(path)) as c:
        v, a = c.streams.video[0], c.streams.audio[0]
        return {
            "video": v.codec_context.name,
            "audio": a.codec_context.name,
            "pix_fmt": v.codec_context.pix_fmt,
            "duration": float(c.duration / 1_000_000),
        }


def test_annotated_videos_are_h264_aac_with_the_source_duration(
    processed_samples: dict[str, Any], manifest: dict[str, Any], samples_dir: Path
) -> None:
    from voice.media.probe import probe

    results = _by_file(processed_samples)
    for entry in manifest["sessions"]:
        session = results[entry["file"]]["session"]
        out = (
            processed_samples["data"]
            / "videos"
            / "annotated"
            / processed_samples["patient"]
            / f"{session}.mp4"
        )
        streams = _probe_streams(out)
        assert streams["video"] == "h264", streams
        assert streams["audio"] == "aac", streams
        assert streams["pix_fmt"] == "yuv420p", "browsers play yuv420p only"
        source = probe(samples_dir / entry["file"]).duration_s
        assert abs(probe(out).duration_s - source) <= 0.1, (entry["file"], probe(out), source)


def test_subtitles_hold_the_transcript_as_cues_within_the_limits(processed_samples: dict[str, Any]) -> None:
    """The .vtt and .srt hold the same cues: every word of the transcript once, in order, each cue
    at most 2 lines of 42 characters and 7 s; the events .vtt one cue per event, at its time."""
    data, patient = processed_samples["data"], processed_samples["patient"]
    for r in processed_samples["results"]:
        meta = read_metadata(data, patient, r["session"])
        folder = data / "videos" / "annotated" / patient
        cues = parse_cues((folder / f"{r['session']}.vtt").read_text())
        assert cues == parse_cues((folder / f"{r['session']}.srt").read_text())
        assert " ".join(" ".join(lines) for _, _, lines in cues) == " ".join(
            meta["transcript"]["text"].split()
        )
        for start, end, lines in cues:
            assert 0 <= start < end <= min(start + 7.0, meta["video"]["duration_s"] + 1.0)
            assert 1 <= len(lines) <= 2
            assert all(0 < len(line) <= 42 for line in lines)
        assert all(a[1] <= b[0] for a, b in itertools.pairwise(cues))
        events = parse_cues((folder / f"{r['session']}_events.vtt").read_text())
        assert len(events) == len(meta["events"])
        for (start, end, (text,)), event in zip(events, meta["events"], strict=True):
            assert start <= event["time"] <= end
            assert f"{event['emotion']} ({event['keyword']})" in text


def test_metadata_has_every_required_field(processed_samples: dict[str, Any]) -> None:
    meta = read_metadata(
        processed_samples["data"], processed_samples["patient"], processed_samples["results"][0]["session"]
    )
    for key in ("schema", "session", "patient", "source", "video", "transcript", "events", "poses", "samples",
                "predictions", "models", "timings_s", "status"):  # fmt: skip
        assert key in meta, key
    assert meta["schema"] == "voice.session/1"
    assert meta["status"] == "ok"
    assert meta["poses"]["sampled_fps"] == pytest.approx(5.0, abs=0.5)
    assert meta["poses"]["detection_rate"] > 0.9
    assert meta["models"]["pose"] == "mediapipe-0.10.14/full-multi"
    words = [w for s in meta["transcript"]["segments"] for w in s["words"]]
    assert words
    assert all({"word", "start", "end", "probability"} <= set(w) for w in words)


def _tree_hashes(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _run(*args: str) -> tuple[int, list[dict[str, Any]]]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main([*args, "--json"])
    return code, json.loads(out.getvalue())


def test_processing_twice_gives_identical_bytes_and_no_extra_samples(
    tmp_path: Path, samples_dir: Path
) -> None:
    video = samples_dir / "park.mp4"  # two events
    data = tmp_path / "data"
    code, first = _run("process", str(video), "--patient", "maria", "--data-dir", str(data))
    assert code == 0
    before = _tree_hashes(data)
    # A second delivery of the same upload: recognised as complete, nothing rewritten.
    code, again = _run("process", str(video), "--patient", "maria", "--data-dir", str(data))
    assert code == 0
    assert again[0]["session"] == first[0]["session"]
    assert _tree_hashes(data) == before
    # A forced re-run recomputes everything and still writes the very same bytes.
    code, forced = _run("process", str(video), "--patient", "maria", "--data-dir", str(data), "--force")
    assert code == 0
    assert forced[0]["status"] == "ok"
    after = _tree_hashes(data)
    assert after == before
    assert sum(1 for k in after if k.startswith("patients/maria/") and "/.sessions/" not in k) == sum(
        s["poses"] for s in read_metadata(data, "maria", first[0]["session"])["samples"]
    )


def test_same_name_different_content_gives_two_sessions(tmp_path: Path, samples_dir: Path) -> None:
    a, b = tmp_path / "a" / "IMG_0001.mp4", tmp_path / "b" / "IMG_0001.mp4"
    a.parent.mkdir()
    b.parent.mkdir()
    shutil.copyfile(samples_dir / "rain.mp4", a)
    shutil.copyfile(samples_dir / "bath.mp4", b)
    data = tmp_path / "data"
    code, results = _run("process", str(a), str(b), "--patient", "maria", "--data-dir", str(data))
    assert code == 0
    sessions = {r["session"] for r in results}
    assert len(sessions) == 2, "two different uploads named IMG_0001.mp4 never collide"
    uploads = sorted(p.name for p in (data / "videos" / "maria").iterdir())
    assert len(uploads) == 2, uploads
    assert "IMG_0001.mp4" in uploads, uploads
    assert (data / "videos" / "maria" / "IMG_0001.mp4").read_bytes() == a.read_bytes(), "first upload kept"
    emotions = {read_metadata(data, "maria", s)["events"][0]["emotion"] for s in sessions}
    assert emotions == {"sadness", "anger"}
