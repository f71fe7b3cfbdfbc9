"""Phone video: the annotated review copy's caps, upright output, skipped frames, the drawn skeleton.

Inputs are a few seconds long, made with the bundled ffmpeg in the phone formats of
``tests.support.media.PHONE_FORMATS`` (stored size, frame rate, codec, display rotation).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.support.media import PHONE_FORMATS, ffmpeg, phone_video
from tests.support.synthetic import moving_skeleton
from voice.config import Settings
from voice.drawing import drawer
from voice.media.frames import FramePlan, iter_decoded, iter_frames
from voice.media.probe import open_container, probe
from voice.pose.body25 import PoseFrame
from voice.run.pipeline import process_video
from voice.session.outputs import SessionOutputs
from voice.session.video_pass import RenderPlan, video_pass
from voice.storage import LocalStore
from voice.transcription.transcript import Transcript

pytestmark = pytest.mark.slow


def _process(tmp_path: Path, video: Path) -> tuple[dict[str, Any], Path]:
    store = LocalStore(tmp_path / "data")
    store.upload("videos", f"maria/{video.name}", video)
    meta = process_video(store, f"maria/{video.name}", settings=Settings()).json_doc()
    return meta, tmp_path / "data" / "videos" / "annotated" / "maria"


def test_iphone_portrait_60fps_gives_an_upright_30fps_720p_copy_of_the_same_length(
    tmp_path: Path, iphone_clip: Path
) -> None:
    info = probe(iphone_clip)
    assert (info.codec, info.rotation, info.width, info.height, info.fps) == ("hevc", 270, 1080, 1920, 60.0)
    meta, out_dir = _process(tmp_path, iphone_clip)
    out = probe(out_dir / f"{meta['session']}.mp4")
    assert (out.width, out.height, out.rotation) == (720, 1280, 0), "portrait, upright, ≤ 720 px wide"
    assert out.fps == pytest.approx(30.0)
    assert abs(out.duration_s - info.duration_s) <= 0.1
    assert meta["poses"]["sampled_fps"] == pytest.approx(5.0)
    assert meta["poses"]["detection_rate"] > 0.9, "the person is found: frames reach pose upright"
    pose_files = sorted((out_dir / "poses" / meta["session"]).glob("*.json"))
    assert pose_files
    doc = json.loads(pose_files[0].read_text())
    kp = np.array(doc["people"][0]["pose_keypoints_2d"]).reshape(25, 3)
    assert (doc["voice"]["width"], doc["voice"]["height"]) == (1080, 1920), "pixels of the full frame"
    assert kp[0, 1] < kp[1, 1], "the nose is above the neck: upright"
    assert kp[2, 0] < kp[5, 0], "RShoulder left of LShoulder: not mirrored"


def test_4k_input_gives_a_720p_copy(tmp_path: Path) -> None:
    video = phone_video(tmp_path / "IMG_4K.MOV", PHONE_FORMATS["4k30-hevc"], 1.5)
    meta, out_dir = _process(tmp_path, video)
    out = probe(out_dir / f"{meta['session']}.mp4")
    assert (out.width, out.height) == (1280, 720)
    assert out.fps == pytest.approx(30.0)
    assert abs(out.duration_s - probe(video).duration_s) <= 0.1


def test_skipping_non_reference_frames_never_loses_a_needed_frame(iphone_clip: Path) -> None:
    plan = FramePlan(show_every=2, pose_every=12, size=(360, 640))

    def decoded(skip: bool) -> list[tuple[int, float]]:
        container = open_container(iphone_clip)
        try:
            stream = container.streams.video[0]
            p = FramePlan(plan.show_every, plan.pose_every, plan.size, skip_nonref=skip)
            return [(i, t) for i, t, _ in iter_decoded(container, stream, p)]
        finally:
            container.close()

    full, skipping = decoded(False), decoded(True)
    needed = [(i, t) for i, t in full if plan.needs(i)]
    assert [x for x in skipping if plan.needs(x[0])] == needed, "same indices and times"
    assert len(skipping) < 0.75 * len(full), "the dropped non-reference frames were not decoded"
    with_skip = FramePlan(plan.show_every, plan.pose_every, plan.size, skip_nonref=True)
    for a, b in zip(iter_frames(iphone_clip, plan), iter_frames(iphone_clip, with_skip), strict=True):
        assert (a.index, a.shown) == (b.index, b.shown)
        np.testing.assert_array_equal(a.bgr, b.bgr)


class _MovingPerson:
    """Stands in for MediaPipe: one person whose skeleton moves right at 600 px/s."""

    def __init__(self, *_: Any, **__: Any) -> None:
        pass

    def close(self) -> None:
        pass

    def estimate(self, bgr: np.ndarray, *, time_s: float, size: tuple[int, int] | None = None) -> list[Any]:
        from voice.people.estimator import Detection

        return [Detection(moving_skeleton(time_s), None)]


def _between(x: float, a: float, b: float) -> bool:
    return min(a, b) < x < max(a, b)


def test_the_drawn_skeleton_of_an_in_between_frame_is_interpolated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, samples_dir: Path
) -> None:
    import voice.people.estimator

    drawn: list[PoseFrame | None] = []
    real_draw = drawer.draw_overlay

    def recording_draw(bgr: np.ndarray, pose: PoseFrame | None, overlay: Any) -> np.ndarray:
        drawn.append(pose)
        return real_draw(bgr, pose, overlay)

    monkeypatch.setattr(voice.people.estimator, "PeopleEstimator", _MovingPerson)
    monkeypatch.setattr(drawer, "draw_overlay", recording_draw)
    source = samples_dir / "garden.mp4"  # 25 fps: a pose sample every 5th frame
    info = probe(source)
    outputs = SessionOutputs(tmp_path)
    plan = RenderPlan("maria", "garden-0000000000", Transcript(language="en"), ())
    settings = Settings(key_frames_extra=0)
    result = video_pass(source, info, plan, model=None, settings=settings, outputs=outputs)
    assert not result.redrawn
    assert len(drawn) == round(info.duration_s * info.fps)
    samples = {p.frame: p for p in result.track.frames}
    last = max(samples)
    for index, pose in enumerate(drawn):
        assert pose is not None
        if index % 5 == 0 or index > last:
            continue
        before, after = samples[index - index % 5], samples[index - index % 5 + 5]
        (person,), (a,), (b,) = pose.people, before.people, after.people
        f = (index % 5) / 5
        # On the line between the two samples (the tracker's smoothing moved them; the drawing
        # does not), strictly between them: not the older sample.
        expected = a.keypoints[:, :2] + (b.keypoints[:, :2] - a.keypoints[:, :2]) * f
        np.testing.assert_allclose(person.keypoints[:, :2], expected, atol=1e-6)
        assert _between(person.keypoints[1, 0], a.keypoints[1, 0], b.keypoints[1, 0]), index


def _first_loud(samples: Iterator[tuple[float, float]], threshold: float) -> float:
    return next(t for t, level in samples if level > threshold)


def test_picture_and_sound_stay_in_sync_within_one_frame(tmp_path: Path) -> None:
    """A flash and a beep at 1.5 s in a 60 fps source are one output frame apart at most."""
    source = tmp_path / "flash.mp4"
    flash = "between(t,1.5,1.6)"
    ffmpeg(
        *["-f", "lavfi", "-i", "color=c=black:s=1280x720:r=60:d=3", "-f", "lavfi"],
        *["-i", f"aevalsrc='if({flash},0.8*sin(2*PI*1000*t),0)':s=48000:d=3"],
        *["-vf", f"drawbox=w=iw:h=ih:color=white:t=fill:enable='{flash}'"],
        *["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", source],
    )
    meta, out_dir = _process(tmp_path, source)
    out = out_dir / f"{meta['session']}.mp4"
    assert probe(out).fps == pytest.approx(30.0)
    container = open_container(out)
    try:
        frames = container.decode(video=0)
        video = ((float(f.time), float(f.to_ndarray(format="gray").mean())) for f in frames)
        t_video = _first_loud(video, 128)
    finally:
        container.close()
    container = open_container(out)
    try:
        audio = ((float(f.time), float(np.abs(f.to_ndarray()).max())) for f in container.decode(audio=0))
        t_audio = _first_loud(audio, 0.2)
    finally:
        container.close()
    assert abs(t_video - 1.5) <= 1 / 30 + 1e-6
    assert abs(t_video - t_audio) <= 1 / 30 + 1024 / 48000, (t_video, t_audio)  # one frame (+ one AAC frame)
