"""Training-readiness rules: pure functions over a listing of one patient's sample keys.

Runs in a tiny Lambda, so: standard library plus :mod:`voice.config` and :mod:`voice.layout` only.

Rules (thresholds from :class:`voice.config.Settings`):

1. Cooldown: no run if the last training run is younger than ``gate_cooldown_s``.
2. An emotion is trained only with at least ``gate_min_per_emotion`` samples coming from at least
   ``gate_min_per_emotion`` different videos (sessions): grouped cross-validation needs several
   videos per class. Emotions with less are left out, and the reasons say so.
3. At least ``gate_min_emotions`` trainable emotions.
4. At least ``gate_min_samples`` samples in the trainable emotions.

Every rule adds one human-readable reason, passed or failed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from voice import layout
from voice.config import EMOTIONS, Settings

__all__ = ["GateDecision", "SampleRef", "decide", "last_run_from_listing", "run_time", "samples_from_listing"]


@dataclass(frozen=True)
class SampleRef:
    """One training sample folder: ``<patient>/<emotion>/<session>_<tag>/`` and its pose count
    (``tag``: ``e<k>``, narrated event ``k``; ``a<id>w<j>``, window ``j`` of an added label)."""

    patient: str
    emotion: str
    session: str
    tag: str
    prefix: str
    poses: int


def _tag_order(tag: str) -> tuple[int, int, str]:
    """Narrated events in their order (``e2`` before ``e10``), then added labels by id."""
    return (0, int(tag[1:]), "") if tag.startswith("e") else (1, 0, tag)


@dataclass
class GateDecision:
    """Whether to train now, why, and what with."""

    train: bool
    reasons: list[str]
    counts: dict[str, int]  # samples per emotion (all emotions seen)
    sessions: dict[str, int] = field(default_factory=dict)  # distinct videos per emotion
    emotions: list[str] = field(default_factory=list)  # emotions that would be trained

    def to_dict(self) -> dict[str, object]:
        return {
            "train": self.train,
            "reasons": list(self.reasons),
            "counts": dict(self.counts),
            "sessions": dict(self.sessions),
            "emotions": list(self.emotions),
        }


def _key(item: object) -> str:
    return item if isinstance(item, str) else str(getattr(item, "key", ""))


def _indexed_sessions(keys: list[str]) -> set[tuple[str, str]]:
    """(patient, session) of every session index ``<patient>/.sessions/<session>.json``."""
    found = set()
    for key in keys:
        parts = key.split("/")
        if len(parts) == 3 and parts[1] == ".sessions" and parts[2].endswith(".json"):
            found.add((parts[0], parts[2][: -len(".json")]))
    return found


def samples_from_listing(listing: Iterable[object]) -> list[SampleRef]:
    """Sample folders in a listing of pose keys (strings or objects with a ``key``), sorted.

    Only ``pose_*.json`` files inside ``<patient>/<emotion>/<session>_<tag>/`` count, and only of
    sessions whose index ``<patient>/.sessions/<session>.json`` is in the listing: the index is
    written after a session's samples, so samples of a run that failed or is being redone
    never count. Models and stray files are ignored.
    """
    keys = [_key(item) for item in listing]
    complete = _indexed_sessions(keys)
    poses: dict[tuple[str, str, str, str], int] = {}
    for key in keys:
        parsed = layout.parse_sample_prefix(key)
        if parsed is None or (parsed[0], parsed[2]) not in complete:
            continue
        name = key.rsplit("/", 1)[-1]
        if key.count("/") != 3 or not (name.startswith("pose_") and name.endswith(".json")):
            continue
        poses[parsed] = poses.get(parsed, 0) + 1
    refs = [
        SampleRef(p, emotion, session, tag, layout.label_sample_prefix(p, emotion, session, tag), n)
        for (p, emotion, session, tag), n in poses.items()
    ]
    return sorted(refs, key=lambda r: (r.patient, EMOTIONS.index(r.emotion), r.session, _tag_order(r.tag)))


def run_time(run_id: str) -> datetime | None:
    """When a training run started, from its id ``<YYYYmmddTHHMMSSZ>-<hash>``; None if not a run id."""
    try:
        return datetime.strptime(run_id.split("-", 1)[0], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    except ValueError:
        return None


def last_run_from_listing(listing: Iterable[object], patient: str) -> datetime | None:
    """Newest training run (promoted or not) in a listing of ``models/<patient>/`` keys."""
    prefix = layout.models_prefix(patient)
    latest = None
    for item in listing:
        key = _key(item)
        if not key.startswith(prefix) or "/" not in key[len(prefix) :]:
            continue
        when = run_time(key[len(prefix) :].split("/", 1)[0])
        if when is not None and (latest is None or when > latest):
            latest = when
    return latest


def _ago(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def decide(
    listing: Iterable[object],
    *,
    now: datetime,
    last_run_at: datetime | None,
    settings: Settings,
    force: bool = False,
) -> GateDecision:
    """Apply the rules to a listing of the patient's sample keys (see the module docstring).

    ``force`` skips the cooldown and the sample-count rules, but still leaves out emotions with
    samples from fewer than two videos (grouped cross-validation cannot test them) and still
    needs two emotions.
    """
    samples = samples_from_listing(listing)
    counts: dict[str, int] = {}
    videos: dict[str, set[str]] = {}
    for s in samples:
        counts[s.emotion] = counts.get(s.emotion, 0) + 1
        videos.setdefault(s.emotion, set()).add(s.session)
    n_videos = {e: len(v) for e, v in videos.items()}

    reasons: list[str] = []
    ok = True

    if last_run_at is None:
        reasons.append("cooldown passed: no previous training run")
    else:
        age = (now - last_run_at).total_seconds()
        if age >= settings.gate_cooldown_s:
            reasons.append(f"cooldown passed: last training run {_ago(age)} ago")
        elif force:
            reasons.append(f"cooldown ignored (forced): last training run {_ago(age)} ago")
        else:
            ok = False
            wait = settings.gate_cooldown_s - age
            reasons.append(
                f"last training run was {_ago(max(age, 0))} ago; cooldown is "
                f"{_ago(settings.gate_cooldown_s)}, try again in {_ago(wait)}"
            )

    need = 2 if force else settings.gate_min_per_emotion
    trained: list[str] = []
    for emotion in EMOTIONS:
        if emotion not in counts:
            continue
        n, v = counts[emotion], n_videos[emotion]
        if n >= need and v >= need:
            trained.append(emotion)
            reasons.append(f"{emotion}: {_plural(n, 'sample')} from {_plural(v, 'video')}, trained")
        else:
            reasons.append(
                f"{emotion} left out: {_plural(n, 'sample')} from {_plural(v, 'video')}; "
                f"need at least {need} samples from {need} different videos"
            )

    min_emotions = 2 if force else settings.gate_min_emotions
    min_emotions = max(min_emotions, 2)  # one class cannot be classified
    if len(trained) >= min_emotions:
        reasons.append(f"{len(trained)} emotions with enough data (need {min_emotions})")
    else:
        ok = False
        which = f" ({', '.join(trained)})" if trained else ""
        reasons.append(
            f"only {_plural(len(trained), 'emotion')}{which} with enough data; need at least {min_emotions}"
        )

    usable = sum(counts[e] for e in trained)
    if force:
        reasons.append(f"{_plural(usable, 'usable sample')} (sample minimum ignored: forced)")
    elif usable >= settings.gate_min_samples:
        reasons.append(f"{_plural(usable, 'usable sample')} (need {settings.gate_min_samples})")
    else:
        ok = False
        reasons.append(f"only {_plural(usable, 'usable sample')}; need at least {settings.gate_min_samples}")

    return GateDecision(
        train=ok,
        reasons=reasons,
        counts={e: counts[e] for e in EMOTIONS if e in counts},
        sessions={e: n_videos[e] for e in EMOTIONS if e in n_videos},
        emotions=trained,
    )
