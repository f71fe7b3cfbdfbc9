"""Label a video nobody narrated: per-window emotion probabilities from the patient's model."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from voice.config import Settings
from voice.errors import ModelError
from voice.storage import Store

__all__ = ["pose_track", "predict_file"]


def pose_track(path: Path, settings: Settings) -> Any:
    """Poses over the whole video at ``settings.pose_fps`` (tracking mode), as in processing."""
    from voice import media
    from voice.poses import PoseTrack, sample_stride, track_poses

    track = PoseTrack([])
    stride = sample_stride(media.probe(path).fps, settings.pose_fps)
    for _ in track_poses(media.iter_frames(path), track, stride=stride, settings=settings):
        pass
    return track


def predict_file(store: Store, path: Path, patient: str, *, settings: Settings) -> dict[str, Any]:
    """The emotion timeline of a local video from ``patient``'s promoted model."""
    from voice import layout
    from voice.training import load_latest_model, predict_track

    layout.validate_name(patient, what="patient name")
    model = load_latest_model(store, patient)
    if model is None:
        raise ModelError(
            f"patient has no promoted model yet; run 'voice train {patient}' first "
            "(a model is promoted only when it beats the majority baseline)."
        )
    t0 = time.perf_counter()
    track = pose_track(path, settings)
    windows = predict_track(model, track.frames, settings=settings)
    return {
        "video": str(path),
        "model": model.run_id,
        "window_s": settings.predict_window_s,
        "hop_s": settings.predict_hop_s,
        "poses": {"frames": len(track.frames), "detected": track.detected},
        "windows": [
            {
                "start": round(w.start, 3),
                "end": round(w.end, 3),
                "label": w.label,
                "probabilities": {k: round(float(v), 4) for k, v in w.probabilities.items()},
            }
            for w in windows
        ],
        "seconds": round(time.perf_counter() - t0, 3),
    }
