"""The small exception family of VOICE.

Every error the pipeline raises on purpose is a :class:`VoiceError`. Each carries the pipeline
``stage`` it happened in, so that the failure record at ``videos/failed/<patient>/<file>.json``
can say where things went wrong. Library errors are wrapped with ``raise ... from exc``.
Messages say what to do, and never contain transcript text.
"""

from __future__ import annotations

__all__ = [
    "CloudSetupError",
    "ConfigError",
    "CorruptMediaError",
    "InvalidNameError",
    "LabelError",
    "MediaLimitError",
    "ModelError",
    "NoPoseTrackError",
    "NoVideoStreamError",
    "NotEnoughDataError",
    "ProfileError",
    "StorageError",
    "UnknownEventError",
    "UnknownSessionError",
    "UnsupportedFormatError",
    "UntrustedModelError",
    "VideoTooLongError",
    "VoiceError",
]


class VoiceError(Exception):
    """Base of all VOICE errors. ``stage`` names the pipeline step that failed.

    ``permanent``: trying the same input again cannot succeed (a bad file, an unsafe name, a
    limit); a queue acknowledges such failures after their record instead of retrying them.
    """

    stage: str = "pipeline"
    permanent: bool = False

    def __init__(self, message: str, *, stage: str | None = None) -> None:
        super().__init__(message)
        if stage is not None:
            self.stage = stage

    @property
    def error_type(self) -> str:
        return type(self).__name__


class InvalidNameError(VoiceError, ValueError):
    """A patient, file or key name is unsafe (``..``, absolute, control characters, reserved)."""

    stage = "validate"
    permanent = True


class UnsupportedFormatError(VoiceError):
    """The file extension is not one of the supported video containers."""

    stage = "validate"
    permanent = True


class VideoTooLongError(VoiceError):
    """The video cannot be processed within the time one run has (a Lambda invocation)."""

    stage = "validate"
    permanent = True  # every retry has the same time


class CorruptMediaError(VoiceError):
    """The file cannot be decoded: empty, truncated, or not a video at all."""

    stage = "probe"
    permanent = True


class NoVideoStreamError(CorruptMediaError):
    """The container decodes but holds no video stream (for example an audio-only file)."""


class MediaLimitError(VoiceError):
    """The upload is larger than the settings allow (bytes, pixels, frame rate, duration).

    Raised before any decoding; the message names the limit and the setting that holds it.
    """

    stage = "probe"
    permanent = True


class StorageError(VoiceError):
    """A read or write on the store failed."""

    stage = "storage"


class ConflictError(StorageError):
    """A conditional write lost: the object changed (or appeared) since it was read. Nothing was
    written; read it again, apply the change to what is there now, and write again."""


class ConfigError(VoiceError):
    """A setting is missing or invalid (for example a Whisper model directory that does not exist)."""

    stage = "config"


class CloudSetupError(ConfigError):
    """``voice cloud`` cannot reach the deployed stack (no region, no credentials, no stack, access
    denied). The message names what to set; the CLI prints it as one line and exits 2."""

    stage = "cloud"


class ModelError(VoiceError):
    """Training, loading or using a patient model failed."""

    stage = "model"


class NotEnoughDataError(ModelError):
    """The patient's samples cannot support training (too few, one class only)."""


class UntrustedModelError(ModelError):
    """A saved model names a type that is not on the trusted list; it was not loaded."""


class ProfileError(VoiceError):
    """A patient profile (``patients/<patient>/profile.json``) is not valid JSON or not a profile."""

    stage = "profile"


class LabelError(VoiceError):
    """A change to a session's labels cannot be made as asked (an unknown emotion, a range outside
    the video, an action the label does not allow). Nothing was written; the CLI exits 2."""

    stage = "labels"
    permanent = True


class UnknownSessionError(LabelError):
    """The patient has no processed session of that id (or no processed session at all)."""


class UnknownEventError(LabelError):
    """The session has no label of that id (``voice labels list`` shows the ids)."""


class NoPoseTrackError(LabelError):
    """The session was processed before whole pose tracks were kept: reprocess it first."""


class CodingFileError(LabelError):
    """A researcher's coding file (``voice import``: ELAN, BORIS, CSV) cannot be imported as it is:
    malformed, unsafe XML, a missing tier, time slots missing or out of order, a label past the
    video's end, overlapping labels in one tier, an unknown media file, a value outside the five
    emotions with no map. The message names the problem; nothing was written; the CLI exits 2."""


class UnmappedValueError(CodingFileError):
    """A coded value is not one of the five emotions and ``--map`` does not say which it is; the
    message lists the values the file holds."""


class UnknownMediaError(CodingFileError):
    """The file's media matches no processed session of the patient (by name or content hash);
    ``--video SESSION`` names it."""
