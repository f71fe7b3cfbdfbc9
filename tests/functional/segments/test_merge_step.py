"""The last step of a segmented run, on real media with the steps run in this process: the parts
joined into one H.264 + AAC video of the source's length, each key frame kept once with its pose
file, the same outputs as one pass (metadata last), the session's intermediate files deleted."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.support.media import long_narrated_video, long_video_events, stream_kinds
from voice import layout
from voice.config import Settings
from voice.media.probe import probe
from voice.run.batch import stage_upload
from voice.segments.merge_step import merge_step
from voice.segments.steps import draw_step, join_step, make_plan, segment_step
from voice.session.prepare import open_upload, prepare, upload_run
from voice.storage import LocalStore
from voice.transcription.backends import make_transcriber

pytestmark = pytest.mark.slow

SECONDS = 24.0
SETTINGS = Settings(segment_s=10.0, pose_face=False, pose_hands=False, key_frames_extra=3)


@pytest.fixture(scope="module")
def merged(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A 24 s narrated visit planned in segments of ~10 s, every step run here, then the merge."""
    root = tmp_path_factory.mktemp("merge")
    video = long_narrated_video(root / "visit.mp4", SECONDS, 320, 240, preset="ultrafast")
    store = LocalStore(root / "data")
    key = stage_upload(store, video, "maria")
    with upload_run(store, key, settings=SETTINGS) as run:
        opened = open_upload(run, force=False)
        assert opened.info is not None
        found = prepare(run, opened.info, make_transcriber(SETTINGS), opened.pin)
        doc = make_plan(run, found, version=None, force=False)
        for i in range(len(doc.plan.segments)):
            segment_step(store, doc, i, source=run.source, settings=SETTINGS)
        for i in join_step(store, doc, settings=SETTINGS):
            draw_step(store, doc, i, source=run.source, settings=SETTINGS)
        stages: list[str] = []
        before = sorted(
            o.key for o in store.list(layout.VIDEOS, layout.segments_prefix("maria", doc.session))
        )
        meta = merge_step(store, doc, settings=SETTINGS, on_stage=stages.append).json_doc()
    return {"store": store, "root": root, "doc": doc, "meta": meta, "stages": stages, "workspace": before}


def test_the_plan_has_several_segments_and_their_parts_were_in_the_workspace(merged: dict[str, Any]) -> None:
    doc = merged["doc"]
    assert len(doc.plan.segments) >= 2
    names = {k.rsplit("/", 1)[1] for k in merged["workspace"]}
    assert {"plan.json", "audio.m4a", "join.json", "segment_000.json", "segment_000.mp4"} <= names


def test_the_joined_video_is_one_h264_aac_file_of_the_source_length(merged: dict[str, Any]) -> None:
    path = merged["root"] / "data" / "videos" / layout.annotated_video_key("maria", merged["doc"].session)
    assert stream_kinds(path) == ["video", "audio"]
    info = probe(path)
    assert info.codec == "h264"
    assert info.duration_s == pytest.approx(SECONDS, abs=0.1)


def test_each_key_frame_is_kept_once_with_its_pose_file(merged: dict[str, Any]) -> None:
    session = merged["doc"].session
    annotated = merged["root"] / "data" / "videos" / "annotated" / "maria"
    frames = sorted(p.name for p in (annotated / "frames" / session).iterdir())
    poses = sorted(p.name for p in (annotated / "poses" / session).iterdir())
    keys = [name.split("_")[1] for name in frames]
    assert len(keys) == len(set(keys)), "each key time once"
    assert len(frames) == len(merged["meta"]["events"]) + SETTINGS.key_frames_extra
    assert [p.replace("pose_", "frame_").replace(".json", ".jpg") for p in poses] == frames
    doc = json.loads((annotated / "poses" / session / poses[0]).read_text())
    assert doc["voice"]["session"] == session


def test_the_session_is_complete_as_after_one_pass(merged: dict[str, Any]) -> None:
    meta, store = merged["meta"], merged["store"]
    assert meta["status"] == "ok"
    assert [e["keyword"] for e in meta["events"]] == [e["keyword"] for e in long_video_events(SECONDS)]
    assert meta["samples"], "samples from the joined track"
    assert meta["poses"]["frames"] > 0
    stored = json.loads(store.read(layout.VIDEOS, layout.metadata_key("maria", meta["session"])))
    assert stored == meta
    assert store.exists(layout.PATIENTS, layout.session_index_key("maria", meta["session"]))
    assert merged["stages"][-1] == "upload", "finish's stages run under the merge"


def test_the_intermediate_files_are_deleted(merged: dict[str, Any]) -> None:
    session = merged["doc"].session
    assert list(merged["store"].list(layout.VIDEOS, layout.segments_prefix("maria", session))) == []
