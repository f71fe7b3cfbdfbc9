"""Several people in one video, composited from a real photo, with the truth of who is where.

The person is scikit-image's astronaut photo, cut out with MediaPipe's bundled selfie
segmentation. ``orange`` is the photo as it is; ``blue`` is the same photo with the suit's hue
turned to blue (another person to the colour histogram, the same body to the pose model; a
mirrored copy was found less reliably by the detector, so there is none). A :class:`Scene`
moves actors along paths (centre x, y and size per time, absent outside their time span) in
front of a plain background; later actors are drawn in front of earlier ones. :func:`render`
writes the video (H.264, optional narration copied from a bundled sample) and :func:`truth`
says where each actor's nose is on each frame.
"""

from __future__ import annotations

import functools
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from voice.media.probe import ffmpeg_exe

__all__ = [
    "Actor",
    "Scene",
    "crossing",
    "cutout",
    "enter_leave",
    "late_second",
    "paste",
    "render",
    "row",
    "side_by_side",
    "truth",
    "two_people",
]

#: Where the nose is in the 512×512 astronaut photo (pixels), measured with MediaPipe once.
NOSE = (223.0, 127.0)
#: A path: time → (centre x, centre y, side) in frame pixels, or None when the actor is away.
Path_ = Callable[[float], tuple[float, float, float] | None]


@functools.lru_cache(maxsize=4)
def cutout(look: str) -> tuple[np.ndarray, np.ndarray]:
    """(RGB 512×512, alpha 512×512 in [0, 1]) of the astronaut; ``look``: orange, blue, green."""
    import cv2
    import mediapipe as mp
    from skimage import data

    rgb = data.astronaut()
    with mp.solutions.selfie_segmentation.SelfieSegmentation(model_selection=0) as seg:
        mask = seg.process(rgb).segmentation_mask
    alpha = cv2.GaussianBlur((mask > 0.5).astype(np.float32), (5, 5), 0)
    if look == "orange":
        return rgb, alpha
    shift = {"blue": 100, "green": 45}.get(look)
    if shift is None:
        raise ValueError(f"look must be orange, blue or green, not {look!r}")
    hsv = cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV)
    suit = (hsv[..., 1] > 90) & (hsv[..., 0] < 25)
    suit[:190] = False  # below the chin only: the face keeps its colour
    hsv[..., 0] = np.where(suit, (hsv[..., 0].astype(np.int32) + shift) % 180, hsv[..., 0]).astype(np.uint8)
    blue = cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB)
    return blue, alpha


@dataclass(frozen=True)
class Actor:
    name: str
    look: str
    path: Path_


@dataclass(frozen=True)
class Scene:
    actors: tuple[Actor, ...]
    duration_s: float
    width: int = 640
    height: int = 360
    fps: int = 25
    background: tuple[int, int, int] = (205, 208, 212)
    #: Per-channel (R, G, B) gains on the whole frame: another room's light.
    light: tuple[float, float, float] = (1.0, 1.0, 1.0)

    @property
    def frames(self) -> int:
        return round(self.duration_s * self.fps)


def paste(canvas: np.ndarray, look: str, cx: float, cy: float, side: float) -> None:
    """The cut-out person (``look``) onto the RGB ``canvas``, centred at (cx, cy), ``side`` px."""
    import cv2

    rgb, alpha = cutout(look)
    s = max(2, round(side))
    img = cv2.resize(rgb, (s, s), interpolation=cv2.INTER_AREA)
    a = cv2.resize(alpha, (s, s), interpolation=cv2.INTER_AREA)[..., None]
    h, w = canvas.shape[:2]
    x0, y0 = round(cx - s / 2), round(cy - s / 2)
    xa, ya, xb, yb = max(0, x0), max(0, y0), min(w, x0 + s), min(h, y0 + s)
    if xa >= xb or ya >= yb:
        return
    sub, sa = img[ya - y0 : yb - y0, xa - x0 : xb - x0], a[ya - y0 : yb - y0, xa - x0 : xb - x0]
    canvas[ya:yb, xa:xb] = (canvas[ya:yb, xa:xb] * (1 - sa) + sub * sa).astype(np.uint8)


def frames(scene: Scene) -> Iterator[np.ndarray]:
    """The scene's RGB frames."""
    for i in range(scene.frames):
        t = i / scene.fps
        canvas = np.empty((scene.height, scene.width, 3), np.uint8)
        canvas[:] = scene.background
        for actor in scene.actors:
            if (where := actor.path(t)) is not None:
                paste(canvas, actor.look, *where)
        if scene.light != (1.0, 1.0, 1.0):
            canvas = np.clip(canvas * np.array(scene.light), 0, 255).astype(np.uint8)
        yield canvas


def truth(scene: Scene, t: float) -> dict[str, tuple[float, float]]:
    """Each present actor's nose at ``t`` (frame pixels)."""
    out = {}
    for actor in scene.actors:
        if (where := actor.path(t)) is None:
            continue
        cx, cy, side = where
        out[actor.name] = (cx + (NOSE[0] / 512 - 0.5) * side, cy + (NOSE[1] / 512 - 0.5) * side)
    return out


def render(scene: Scene, path: Path, *, audio_from: Path | None = None) -> Path:
    """Write ``scene`` as H.264 (+ the audio of ``audio_from``, cut to the scene's length)."""
    cmd = [ffmpeg_exe(), "-y", "-hide_banner", "-loglevel", "error", "-f", "rawvideo", "-pix_fmt", "rgb24"]
    cmd += ["-s", f"{scene.width}x{scene.height}", "-r", str(scene.fps), "-i", "-"]
    if audio_from is not None:
        cmd += ["-i", str(audio_from), "-map", "0:v", "-map", "1:a", "-c:a", "copy"]
    cmd += ["-t", f"{scene.duration_s:.3f}", "-c:v", "libx264", "-preset", "ultrafast", "-crf", "23"]
    cmd += ["-pix_fmt", "yuv420p", "-threads", "1", str(path)]
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdin is not None
    assert proc.stderr is not None
    for frame in frames(scene):
        proc.stdin.write(frame.tobytes())
    proc.stdin.close()
    if proc.wait() != 0:
        raise RuntimeError(f"ffmpeg failed: {proc.stderr.read().decode(errors='replace')}")
    return path


def _between(t0: float, t1: float, where: Callable[[float], tuple[float, float, float]]) -> Path_:
    return lambda t: where(t) if t0 <= t < t1 else None


def side_by_side(duration_s: float = 6.0) -> Scene:
    """Orange on the left and blue on the right, both in every frame, swaying a little."""
    orange = Actor("orange", "orange", lambda t: (170 + 8 * np.sin(2 * t), 200.0, 300.0))
    blue = Actor("blue", "blue", lambda t: (470 + 8 * np.sin(1.5 * t + 1), 200.0, 300.0))
    return Scene((orange, blue), duration_s)


def crossing(duration_s: float = 8.0, *, blue_look: str = "blue") -> Scene:
    """Orange walks left → right behind blue, who walks right → left; they pass mid-video.

    ``blue_look="orange"`` makes the two look alike (only their motion tells them apart).
    """
    span = 420.0

    def orange(t: float) -> tuple[float, float, float]:
        return (110 + span * t / duration_s, 200.0, 300.0)

    def blue(t: float) -> tuple[float, float, float]:
        return (530 - span * t / duration_s, 205.0, 300.0)

    return Scene((Actor("orange", "orange", orange), Actor("blue", blue_look, blue)), duration_s)


def enter_leave(duration_s: float = 7.0) -> Scene:
    """Orange stays left the whole time; blue comes in on the right at 1.5 s, leaves at 4 s and is
    back from 5.5 s (away 1.5 s: a short absence)."""
    orange = Actor("orange", "orange", lambda t: (190 + 6 * np.sin(2 * t), 200.0, 300.0))

    def blue(t: float) -> tuple[float, float, float] | None:
        if 1.5 <= t < 4.0 or t >= 5.5:
            return (480 + 5 * np.sin(3 * t), 205.0, 290.0)
        return None

    return Scene((orange, Actor("blue", "blue", blue)), duration_s)


def late_second(duration_s: float = 9.0, *, from_s: float = 5.0) -> Scene:
    """Orange the whole time; blue only from ``from_s`` on (to pair with park.mp4's narration)."""
    orange = Actor("orange", "orange", lambda t: (190 + 6 * np.sin(2 * t), 200.0, 300.0))
    blue = Actor("blue", "blue", _between(from_s, duration_s + 1, lambda t: (480.0, 205.0, 290.0)))
    return Scene((orange, blue), duration_s)


def two_people(
    patient: tuple[float, float],
    other: tuple[float, float],
    *,
    looks: tuple[str, str] = ("blue", "orange"),
    patient_left: bool = True,
    light: tuple[float, float, float] = (1.0, 1.0, 1.0),
    duration_s: float = 8.0,
) -> Scene:
    """The patient in view during ``patient`` (from, to) seconds and the other person during
    ``other``, side by side, in ``looks`` (patient's, other's) (appearance-cue measurements)."""
    patient_look, other_look = looks
    xs = (170.0, 470.0) if patient_left else (470.0, 170.0)

    def at(x: float, span: tuple[float, float], phase: float) -> Path_:
        return _between(*span, lambda t: (x + 6 * np.sin(1.7 * t + phase), 200.0, 290.0))

    actors = (
        Actor("patient", patient_look, at(xs[0], patient, 0.0)),
        Actor("other", other_look, at(xs[1], other, 1.0)),
    )
    return Scene(actors, duration_s, light=light)


def row(people: int, duration_s: float = 6.0, *, width: int = 640, height: int = 360) -> Scene:
    """``people`` actors in a row, swaying, orange and blue in turn (cost measurements)."""
    side = min(300.0, 1.15 * width / people)
    step = width / people
    actors = tuple(
        Actor(
            f"p{i}",
            "orange" if i % 2 == 0 else "blue",
            lambda t, i=i: (step * (i + 0.5) + 6 * np.sin(2 * t + i), height * 0.55, side),
        )
        for i in range(people)
    )
    return Scene(actors, duration_s, width=width, height=height)
