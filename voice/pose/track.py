"""``PoseTrack``: the sampled poses of a whole video, in time order (what every later stage reads)."""

from __future__ import annotations

import bisect
from dataclasses import dataclass

from voice.pose.body25 import PoseFrame

__all__ = ["PoseTrack"]


@dataclass
class PoseTrack:
    """The sampled poses of a whole video, in time order."""

    frames: list[PoseFrame]

    @property
    def detected(self) -> int:
        return sum(1 for f in self.frames if f.keypoints is not None)

    @property
    def faces(self) -> int:
        """Frames in which the face was found."""
        return sum(1 for f in self.frames if f.face is not None and f.face[:, 2].any())

    @property
    def hands(self) -> int:
        """Hands found, summed over the frames (0–2 per frame)."""
        return sum(
            1 for f in self.frames for h in (f.hand_left, f.hand_right) if h is not None and h[:, 2].any()
        )

    def between(self, start: float, end: float) -> list[PoseFrame]:
        times = [f.time_s for f in self.frames]
        lo = bisect.bisect_left(times, start - 1e-6)
        hi = bisect.bisect_right(times, end + 1e-6)
        return self.frames[lo:hi]

    def nearest(self, time_s: float) -> PoseFrame | None:
        if not self.frames:
            return None
        times = [f.time_s for f in self.frames]
        i = bisect.bisect_left(times, time_s)
        candidates = self.frames[max(0, i - 1) : i + 1]
        return min(candidates, key=lambda f: abs(f.time_s - time_s))
