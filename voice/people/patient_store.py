"""Who the patient is, as stored: the upload's pin sidecar and the profile's colours.

- ``videos/<patient>/<file>.person.json`` (:func:`voice.layout.person_pin_key`) pins the patient
  in one upload: ``{"x": 320, "y": 180, "t": 2.5}`` (pixels of the upright frame, seconds).
  ``voice process --person`` and ``voice cloud upload --person`` write it before the video; any
  other client may too (upload it first: the video's arrival starts the processing).
- ``patients/<patient>/profile.json`` → ``appearance`` (:mod:`voice.people.profile`): after a video
  where the patient was pinned, the pipeline folds that track's torso colours into it.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from typing import Any

import numpy as np

from voice import layout
from voice.layout import PATIENTS, VIDEOS, Upload
from voice.narration.windows import EventWindow
from voice.people.patient import PatientChoice
from voice.people.pin import PersonPin, PersonPinError
from voice.people.profile import Appearance, PatientProfile, load_profile
from voice.pose.track import PoseTrack
from voice.storage import Store, json_bytes

__all__ = ["absent_patient_reasons", "learn_appearance", "profile_appearance", "read_pin", "write_pin"]

log = logging.getLogger("voice")


def read_pin(store: Store, upload: Upload) -> PersonPin | None:
    """The upload's pin, if it has a sidecar; :class:`PersonPinError` when the sidecar is broken."""
    key = layout.person_pin_key(upload)
    if not store.exists(VIDEOS, key):
        return None
    try:
        doc = json.loads(store.read(VIDEOS, key))
    except ValueError as exc:
        raise PersonPinError(
            'the .person.json next to the video is not JSON; write {"x": .., "y": .., "t": ..}'
        ) from exc
    if not isinstance(doc, dict):
        raise PersonPinError(
            'the .person.json next to the video must be an object {"x": .., "y": .., "t": ..}'
        )
    return PersonPin.from_dict(doc)


def write_pin(store: Store, upload: Upload, pin: PersonPin) -> None:
    store.write(
        VIDEOS, layout.person_pin_key(upload), json_bytes(pin.to_dict()), content_type="application/json"
    )


def profile_appearance(profile: PatientProfile) -> np.ndarray | None:
    """The profile's torso colours, if it holds valid ones."""
    if not isinstance(profile.appearance, Appearance):
        return None
    return np.asarray(profile.appearance.torso_hsv, dtype=np.float64)


def learn_appearance(store: Store, patient: str, colours: np.ndarray) -> None:
    """Fold one pinned video's torso colours into the profile (a running mean; other fields kept)."""
    profile = load_profile(store, patient)
    old = profile.appearance
    kept: dict[str, Any] = {}
    if isinstance(old, Appearance):
        videos = old.videos + 1
        mean = (np.asarray(old.torso_hsv) * old.videos + colours) / videos
        kept = dict(old.model_extra or {})
    else:
        mean, videos = colours, 1
        kept = dict(old or {})
    mean = mean / mean.sum()
    kept.update(torso_hsv=[round(float(v), 6) for v in mean], videos=videos)
    profile.appearance = Appearance.model_validate(kept)
    store.write(PATIENTS, layout.profile_key(patient), json_bytes(profile.model_dump(exclude_none=True)))
    log.info("patient profile: appearance updated from a pinned video (%d videos)", videos)


def absent_patient_reasons(
    windows: Sequence[EventWindow], track: PoseTrack, choice: PatientChoice
) -> list[str]:
    """Why a counting event gets no sample: the patient is not in view in its window."""
    out = []
    for w in windows:
        frames = track.between(w.start, w.end)
        if not w.event.counts or any(f.keypoints is not None for f in frames):
            continue
        others = sorted({p.person_id for f in frames for p in f.people})
        where = f"event {w.index} ({w.event.emotion} at {w.event.time:.1f} s)"
        if choice.track_id is None:
            out.append(f"{where}: no patient was chosen ({choice.rule}): no sample")
        elif others:
            seen = ", ".join(f"#{i}" for i in others)
            out.append(f"{where}: the patient (#{choice.track_id}) is not in view, only {seen}: no sample")
        else:
            out.append(f"{where}: nobody is in view in its window: no sample")
    return out
