"""Body and face/hands in two stages on two cores: on a real sample, the track one thread gives."""

from __future__ import annotations

import pytest

from tests.support.media import sample
from voice.config import Settings
from voice.media.frames import frame_plans, iter_frames
from voice.media.probe import probe
from voice.people.estimator import track_people
from voice.people.patient import PatientChooser
from voice.pose.track import PoseTrack

pytestmark = pytest.mark.slow


def _track(name: str, threads: int) -> tuple[PoseTrack, int]:
    video = sample(name)
    info = probe(video)
    _, plan = frame_plans(info, Settings())
    settings = Settings(pose_threads=threads)
    track = PoseTrack([])
    chooser = PatientChooser((info.width, info.height))
    frames = iter_frames(video, plan)
    passed = sum(1 for _ in track_people(frames, track, chooser, stride=plan.pose_every, settings=settings))
    return track, passed


@pytest.mark.parametrize("name", ["story.mp4", "IMG_0412.MOV"])
def test_two_stages_give_the_track_of_one_frame_for_frame(name: str) -> None:
    one, passed_one = _track(name, 1)
    two, passed_two = _track(name, 2)
    assert passed_one == passed_two
    assert len(one.frames) == len(two.frames) > 10
    hands = 0
    for a, b in zip(one.frames, two.frames, strict=True):
        assert (a.frame, a.patient_id) == (b.frame, b.patient_id)
        assert [p.person_id for p in a.people] == [p.person_id for p in b.people]
        for pa, pb in zip(a.people, b.people, strict=True):
            assert (pa.keypoints == pb.keypoints).all(), a.frame
        for part in ("face", "hand_left", "hand_right"):
            x, y = getattr(a, part), getattr(b, part)
            assert (x is None) == (y is None), (a.frame, part)
            if x is not None and y is not None:
                assert (x == y).all(), (a.frame, part)
                hands += part != "face"
    assert hands > 0, "the face/hands stage ran"
