"""The two jobs of VOICE: process one uploaded video; train one patient's model.

``process_video(store, key)`` turns ``videos/<patient>/<file>`` into narration events, BODY_25
poses, training samples, an annotated H.264 video, a WebVTT transcript, metadata and an
analysis CSV. It is idempotent (same upload → same keys and bytes; samples are written with
put-if-absent) and it never modifies the upload. Bad input raises a :class:`VoiceError` after
writing a failure record to ``videos/failed/<patient>/<file>.json``.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import queue
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from voice import layout
from voice.body25 import PoseFrame, pose_to_json
from voice.config import Settings, get_settings
from voice.emotions import EmotionEvent, extract_events
from voice.errors import CorruptMediaError, VoiceError
from voice.layout import PATIENTS, VIDEOS
from voice.media import Frame
from voice.storage import Store
from voice.transcribe import Transcriber, Transcript, make_transcriber, transcribe_chunks

__all__ = ["EventWindow", "process_video", "record_failure", "train_patient"]

log = logging.getLogger("voice")

METADATA_SCHEMA = "voice.session/1"
FAILURE_SCHEMA = "voice.failure/1"

StageCallback = Callable[[str], None]


@dataclass(frozen=True)
class EventWindow:
    """A narrated event with the time window of poses that becomes its training sample."""

    index: int
    event: EmotionEvent
    start: float
    end: float


def event_windows(events: Sequence[EmotionEvent], duration: float, settings: Settings) -> list[EventWindow]:
    """``[t - before, t + after]`` around each event, clipped at the neighbouring events and the video."""
    out = []
    for i, ev in enumerate(events):
        start = max(0.0, ev.time - settings.window_before_s)
        end = min(duration, ev.time + settings.window_after_s)
        if i > 0:
            start = max(start, events[i - 1].time)
        if i + 1 < len(events):
            end = min(end, events[i + 1].time)
        out.append(EventWindow(i, ev, start, max(start, end)))
    return out


def _json_bytes(doc: Any) -> bytes:
    return (json.dumps(doc, indent=2, ensure_ascii=False, sort_keys=False) + "\n").encode()


def record_failure(store: Store, key: str, exc: BaseException, *, stage: str) -> str:
    """Write the failure record for upload ``key``; returns its key. Never raises."""
    try:
        upload = layout.parse_upload_key(key)
        fkey = layout.failure_key(upload.patient, upload.file_name)
    except VoiceError:
        parts = key.split("/")
        try:
            if len(parts) == 2:
                layout.validate_name(parts[0], what="patient name")
                layout.validate_name(parts[1], what="file name")
                fkey = layout.failure_key(parts[0], parts[1])
            else:
                fkey = layout.invalid_failure_key(key)
        except VoiceError:
            fkey = layout.invalid_failure_key(key)
    doc = {
        "schema": FAILURE_SCHEMA,
        "source": {"bucket": VIDEOS, "key": key},
        "stage": getattr(exc, "stage", stage) if isinstance(exc, VoiceError) else stage,
        "error_type": type(exc).__name__,
        "message": str(exc),
    }
    try:
        store.write(VIDEOS, fkey, _json_bytes(doc), content_type="application/json")
    except Exception as write_exc:  # the original error matters more than a failed record
        log.error("could not write a failure record (%s)", type(write_exc).__name__)
    return fkey


@dataclass
class _Outputs:
    """Everything a run produces, written only once the whole video succeeded.

    Small outputs are kept as bytes; the annotated video stays a file in ``workdir`` and is
    streamed to the store, so memory does not grow with the video's length.
    """

    workdir: Path
    files: dict[str, tuple[bytes | Path, str]] = field(default_factory=dict)

    def add(self, key: str, data: bytes | Path, content_type: str) -> None:
        self.files[key] = (data, content_type)

    def write_all(self, store: Store) -> None:
        for key, (data, ctype) in sorted(self.files.items()):
            if isinstance(data, Path):
                store.upload(VIDEOS, key, data, content_type=ctype)
            else:
                store.write(VIDEOS, key, data, content_type=ctype)


def process_video(
    store: Store,
    key: str,
    *,
    settings: Settings | None = None,
    transcriber: Transcriber | None = None,
    force: bool = False,
    on_stage: StageCallback | None = None,
) -> dict[str, Any]:
    """Process the upload at ``videos/<key>``; return its metadata (DESIGN §3).

    A session that is already complete is not processed again (returns its stored metadata)
    unless ``force``; forced re-runs produce identical bytes, and the first run's metadata
    (with its timings) is kept when nothing but the timings would change.
    """
    settings = settings or get_settings()
    stage = "validate"
    try:
        upload = layout.parse_upload_key(key)
        stage = "storage"
        with store.download(VIDEOS, key) as local:
            return _process_local(
                store,
                upload,
                local,
                settings=settings,
                transcriber=transcriber,
                force=force,
                on_stage=on_stage,
            )
    except VoiceError as exc:
        record_failure(store, key, exc, stage=exc.stage)
        log.warning("video failed at %s: %s", exc.stage, type(exc).__name__)
        raise
    except Exception as exc:
        record_failure(store, key, exc, stage=stage)
        # Type only: messages and tracebacks can hold keys, and keys hold patient names.
        log.error("video failed at %s with an unexpected %s", stage, type(exc).__name__)
        raise


def _process_local(
    store: Store,
    upload: layout.Upload,
    local: Path,
    *,
    settings: Settings,
    transcriber: Transcriber | None,
    force: bool,
    on_stage: StageCallback | None,
) -> dict[str, Any]:
    from voice import media
    from voice.poses import MODEL_NAME

    def stage(name: str) -> None:
        if on_stage is not None:
            on_stage(name)

    timings: dict[str, float] = {}
    t_total = time.perf_counter()
    sha = layout.sha256_file(str(local))
    session = layout.session_id(upload.file_name, sha)
    patient = upload.patient
    meta_key = layout.metadata_key(patient, session)

    if not force and store.exists(VIDEOS, meta_key):
        existing = json.loads(store.read(VIDEOS, meta_key))
        if existing.get("source", {}).get("sha256") == sha and existing.get("status") == "ok":
            log.info("session %s already processed; skipping", layout.session_ref(session))
            return dict(existing)

    stage("probe")
    info = media.probe(local)
    timings["decode"] = 0.0
    reasons: list[str] = []

    stage("transcribe")
    t0 = time.perf_counter()
    transcript = Transcript(language=settings.language)
    if not info.has_audio:
        reasons.append("the video has no audio track: no narration to find")
    else:
        decode_s = 0.0

        def chunks() -> Iterator[tuple[float, np.ndarray]]:
            # Audio is decoded and transcribed a minute at a time: memory is flat in length.
            nonlocal decode_s
            source = media.iter_audio_chunks(local, chunk_s=settings.transcribe_chunk_s)
            while True:
                t_dec = time.perf_counter()
                item = next(source, None)
                decode_s += time.perf_counter() - t_dec
                if item is None:
                    return
                if item[1].size:
                    yield item

        transcript = transcribe_chunks(transcriber or make_transcriber(settings), chunks())
        timings["decode"] += decode_s
        timings["transcribe"] = time.perf_counter() - t0 - decode_s
        if not transcript.segments:
            reasons.append("no speech detected (silence or music only)")
    timings.setdefault("transcribe", 0.0)
    events = extract_events(transcript)
    windows = event_windows(events, info.duration_s, settings)

    model = _load_patient_model(store, patient, settings)

    with tempfile.TemporaryDirectory(prefix="voice-out-") as work:
        stage("pose")
        outputs = _Outputs(Path(work))
        track, predictions, pass_timings = _video_pass(
            local, info, session, patient, transcript, windows, model, settings, outputs
        )
        for k, v in pass_timings.items():
            timings[k] = timings.get(k, 0.0) + v
        if track.detected == 0:
            reasons.append("no person detected in any sampled frame: no training samples")

        stage("samples")
        samples = _write_samples(store, patient, session, windows, track)
        if events and not samples and track.detected:
            reasons.append("no event window held a detected pose, or every event was negated")

        doc = {
            "schema": METADATA_SCHEMA,
            "session": session,
            "patient": patient,
            "source": {"bucket": VIDEOS, "key": upload.key, "sha256": sha},
            "video": info.to_dict(),
            "transcript": transcript.to_dict(),
            "events": [
                {**w.event.to_dict(), "window": [round(w.start, 3), round(w.end, 3)]} for w in windows
            ],
            "poses": {
                "sampled_fps": round(info.fps / _stride(info.fps, settings), 3),
                "frames": len(track.frames),
                "detected": track.detected,
                "detection_rate": round(track.detected / len(track.frames), 4) if track.frames else 0.0,
            },
            "samples": samples,
            "predictions": predictions,
            "models": {
                "whisper": getattr(transcriber, "name", None) or _whisper_name(settings),
                "pose": MODEL_NAME,
                "patient": model.run_id if model is not None else None,
            },
            "reasons": reasons,
            "timings_s": {},
            "status": "ok",
        }

        # The samples' index: which sample folders came from which upload.
        index = {
            "session": session,
            "source": doc["source"],
            "samples": samples,
        }
        store.write(PATIENTS, layout.session_index_key(patient, session), _json_bytes(index))

        outputs.add(layout.vtt_key(patient, session), layout_vtt(transcript).encode(), "text/vtt")
        outputs.add(
            layout.analysis_key(patient, session),
            _analysis_csv(session, windows, track, predictions),
            "text/csv",
        )
        stage("upload")
        t0 = time.perf_counter()
        outputs.write_all(store)
        timings["upload"] = time.perf_counter() - t0
        timings["total"] = time.perf_counter() - t_total
        doc["timings_s"] = {
            k: round(timings.get(k, 0.0), 3)
            for k in ("decode", "transcribe", "pose", "annotate", "upload", "total")
        }
        _write_metadata(store, meta_key, doc)
        log.info(
            "session %s ok: %d events, %d samples, %d/%d poses, %.1fs",
            layout.session_ref(session),
            len(windows),
            len(samples),
            track.detected,
            len(track.frames),
            timings["total"],
        )
        return doc


def layout_vtt(transcript: Transcript) -> str:
    from voice.annotate import webvtt

    return webvtt(transcript.segments)


def _whisper_name(settings: Settings) -> str:
    return f"{settings.transcriber}/{Path(settings.whisper_model).name or settings.whisper_model}"


def _stride(fps: float, settings: Settings) -> int:
    from voice.poses import sample_stride

    return sample_stride(fps, settings.pose_fps)


def _write_metadata(store: Store, key: str, doc: dict[str, Any]) -> None:
    """Write metadata last (it marks the session complete). Keep an existing file when only the
    timings would change, so a forced re-run leaves every output byte-identical."""
    if store.exists(VIDEOS, key):
        try:
            old = json.loads(store.read(VIDEOS, key))
        except (json.JSONDecodeError, VoiceError):
            old = None
        if old is not None and {**old, "timings_s": None} == {**doc, "timings_s": None}:
            return
    store.write(VIDEOS, key, _json_bytes(doc), content_type="application/json")


def _load_patient_model(store: Store, patient: str, settings: Settings) -> Any:
    try:
        from voice.training import load_latest_model
    except ImportError:
        return None
    try:
        return load_latest_model(store, patient)
    except VoiceError as exc:
        log.warning("patient model not usable (%s); continuing without predictions", type(exc).__name__)
        return None


class _Drawer:
    """Draws overlays and feeds the encoder in a thread of its own.

    The main thread decodes and runs pose; this one draws (OpenCV releases the GIL) and blocks on
    the encoder's pipe, so pose estimation never waits for x264 and x264 never waits for pose.
    """

    def __init__(
        self,
        writer: Any,
        resize_to: tuple[int, int] | None,
        on_key_frame: Callable[[Frame, PoseFrame, tuple[int, str, str], np.ndarray], None],
    ) -> None:
        self._writer = writer
        self._resize_to = resize_to
        self._on_key_frame = on_key_frame
        self._queue: queue.Queue[tuple[Frame, PoseFrame | None, Any, tuple[int, str, str] | None] | None]
        self._queue = queue.Queue(maxsize=16)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="voice-draw", daemon=True)
        self._thread.start()

    def put(
        self, frame: Frame, pose: PoseFrame | None, overlay: Any, key: tuple[int, str, str] | None
    ) -> None:
        if self._error is not None:
            raise self._error
        self._queue.put((frame, pose, overlay, key))

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join()
        if self._error is not None:
            raise self._error

    def abandon(self) -> None:
        """Stop after a failure elsewhere; the thread drains what is queued and ends."""
        if self._error is None:
            self._error = RuntimeError("abandoned")
        self._queue.put(None)
        self._thread.join()

    def _run(self) -> None:
        import cv2

        from voice.annotate import draw_overlay

        while (item := self._queue.get()) is not None:
            if self._error is not None:
                continue  # keep draining so the producer never blocks
            frame, pose, overlay, key = item
            try:
                canvas = (
                    frame.bgr
                    if self._resize_to is None
                    else cv2.resize(frame.bgr, self._resize_to, interpolation=cv2.INTER_AREA)
                )
                drawn = draw_overlay(canvas, pose, overlay)
                self._writer.write(drawn)
                if key is not None and pose is not None:
                    self._on_key_frame(frame, pose, key, drawn)
            except BaseException as exc:
                self._error = exc


def _video_pass(
    local: Path,
    info: Any,
    session: str,
    patient: str,
    transcript: Transcript,
    windows: list[EventWindow],
    model: Any,
    settings: Settings,
    outputs: _Outputs,
) -> tuple[Any, list[dict[str, Any]], dict[str, float]]:
    """Decode once: pose on every ``stride``-th frame, draw overlays, encode H.264, grab key frames.

    With a patient model the predicted label must be drawn too, which needs the whole pose
    track first: then poses come from a first pass and the second pass only draws and encodes.
    """
    import cv2

    from voice import media
    from voice.annotate import H264Writer, Overlay
    from voice.poses import PoseTrack, track_poses

    timings = {"pose": 0.0, "annotate": 0.0, "decode": 0.0}
    stride = _stride(info.fps, settings)
    track = PoseTrack([])
    predictions: list[dict[str, Any]] = []

    pose_timer = [0.0]

    def run_pose(frames_iter: Iterator[Frame]) -> Iterator[Frame]:
        return track_poses(frames_iter, track, stride=stride, settings=settings, timer=pose_timer)

    if model is not None:
        for _ in run_pose(media.iter_frames(local)):
            pass
        predictions = _predict(model, track, settings)

    key_times = _key_frame_times(windows, info.duration_s, settings)
    taken: set[int] = set()

    def key_frame(fr: Frame, pose: PoseFrame, key: tuple[int, str, str], drawn: np.ndarray) -> None:
        k, subject, emotion = key
        ok, jpg = cv2.imencode(".jpg", drawn, [cv2.IMWRITE_JPEG_QUALITY, 85])
        if ok:
            outputs.add(
                layout.frame_key(patient, session, k, fr.time_s, subject, emotion),
                jpg.tobytes(),
                "image/jpeg",
            )
            outputs.add(
                layout.pose_key(patient, session, k, fr.time_s, subject, emotion),
                pose_to_json(pose, session),
                "application/json",
            )

    segments = transcript.segments
    seg_i = 0
    pred_i = 0
    last_pose: PoseFrame | None = None
    last_t = -1.0
    decoded = 0
    out_path = outputs.workdir / "annotated.mp4"
    t_enc = time.perf_counter()
    scale = min(1.0, settings.annotate_max_side / max(info.width, info.height))
    out_size = (round(info.width * scale), round(info.height * scale))
    with H264Writer(
        out_path,
        width=out_size[0],
        height=out_size[1],
        fps=info.fps,
        audio_source=local if info.has_audio else None,
        duration_s=info.duration_s,
        preset=settings.x264_preset,
        crf=settings.x264_crf,
    ) as writer:
        drawer = _Drawer(writer, out_size if scale < 1.0 else None, key_frame)
        try:
            frames_iter = media.iter_frames(local)
            source = frames_iter if model is not None else run_pose(frames_iter)
            pose_iter = iter(track.frames) if model is not None else None
            for fr in source:
                decoded += 1
                last_t = fr.time_s
                if pose_iter is not None and fr.index % stride == 0:
                    last_pose = next(pose_iter, last_pose)
                elif track.frames and track.frames[-1].frame == fr.index:
                    last_pose = track.frames[-1]
                while seg_i < len(segments) and segments[seg_i].end < fr.time_s:
                    seg_i += 1
                caption = (
                    segments[seg_i].text
                    if seg_i < len(segments) and segments[seg_i].start <= fr.time_s
                    else ""
                )
                active = next((w for w in windows if w.start <= fr.time_s <= w.end), None)
                label, label_emotion = "", ""
                if active is not None:
                    ev = active.event
                    who = f"{ev.subject}: " if ev.subject else ""
                    label = f"{who}{'NOT ' if ev.negated else ''}{ev.emotion} ({ev.keyword})"
                    label_emotion = "" if ev.negated else ev.emotion
                predicted = ""
                while pred_i + 1 < len(predictions) and predictions[pred_i]["end"] < fr.time_s:
                    pred_i += 1
                if predictions and predictions[pred_i]["start"] <= fr.time_s:
                    p = predictions[pred_i]
                    predicted = f"model: {p['label']} {p['probabilities'][p['label']]:.0%}"
                key: tuple[int, str, str] | None = None
                if fr.index % stride == 0 and last_pose is not None and last_pose.frame == fr.index:
                    for k, (kt, subject, emotion) in enumerate(key_times):
                        if k not in taken and abs(kt - fr.time_s) <= (stride / info.fps) / 2 + 1e-6:
                            taken.add(k)
                            key = (k, subject, emotion)
                            break
                drawer.put(fr, last_pose, Overlay(caption, label, label_emotion, predicted), key)
        except BaseException:
            drawer.abandon()
            raise
        drawer.close()
    # Pose, drawing and encoding overlap in one pass: "annotate" is the pass less the pose time.
    timings["pose"] = pose_timer[0]
    timings["annotate"] = max(
        0.0, time.perf_counter() - t_enc - (0.0 if model is not None else pose_timer[0])
    )
    if decoded == 0:
        raise CorruptMediaError("no frame could be decoded; the video stream is damaged.")
    expected_last = info.duration_s - 1.0 / info.fps
    if last_t < expected_last - max(1.0, 0.1 * info.duration_s):
        raise CorruptMediaError(
            f"the video stops after {last_t:.1f}s of {info.duration_s:.1f}s; "
            "the file is truncated. Upload the complete original file."
        )
    outputs.add(layout.annotated_video_key(patient, session), out_path, "video/mp4")
    return track, predictions, timings


def _key_frame_times(
    windows: list[EventWindow], duration: float, settings: Settings
) -> list[tuple[float, str, str]]:
    """Event frames first, then a few evenly spaced ones."""
    times = [(w.event.time, w.event.subject or "someone", w.event.emotion) for w in windows]
    n = settings.key_frames_extra
    for i in range(n):
        times.append(((i + 0.5) * duration / n, "frame", "none"))
    return times


def _write_samples(
    store: Store, patient: str, session: str, windows: list[EventWindow], track: Any
) -> list[dict[str, Any]]:
    """One sample folder per non-negated event whose window holds a detected pose."""
    samples = []
    for w in windows:
        if w.event.negated:
            continue
        frames = track.between(w.start, w.end)
        if not any(f.keypoints is not None for f in frames):
            continue
        prefix = layout.sample_prefix(patient, w.event.emotion, session, w.index)
        for f in frames:
            store.put_if_absent(PATIENTS, layout.sample_pose_key(prefix, f.frame), pose_to_json(f, session))
        samples.append({"emotion": w.event.emotion, "prefix": f"{PATIENTS}/{prefix}", "poses": len(frames)})
    return samples


def _predict(model: Any, track: Any, settings: Settings) -> list[dict[str, Any]]:
    from voice.training import predict_track

    out = []
    for p in predict_track(model, track.frames, settings=settings):
        out.append(
            {
                "start": round(p.start, 3),
                "end": round(p.end, 3),
                "label": p.label,
                "probabilities": {k: round(float(v), 4) for k, v in p.probabilities.items()},
            }
        )
    return out


def _analysis_csv(
    session: str, windows: list[EventWindow], track: Any, predictions: list[dict[str, Any]]
) -> bytes:
    from voice.config import EMOTIONS

    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(
        [
            "session", "kind", "index", "time_s", "start_s", "end_s", "emotion", "keyword", "subject",
            "negated", "poses", "detected", *[f"p_{e}" for e in EMOTIONS],
        ]
    )  # fmt: skip
    for w in windows:
        frames = track.between(w.start, w.end)
        ev = w.event
        writer.writerow(
            [
                session, "event", w.index, f"{ev.time:.3f}", f"{w.start:.3f}", f"{w.end:.3f}", ev.emotion,
                ev.keyword, ev.subject, str(ev.negated).lower(), len(frames),
                sum(1 for f in frames if f.keypoints is not None), *[""] * len(EMOTIONS),
            ]
        )  # fmt: skip
    for i, p in enumerate(predictions):
        frames = track.between(p["start"], p["end"])
        writer.writerow(
            [
                session, "prediction", i, "", f"{p['start']:.3f}", f"{p['end']:.3f}", p["label"], "", "",
                "", len(frames), sum(1 for f in frames if f.keypoints is not None),
                *[f"{p['probabilities'].get(e, 0.0):.4f}" for e in EMOTIONS],
            ]
        )  # fmt: skip
    return buf.getvalue().encode()


def train_patient(
    store: Store, patient: str, *, settings: Settings | None = None, force: bool = False
) -> Any:
    """Gate, then train the patient's model (see :mod:`voice.training`)."""
    from voice.training import train_patient as _train

    layout.validate_name(patient, what="patient name")
    return _train(store, patient, settings=settings or get_settings(), force=force)
