"""The last step of a video processed in segments: one session from the segments' parts.

The annotated parts (each segment's, or its redrawn one) are joined without re-encoding and the
audio track added (:func:`voice.media.concat.join_parts`); the key frames are kept once each (the
earliest frame that took a key time, as one pass picks it) with their pose files written from the
joined poses (final ids, the patient marked, the face and hands a redraw found); then the same
outputs as one pass (:func:`voice.session.finish.finish`: samples from the joined track, CSV, VTT, the
session index, the metadata last), and the session's intermediate files are deleted.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from voice import layout
from voice.config import Settings
from voice.layout import VIDEOS
from voice.media.concat import join_parts
from voice.pose.body25 import PoseFrame, pose_to_json
from voice.pose.track import PoseTrack
from voice.records.session import SessionMetadata
from voice.segments.segment_pass import KeyFrameImage, SegmentResult
from voice.segments.steps import delete_workspaces, joined_results, stored_predictions
from voice.segments.workspace import PlanDoc, frames_from_json, key_frames_from_json
from voice.session.finish import finish
from voice.session.outputs import SessionOutputs
from voice.session.prepare import Run, StageCallback
from voice.session.video_pass import VideoPassResult
from voice.storage import Store

__all__ = ["merge_step"]


def _key_frames(
    outputs: SessionOutputs, doc: PlanDoc, keys: Sequence[KeyFrameImage], track: PoseTrack
) -> None:
    """Each key once (the earliest frame that took it), as JPG and as a pose file of that frame."""
    by_frame = {f.frame: f for f in track.frames}
    first: dict[int, KeyFrameImage] = {}
    for key in sorted(keys, key=lambda k: (k.time_s, k.key)):
        first.setdefault(key.key, key)
    patient, session = doc.patient, doc.session
    for key in first.values():
        outputs.add(
            layout.frame_key(patient, session, key.key, key.time_s, key.emotion), key.jpg, "image/jpeg"
        )
        pose = by_frame.get(key.frame)
        if pose is not None:
            pose_key = layout.pose_key(patient, session, key.key, key.time_s, key.emotion)
            outputs.add(pose_key, pose_to_json(pose, session), "application/json")


def _download(store: Store, key: str, target: Path) -> Path:
    with store.download(VIDEOS, key) as local:
        shutil.copyfile(local, target)
    return target


@dataclass
class _Parts:
    """What the merge takes from the segments: each one's annotated part (its own or its redrawn
    one), key frames, frames shown, seconds, and the samples whose face and hands a redraw found."""

    videos: list[str] = field(default_factory=list)
    keys: list[KeyFrameImage] = field(default_factory=list)
    shown: int = 0
    timings: dict[str, float] = field(default_factory=lambda: {"pose": 0.0, "annotate": 0.0})
    found: dict[int, PoseFrame] = field(default_factory=dict)


def _parts(store: Store, doc: PlanDoc, results: Sequence[SegmentResult], redraw: set[int]) -> _Parts:
    ws, out = doc.workspace, _Parts()
    for r in results:
        out.timings["pose"] += r.timings.get("pose", 0.0)
        out.timings["annotate"] += r.timings.get("annotate", 0.0)
        if r.index in redraw:
            drawn = json.loads(store.read(VIDEOS, ws.drawn(r.index)))
            out.keys += key_frames_from_json(drawn["key_frames"])
            out.shown += int(drawn["shown"])
            out.timings["annotate"] += float(drawn["seconds"])
            out.found.update((f.frame, f) for f in frames_from_json(drawn.get("frames", [])))
            out.videos.append(ws.drawn(r.index, ".mp4"))
        else:
            out.keys += r.key_frames
            out.shown += r.shown
            out.videos.append(ws.segment(r.index, ".mp4"))
    return out


def merge_step(
    store: Store, doc: PlanDoc, *, settings: Settings, on_stage: StageCallback | None = None
) -> SessionMetadata:
    """The session's outputs from its segments (module notes); returns its metadata."""
    results, joined = joined_results(store, doc, {})
    join = json.loads(store.read(VIDEOS, doc.workspace.join))
    got = _parts(store, doc, results, set(join["redraw"]))
    track = PoseTrack([got.found.get(f.frame, f) for f in joined.track.frames])
    with tempfile.TemporaryDirectory(prefix="voice-merge-") as tmp:
        work = Path(tmp)
        parts = [_download(store, key, work / f"part_{i:03d}.mp4") for i, key in enumerate(got.videos)]
        has_audio = doc.prepared.info.has_audio
        audio = _download(store, doc.workspace.audio, work / "audio.m4a") if has_audio else None
        out = work / "annotated.mp4"
        video_s = got.shown * doc.plan.show_every / doc.prepared.info.fps
        join_parts(
            parts, audio, out, duration_s=doc.prepared.info.duration_s if audio is not None else video_s
        )
        outputs = SessionOutputs(work)
        outputs.add(layout.annotated_video_key(doc.patient, doc.session), out, "video/mp4")
        _key_frames(outputs, doc, got.keys, track)
        run = Run.resumed(store, doc.upload_key, out, settings, on_stage, doc.state)
        result = VideoPassResult(
            track=track,
            predictions=stored_predictions(join),
            timings=got.timings,
            people=joined.people,
            patient=joined.patient,
            appearance=joined.appearance,
            redrawn=bool(join["redraw"]),
        )
        meta = finish(run, doc.prepared, result, outputs)
    delete_workspaces(store, doc.patient, doc.session)
    return meta
