"""The intermediate files of a video processed in segments, and their JSON documents.

They live in the videos bucket below the work prefix,
``work/segments/<patient>/<session>/<plan id>/`` (:func:`voice.layout.segment_work_key`):

| file | written by | holds |
|---|---|---|
| ``plan.json`` | the plan step | the video, transcript, event windows, pin, profile colours, the segments |
| ``audio.m4a`` | the plan step | the annotated video's audio (the source's, AAC), made once |
| ``segment_<i>.json`` | segment ``i`` | its poses (own ids), torso colours, key frames, timings |
| ``segment_<i>.mp4`` | segment ``i`` | its annotated part (video only) |
| ``segment_<i>_error.json`` | segment ``i``, when it fails | the error's type, stage and message |
| ``join.json`` | the join step | which segments are drawn again, the model's predictions |
| ``draw_<i>.json``, ``draw_<i>.mp4`` | the draw step | segment ``i`` drawn again: key frames, video |

The plan id is a digest of the plan document (the video's hash, transcript, windows, pin,
profile colours, model, settings, segments), so a retry of the same upload with the same inputs
finds the segments that finished and reuses them, and any change starts a new plan. The merge
deletes the session's intermediate files once the session is complete; after a failure they stay
for a retry (on AWS the work prefix expires after 14 days). Like every output in the
bucket they name the patient (keys) and hold the narration (plan): PHI stays in the buckets.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import asdict, dataclass, replace
from typing import Any

import numpy as np

from voice import layout
from voice.media.probe import VideoInfo
from voice.narration.emotions import EmotionEvent
from voice.narration.windows import EventWindow
from voice.people.pin import PersonPin
from voice.pose.body25 import PoseFrame, pose_from_json, pose_to_json
from voice.records.session import ModelsRecord
from voice.segments.plan import SegmentPlan
from voice.segments.segment_pass import KeyFrameImage, SegmentResult
from voice.session.prepare import Prepared, RunState
from voice.transcription.transcript import Segment, Transcript, Word

__all__ = [
    "SCHEMA",
    "PlanDoc",
    "Workspace",
    "frames_from_json",
    "frames_to_json",
    "key_frames_from_json",
    "key_frames_to_json",
    "segment_from_json",
    "segment_to_json",
]

SCHEMA = "voice.segments/1"


@dataclass(frozen=True)
class Workspace:
    """Where one plan's intermediate files are (module notes)."""

    patient: str
    session: str
    plan_id: str

    def key(self, name: str) -> str:
        return layout.segment_work_key(self.patient, self.session, self.plan_id, name)

    @property
    def plan(self) -> str:
        return self.key("plan.json")

    @property
    def audio(self) -> str:
        return self.key("audio.m4a")

    @property
    def join(self) -> str:
        return self.key("join.json")

    def segment(self, index: int, suffix: str = ".json") -> str:
        return self.key(f"segment_{index:03d}{suffix}")

    def drawn(self, index: int, suffix: str = ".json") -> str:
        return self.key(f"draw_{index:03d}{suffix}")


def _transcript_from(doc: dict[str, Any]) -> Transcript:
    segments = tuple(
        Segment(s["start"], s["end"], s["text"], tuple(Word(**w) for w in s["words"]))
        for s in doc["segments"]
    )
    return Transcript(language=doc["language"], segments=segments)


def _window_to(w: EventWindow) -> dict[str, Any]:
    return {"index": w.index, "event": asdict(w.event), "start": w.start, "end": w.end}


def _window_from(doc: dict[str, Any]) -> EventWindow:
    return EventWindow(
        int(doc["index"]), EmotionEvent(**doc["event"]), float(doc["start"]), float(doc["end"])
    )


def _prepared_to(found: Prepared) -> dict[str, Any]:
    return {
        "info": asdict(found.info),
        "transcript": asdict(found.transcript),
        "windows": [_window_to(w) for w in found.windows],
        "pin": None if found.pin is None else found.pin.to_dict(),
        "appearance": None if found.appearance is None else [float(v) for v in found.appearance],
        "models": found.models.json_doc(),
    }


def _prepared_from(doc: dict[str, Any]) -> Prepared:
    """What the plan step prepared; the patient's model is loaded again by its run id
    (``models["patient"]``) where a step needs it."""
    appearance = doc["appearance"]
    return Prepared(
        info=VideoInfo(**doc["info"]),
        transcript=_transcript_from(doc["transcript"]),
        windows=[_window_from(w) for w in doc["windows"]],
        pin=None if doc["pin"] is None else PersonPin.from_dict(doc["pin"]),
        appearance=None if appearance is None else np.asarray(appearance, dtype=np.float64),
        model=None,
        models=ModelsRecord.model_validate(doc["models"]),
    )


@dataclass(frozen=True)
class PlanDoc:
    """``plan.json``: the upload, what the run learnt before its video pass
    (:class:`~voice.session.prepare.RunState`), what it prepared
    (:class:`~voice.session.prepare.Prepared`, without the loaded model) and the segments — every
    step after the plan reads its inputs from here (floats at full precision)."""

    upload_key: str
    version: str | None
    state: RunState
    prepared: Prepared
    plan: SegmentPlan

    @property
    def patient(self) -> str:
        return layout.parse_upload_key(self.upload_key).patient

    @property
    def session(self) -> str:
        return self.state.session

    @property
    def draws_later(self) -> bool:
        """With a patient model, segments run pose only and all are drawn after the join."""
        return self.prepared.models.patient is not None

    def _content(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA,
            "upload": {"key": self.upload_key, "version": self.version},
            "session": self.state.session,
            "sha256": self.state.sha256,
            **_prepared_to(self.prepared),
            "plan": self.plan.to_dict(),
        }

    @property
    def plan_id(self) -> str:
        """A digest of the plan's content (not of when it was made or how long that took)."""
        data = json.dumps(self._content(), sort_keys=True).encode()
        return hashlib.sha256(data).hexdigest()[:16]

    @property
    def workspace(self) -> Workspace:
        return Workspace(self.patient, self.session, self.plan_id)

    def to_json(self) -> bytes:
        state = self.state
        doc = {
            **self._content(),
            "reasons": list(state.reasons),
            "timings": state.timings,
            "started": state.started,
        }
        return json.dumps(doc).encode()

    @classmethod
    def from_json(cls, data: bytes) -> PlanDoc:
        doc = json.loads(data)
        if doc.get("schema") != SCHEMA:
            raise ValueError(f"not a {SCHEMA} plan")
        state = RunState(
            session=doc["session"],
            sha256=doc["sha256"],
            reasons=tuple(doc["reasons"]),
            timings={k: float(v) for k, v in doc["timings"].items()},
            started=float(doc["started"]),
        )
        return cls(
            upload_key=doc["upload"]["key"],
            version=doc["upload"]["version"],
            state=state,
            prepared=_prepared_from(doc),
            plan=SegmentPlan.from_dict(doc["plan"]),
        )


def frames_to_json(frames: list[PoseFrame]) -> list[dict[str, Any]]:
    """Pose samples as pose-file documents, with their exact times."""
    return [{"t": f.time_s, "pose": json.loads(pose_to_json(f, ""))} for f in frames]


def frames_from_json(docs: list[dict[str, Any]]) -> list[PoseFrame]:
    return [replace(pose_from_json(json.dumps(d["pose"])), time_s=float(d["t"])) for d in docs]


def key_frames_to_json(keys: list[KeyFrameImage]) -> list[dict[str, Any]]:
    return [{**asdict(k), "jpg": base64.b64encode(k.jpg).decode()} for k in keys]


def key_frames_from_json(docs: list[dict[str, Any]]) -> list[KeyFrameImage]:
    return [KeyFrameImage(**{**d, "jpg": base64.b64decode(d["jpg"])}) for d in docs]


def segment_to_json(result: SegmentResult, plan_id: str) -> bytes:
    """``segment_<i>.json`` (its annotated part is stored apart)."""
    doc = {
        "schema": SCHEMA,
        "plan_id": plan_id,
        "index": result.index,
        "frames": frames_to_json(result.frames),
        "colours": {str(k): [[float(v) for v in total], n] for k, (total, n) in result.colours.items()},
        "key_frames": key_frames_to_json(result.key_frames),
        "video": result.video is not None,
        "shown": result.shown,
        "timings": result.timings,
    }
    return json.dumps(doc).encode()


def segment_from_json(data: bytes) -> SegmentResult:
    """A stored segment result (its ``video`` a placeholder path when it has one)."""
    from pathlib import Path

    doc = json.loads(data)
    colours = {
        int(k): (np.asarray(total, dtype=np.float64), int(n)) for k, (total, n) in doc["colours"].items()
    }
    result = SegmentResult(
        index=int(doc["index"]),
        frames=frames_from_json(doc["frames"]),
        colours=colours,
        key_frames=key_frames_from_json(doc["key_frames"]),
        video=Path(f"segment_{int(doc['index']):03d}.mp4") if doc["video"] else None,
        shown=int(doc["shown"]),
        timings={k: float(v) for k, v in doc["timings"].items()},
    )
    return result
