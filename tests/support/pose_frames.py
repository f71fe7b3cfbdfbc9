"""The frames a pass runs pose on, from a bundled sample (as the pass decodes them)."""

from __future__ import annotations

from tests.support.media import sample
from voice.config import Settings
from voice.media.frames import Frame, frame_plans, iter_frames
from voice.media.probe import probe


def pose_frames(name: str, n: int, *, every: int = 1) -> list[Frame]:
    """The first ``n`` of every ``every``-th sampled (pose) frame of the bundled sample ``name``."""
    video = sample(name)
    _, plan = frame_plans(probe(video), Settings())
    stride = plan.pose_every * every
    out: list[Frame] = []
    frames = iter_frames(video, plan)
    try:
        for fr in frames:
            if fr.index % stride == 0:
                out.append(fr)
                if len(out) == n:
                    break
    finally:
        close = getattr(frames, "close", None)
        if close is not None:
            close()
    return out
