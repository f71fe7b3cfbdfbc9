"""Every key and path name of the storage layout, in one place (docs/design.md, "Storage layout").

Keys are the same locally and on S3. Nothing outside this module formats a key.
Two logical buckets: ``VIDEOS`` and ``PATIENTS``.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import PurePosixPath
from urllib.parse import unquote_plus

from voice.config import EMOTIONS, VIDEO_EXTENSIONS
from voice.errors import InvalidNameError, UnsupportedFormatError
from voice.names import normalize_name, path_segment, refused_characters, slug, warn_if_refused

__all__ = [
    "PATIENTS",
    "RESERVED",
    "VIDEOS",
    "WORK",
    "WORK_DAYS",
    "Upload",
    "analysis_key",
    "annotated_prefix",
    "annotated_video_key",
    "decode_event_key",
    "events_vtt_key",
    "failure_key",
    "frame_key",
    "invalid_failure_key",
    "label_sample_prefix",
    "latest_model_key",
    "metadata_key",
    "model_artifact_key",
    "model_run_prefix",
    "models_prefix",
    "normalize_name",
    "parse_sample_prefix",
    "parse_upload_key",
    "patient_prefix",
    "patient_report_key",
    "person_pin_key",
    "pose_key",
    "pose_track_key",
    "profile_key",
    "reviews_key",
    "reviews_prefix",
    "sample_pose_key",
    "sample_prefix",
    "segment_work_key",
    "segments_prefix",
    "session_id",
    "session_index_key",
    "session_lease_key",
    "session_ref",
    "sessions_prefix",
    "sha256_file",
    "slug",
    "srt_key",
    "stored_name",
    "training_prefix",
    "training_stage_prefix",
    "upload_key",
    "validate_name",
    "vtt_key",
]

VIDEOS = "videos"
PATIENTS = "patients"
#: The top-level prefix of work files (both buckets): intermediate files of long videos, the
#: sessions' leases, a training run's staged samples. Never an upload (the upload rule drops it),
#: never a patient; on AWS it expires after :data:`WORK_DAYS` days.
WORK = "work"
WORK_DAYS = 14

#: Top-level names the layout uses itself; no patient may be called this.
RESERVED = frozenset({"annotated", "failed", "models", ".sessions", WORK})


def validate_name(name: str, *, what: str = "name") -> str:
    """Return ``name`` (NFC) if it is one safe path segment, else raise :class:`InvalidNameError`.

    New names (uploads) also keep the rules of :func:`voice.names.refused_characters`.
    """
    name = stored_name(name, what=what, warn=False)
    refused = refused_characters(name)
    if refused:
        raise InvalidNameError(f"{what} contains {refused}; remove them.")
    return name


def stored_name(name: str, *, what: str = "name", warn: bool = True) -> str:
    """``name`` (NFC) if it is one safe path segment by the rules stored names were made under,
    else :class:`InvalidNameError`. For names already in storage (training, reports, models): one
    that breaks only the rules new uploads keep stays readable under its keys, with a warning."""
    name = path_segment(name, what=what, reserved=RESERVED)
    if warn:
        warn_if_refused(name, what=what)
    return name


def session_id(file_name: str, sha256_hex: str) -> str:
    """Deterministic session id: slug of the stem + the first 10 hex digits of the content hash."""
    stem = PurePosixPath(file_name).stem
    return f"{slug(stem)}-{sha256_hex[:10]}"


def sha256_file(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def session_ref(session: str) -> str:
    """The content-hash part of a session id: what logs may show (file names can hold names)."""
    return session.rsplit("-", 1)[-1]


@dataclass(frozen=True)
class Upload:
    """An upload's key split into its parts: ``<patient>/<file>``, both NFC.

    ``source_key`` is the object's real key (as uploaded, maybe NFD): read the upload with it.
    """

    patient: str
    file_name: str
    source_key: str = ""

    @property
    def key(self) -> str:
        return f"{self.patient}/{self.file_name}"

    @property
    def extension(self) -> str:
        return PurePosixPath(self.file_name).suffix.lower().lstrip(".")


def decode_event_key(raw: str) -> str:
    """S3 event keys are URL-encoded (space as ``+``, others as ``%xx``)."""
    return unquote_plus(raw)


def parse_upload_key(key: str) -> Upload:
    """Validate an upload key ``<patient>/<file>.<ext>`` and split it."""
    if key.startswith("/"):
        raise InvalidNameError("upload key must be relative, not absolute.")
    parts = key.split("/")
    if len(parts) != 2:
        raise InvalidNameError("upload key must be '<patient>/<file>.<ext>' (exactly one '/').")
    patient = validate_name(parts[0], what="patient name")
    file_name = validate_name(parts[1], what="file name")
    upload = Upload(patient, file_name, key)
    if upload.extension not in VIDEO_EXTENSIONS:
        raise UnsupportedFormatError(
            f"extension {upload.extension or '(none)'!r} is not supported; "
            f"use one of {', '.join(VIDEO_EXTENSIONS)} (any letter case)."
        )
    return upload


def upload_key(patient: str, file_name: str) -> str:
    return f"{validate_name(patient, what='patient name')}/{validate_name(file_name, what='file name')}"


# --- videos bucket -------------------------------------------------------------------------


def annotated_prefix(patient: str) -> str:
    return f"annotated/{patient}/"


def annotated_video_key(patient: str, session: str) -> str:
    return f"annotated/{patient}/{session}.mp4"


def vtt_key(patient: str, session: str) -> str:
    return f"annotated/{patient}/{session}.vtt"


def srt_key(patient: str, session: str) -> str:
    return f"annotated/{patient}/{session}.srt"


def events_vtt_key(patient: str, session: str) -> str:
    return f"annotated/{patient}/{session}_events.vtt"


def metadata_key(patient: str, session: str) -> str:
    return f"annotated/{patient}/{session}_metadata.json"


def analysis_key(patient: str, session: str) -> str:
    return f"annotated/{patient}/{session}_analysis.csv"


def _time_tag(index: int, time_s: float, emotion: str) -> str:
    # No spoken words in keys: the narration's subject ("maria-s-mom") would put a name in a key.
    return f"{index:03d}_at_{time_s:.2f}s_{emotion}"


def frame_key(patient: str, session: str, index: int, time_s: float, emotion: str) -> str:
    """A key frame's JPG; ``emotion`` is the event's, or ``none`` for the evenly spaced ones."""
    return f"annotated/{patient}/frames/{session}/frame_{_time_tag(index, time_s, emotion)}.jpg"


def pose_key(patient: str, session: str, index: int, time_s: float, emotion: str) -> str:
    return f"annotated/{patient}/poses/{session}/pose_{_time_tag(index, time_s, emotion)}.json"


def segments_prefix(patient: str, session: str) -> str:
    """The intermediate files of a video processed in segments (:mod:`voice.segments.workspace`): plan,
    each segment's poses and annotated part, the audio; deleted once the session is complete, kept
    for a retry after a failure (work files: they expire after :data:`WORK_DAYS` days on AWS)."""
    return f"{WORK}/segments/{patient}/{session}/"


def session_lease_key(patient: str, session: str) -> str:
    """The lease of a session's outputs (:mod:`voice.session.lease`), in the videos bucket."""
    return f"{WORK}/leases/{patient}/{session}.json"


def segment_work_key(patient: str, session: str, plan_id: str, name: str) -> str:
    """One intermediate file of one plan (``plan_id``: a digest of everything the plan depends on)."""
    return f"{segments_prefix(patient, session)}{plan_id}/{name}"


def failure_key(patient: str, file_name: str) -> str:
    return f"failed/{patient}/{file_name}.json"


# --- patients bucket -----------------------------------------------------------------------


#: A sample folder's tag after the session: ``e<k>`` (narrated event ``k`` of the session's
#: metadata) or ``a<10 hex>w<j>`` (window ``j`` of a label a person added; :mod:`voice.labels`).
_SAMPLE_TAG = re.compile(r"e\d+|a[0-9a-f]{10}w\d+")


def sample_prefix(patient: str, emotion: str, session: str, event_index: int) -> str:
    """The sample folder of narrated event ``event_index``: ``<patient>/<emotion>/<session>_e<k>/``."""
    return label_sample_prefix(patient, emotion, session, f"e{event_index}")


def label_sample_prefix(patient: str, emotion: str, session: str, tag: str) -> str:
    """A sample folder ``<patient>/<emotion>/<session>_<tag>/`` (tag: ``e<k>`` or ``a<id>w<j>``)."""
    if emotion not in EMOTIONS:
        raise InvalidNameError(f"emotion {emotion!r} is not one of {', '.join(EMOTIONS)}.")
    if not _SAMPLE_TAG.fullmatch(tag):
        raise InvalidNameError(f"sample tag {tag!r} is not e<k> or a<10 hex digits>w<j>.")
    return f"{patient}/{emotion}/{session}_{tag}/"


def sample_pose_key(prefix: str, frame_index: int) -> str:
    return f"{prefix}pose_{frame_index:06d}.json"


def parse_sample_prefix(key: str) -> tuple[str, str, str, str] | None:
    """``<patient>/<emotion>/<session>_<tag>/...`` → (patient, emotion, session, tag), else None."""
    parts = key.split("/")
    if len(parts) < 3 or parts[1] not in EMOTIONS:
        return None
    match = re.fullmatch(rf"(.+)_({_SAMPLE_TAG.pattern})", parts[2])
    if not match:
        return None
    return parts[0], parts[1], match.group(1), match.group(2)


def sessions_prefix(patient: str) -> str:
    return f"{patient}/.sessions/"


def session_index_key(patient: str, session: str) -> str:
    return f"{patient}/.sessions/{session}.json"


def pose_track_key(patient: str, session: str) -> str:
    """The session's whole pose track (:mod:`voice.pose.track_file`), next to its index."""
    return f"{patient}/.sessions/{session}.track.npz"


def reviews_prefix(patient: str) -> str:
    return f"{patient}/reviews/"


def reviews_key(patient: str, session: str) -> str:
    """What people said about the session's labels (:mod:`voice.labels`):
    ``<patient>/reviews/<session>.json``."""
    return f"{patient}/reviews/{session}.json"


def models_prefix(patient: str) -> str:
    return f"models/{patient}/"


def model_run_prefix(patient: str, run_id: str) -> str:
    return f"models/{patient}/{run_id}/"


def latest_model_key(patient: str) -> str:
    return f"models/{patient}/latest.json"


def model_artifact_key(patient: str, run_id: str, name: str) -> str:
    """One file of a training run, e.g. ``models/<patient>/<run-id>/model.skops``."""
    return f"models/{patient}/{run_id}/{name}"


def training_prefix(patient_ref: str) -> str:
    """Every training run's staged data of one patient (:func:`training_stage_prefix`)."""
    return f"{WORK}/training/{patient_ref}/"


def training_stage_prefix(patient_ref: str, stage: str) -> str:
    """A training run's staged samples and output, in the patients bucket: named by the patient's
    keyed reference (a SageMaker job's URIs are readable without the stack's key)."""
    return f"{training_prefix(patient_ref)}{stage}/"


def patient_prefix(patient: str) -> str:
    """Everything of one patient in the patients bucket: samples and ``.sessions/``."""
    return f"{patient}/"


def profile_key(patient: str) -> str:
    """The patient's profile (nicknames, ...; :mod:`voice.people.profile`), in the patients bucket."""
    return f"{patient}/profile.json"


def person_pin_key(upload: Upload) -> str:
    """Who the patient is in one upload (``voice process --person``; :mod:`voice.people.patient`), in the
    videos bucket next to it: ``<patient>/<file>.person.json`` (not a video: it starts nothing)."""
    return f"{upload.patient}/{upload.file_name}.person.json"


def patient_report_key(patient: str) -> str:
    """The patient's HTML report, in the videos bucket next to the annotated videos it links to."""
    return f"annotated/{patient}/report.html"


def invalid_failure_key(raw_key: str) -> str:
    """Where the failure record of an upload with an unsafe name goes (the name is never a key)."""
    digest = hashlib.sha256(raw_key.encode("utf-8", "surrogatepass")).hexdigest()[:16]
    return f"failed/_invalid/{digest}.json"
