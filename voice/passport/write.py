"""``voice passport PATIENT`` and the promote step: gather, compute, render and store the passport.

Two places (:data:`Where`): ``report`` — the videos bucket beside the report
(``annotated/<patient>/passport.html``, clips in ``annotated/<patient>/passport/``), as ``voice
passport`` writes it; ``run`` — the patients bucket beside the promoted model
(``models/<patient>/<run-id>/passport.html``), as the cloud's promote step writes it: stills only,
from the stored key frames, so the step reads no review copy (see ``docs/passport.md``).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Literal

from voice import layout
from voice.config import Settings
from voice.errors import ModelError, VoiceError
from voice.model.features import FEATURE_NAMES
from voice.passport import media
from voice.passport.data import PassportData, TrainedSample, load_passport_data, read_metadata
from voice.passport.page import Example, Passport, render
from voice.passport.signals import EmotionSignals, emotion_signals
from voice.passport.story import missing, mixups, weeks
from voice.storage import Store

__all__ = ["EXAMPLES", "Where", "build_passport", "clip_key", "page_key", "write_passport"]

log = logging.getLogger("voice")

Where = Literal["report", "run"]

#: Examples per emotion at most.
EXAMPLES = 3


def _facts(data: PassportData) -> str:
    m = data.metrics
    if data.run_id is None:
        return "No training run yet: run voice train once the videos have enough narrated emotions."
    if m is None:
        return f"Training run {data.run_id}'s metrics or out-of-fold file cannot be read: train again."
    state = "the promoted model" if data.promoted else "the newest run, not promoted (it predicts nothing)"
    chosen = m.model_choice.chosen if m.model_choice is not None else "random forest"
    return (
        f"From training run {data.run_id} ({state}): {m.n_samples} windows from {m.n_videos} videos, "
        f"model {chosen}, balanced accuracy {m.balanced_accuracy.mean:.2f} against "
        f"{m.baseline.balanced_accuracy:.2f} by always guessing the commonest emotion. "
        f"Written {datetime.now(UTC):%Y-%m-%d}."
    )


def _pick(samples: Sequence[TrainedSample], emotion: str) -> list[TrainedSample]:
    """The clearest windows: right out of fold, most probable first, one per video before a second."""
    right = sorted(
        (s for s in samples if s.emotion == emotion and s.predicted == emotion),
        key=lambda s: (-s.probability, s.sample),
    )
    first: list[TrainedSample] = []
    rest: list[TrainedSample] = []
    seen: set[str] = set()
    for s in right:
        (rest if s.session in seen else first).append(s)
        seen.add(s.session)
    return (first + rest)[:EXAMPLES]


def _examples(
    store: Store, data: PassportData, found: Sequence[EmotionSignals], clips: bool
) -> tuple[dict[str, list[Example]], dict[str, bytes]]:
    """Each emotion's examples with stills (and clips: name → H.264 bytes, when ``clips``)."""
    picked = {f.emotion: _pick(data.samples, f.emotion) for f in found if f.thin is None}
    by_session: dict[str, list[TrainedSample]] = {}
    for chosen in picked.values():
        for s in chosen:
            by_session.setdefault(s.session, []).append(s)
    made: dict[str, Example] = {}
    files: dict[str, bytes] = {}
    for session, chosen in by_session.items():
        with media.ReviewCopy(store, data.patient, session, fetch=clips) as copy:
            for s in chosen:
                at = (s.start + s.end) / 2
                still = media.key_frame(store, data.patient, session, s.start, s.end, at)
                href = None
                if copy.path is not None:
                    name = s.sample.replace("/", "-")
                    try:  # a review copy ffmpeg cannot read costs this example its clip, nothing more
                        still = still or media.still(copy.path, at)
                        files[name] = media.clip(
                            copy.path, at, _duration(store, data.patient, session, s.end)
                        )
                        href = f"passport/{name}.mp4"
                    except VoiceError:
                        log.warning("an example's clip could not be cut; the passport shows it without")
                made[s.sample] = Example(s.emotion, session, s.start, s.end, s.probability, still, href)
    return {e: [made[s.sample] for s in chosen] for e, chosen in picked.items()}, files


def _duration(store: Store, patient: str, session: str, fallback: float) -> float:
    meta = read_metadata(store, patient, session)
    return meta.video.duration_s if meta is not None and meta.video.duration_s else fallback + media.CLIP_S


def page_key(patient: str) -> str:
    """``annotated/<patient>/passport.html``: beside the report, which links to it."""
    return layout.patient_report_key(patient, "passport.html")


def clip_key(patient: str, name: str) -> str:
    """``annotated/<patient>/passport/<name>.mp4``: the page links it as ``passport/<name>.mp4``."""
    return layout.patient_report_key(patient, f"passport/{name}.mp4")


def build_passport(
    store: Store, patient: str, *, settings: Settings, clips: bool
) -> tuple[Passport, dict[str, bytes]]:
    """The passport of ``patient`` and its clips (name → bytes)."""
    data = load_passport_data(store, patient)
    least = settings.gate_min_per_emotion
    trained = data.metrics.classes if data.metrics is not None else []
    found = emotion_signals(
        data.features,
        [s.emotion for s in data.samples],
        [s.session for s in data.samples],
        FEATURE_NAMES,
        {e: data.attributions[e] for e in trained if e in data.attributions},
        least=least,
    )
    examples, files = _examples(store, data, found, clips)
    notes = []
    if not clips:
        notes.append("Stills only here: voice passport on a computer with the review copies adds the clips.")
    if data.metrics is not None and not data.samples:
        notes.append("The samples this run was trained on are no longer stored: its signals cannot be shown.")
    passport = Passport(
        patient=patient,
        run_id=data.run_id,
        facts=_facts(data),
        emotions=found,
        examples=examples,
        mixups=mixups(data.metrics.confusion_matrix) if data.metrics is not None else [],
        missing=missing(data.counts, min_samples=least, min_videos=least),
        weeks=weeks(data.sessions),
        notes=notes,
    )
    return passport, files


def write_passport(store: Store, patient: str, *, settings: Settings, where: Where = "report") -> str:
    """Write the passport (and its clips) to ``where``; returns where the page is."""
    patient = layout.validate_name(patient, what="patient name")
    passport, files = build_passport(store, patient, settings=settings, clips=where == "report")
    if where == "run":
        if passport.run_id is None:
            raise ModelError("no training run to write the passport beside; train first.")
        bucket, key = layout.PATIENTS, layout.model_artifact_key(patient, passport.run_id, "passport.html")
    else:
        bucket, key = layout.VIDEOS, page_key(patient)
        stale = {o.key for o in store.list(layout.VIDEOS, clip_key(patient, "")[: -len(".mp4")])}
        for name, data in files.items():
            key_of_clip = clip_key(patient, name)
            store.write(layout.VIDEOS, key_of_clip, data, content_type="video/mp4")
            stale.discard(key_of_clip)
        for old in sorted(stale):
            store.delete(layout.VIDEOS, old)
    store.write(bucket, key, render(passport).encode(), content_type="text/html; charset=utf-8")
    log.info("passport: %d emotion(s), %d clip(s)", len(passport.emotions), len(files))
    return store.describe(bucket, key)
