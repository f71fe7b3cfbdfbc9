"""The whole pose track as one compact file: what a reader gets back, byte-stable, refused when
it is not one."""

from __future__ import annotations

import io
import zipfile

import numpy as np
import pytest

from tests.support.synthetic import standing
from voice.pose.body25 import Person, PoseFrame, pose_to_json
from voice.pose.track import PoseTrack
from voice.pose.track_file import TRACK_SCHEMA, TrackFormatError, decode_track, encode_track


def _noisy(points: np.ndarray, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    out = points + rng.normal(0, 3.3333, points.shape)
    out[:, 2] = rng.uniform(0, 1, len(points))
    return out


def _track() -> PoseTrack:
    """Two people; the patient (#0) with face and hands (one hand looked for and not found), the
    other without; a frame with nobody; a frame with people but no patient chosen; an untracked
    single pose (the legacy tracker's)."""
    frames = []
    for i in range(12):
        face = _noisy(np.tile(standing(200, 80)[:1], (70, 1)), i)
        left = _noisy(np.tile(standing(200, 80)[4:5], (21, 1)), 100 + i)
        patient = Person(0, _noisy(standing(200, 80), i), face, left, np.zeros((21, 3)))
        other = Person(3, _noisy(standing(420, 90), 50 + i))
        frames.append(PoseFrame(i * 5, i * 0.2, 640, 360, None, (other, patient)).with_patient(0))
    frames.append(PoseFrame(60, 2.4, 640, 360, None))  # nobody
    frames.append(PoseFrame(65, 2.6, 640, 360, None, (Person(3, standing(420, 90)),)))  # no patient chosen
    frames.append(PoseFrame(70, 2.8, 640, 360, standing(300, 80)))  # an untracked single pose
    return PoseTrack(frames)


def test_a_reader_gets_what_the_pose_files_of_the_same_frames_hold() -> None:
    track = _track()
    back = decode_track(encode_track(track))
    assert len(back.frames) == len(track.frames)
    for a, b in zip(track.frames, back.frames, strict=True):
        assert pose_to_json(b, "s") == pose_to_json(a, "s")
        assert (a.frame, a.time_s, a.width, a.height, a.patient_id) == (
            b.frame,
            b.time_s,
            b.width,
            b.height,
            b.patient_id,
        )
    patient = back.frames[0]
    assert patient.patient_id == 0
    assert [p.person_id for p in patient.people] == [0, 3]
    assert patient.face is not None
    assert patient.face.shape == (70, 3)
    assert patient.hand_right is not None
    assert not patient.hand_right.any(), "looked for, not found: zeros"
    assert back.frames[0].people[1].face is None, "not looked for: None"
    assert back.frames[12].keypoints is None
    assert back.frames[12].people == ()
    assert back.frames[13].patient_id is None
    assert back.frames[13].keypoints is None
    assert back.frames[14].people == ()
    assert back.frames[14].keypoints is not None
    assert (back.detected, back.faces, back.hands) == (track.detected, track.faces, track.hands)


def test_the_file_is_the_same_bytes_for_the_same_track_and_a_stored_track_reencodes_identically() -> None:
    data = encode_track(_track())
    assert encode_track(_track()) == data
    assert encode_track(decode_track(data)) == data
    assert encode_track(PoseTrack([])) == encode_track(PoseTrack([]))
    assert decode_track(encode_track(PoseTrack([]))).frames == []


def test_it_is_far_smaller_than_a_json_file_per_frame() -> None:
    track = _track()
    json_bytes = sum(len(pose_to_json(f, "s")) for f in track.frames)
    assert len(encode_track(track)) < json_bytes / 3


def _npz(**arrays: object) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, **arrays)  # type: ignore[arg-type]
    return buf.getvalue()


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"not a zip at all",
        _npz(schema=np.array("voice.track/0")),
        _npz(schema=np.array(TRACK_SCHEMA)),  # the schema, and nothing else
        _npz(schema=np.array(TRACK_SCHEMA), frame=np.array([{"x": 1}], dtype=object)),  # pickled objects
    ],
)
def test_anything_else_is_refused_with_a_clear_error(data: bytes) -> None:
    with pytest.raises(TrackFormatError):
        decode_track(data)


def test_the_file_is_a_zip_of_numpy_arrays_any_numpy_reads() -> None:
    data = encode_track(_track())
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        names = set(zf.namelist())
    assert {"schema.npy", "frame.npy", "time_s.npy", "patient_id.npy", "person_id.npy", "body.npy"} <= names
    with np.load(io.BytesIO(data), allow_pickle=False) as npz:
        assert str(npz["schema"]) == TRACK_SCHEMA
        assert npz["frame"].tolist() == [f.frame for f in _track().frames]
