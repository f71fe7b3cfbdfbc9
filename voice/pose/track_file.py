"""The session's whole pose track as one compact file (``docs/design.md``, "Pose track file").

Every sampled frame's people — track id, the patient flag, BODY_25, face 70 and hands 21×2 with
their confidences — in one ``.npz`` (numpy's zip of arrays, deflated; read with
``allow_pickle=False``, so a file can hold numbers and nothing else). Columnar: one array per
field over all frames, people flattened frame after frame. Values are stored as integers in
thousandths (the pose files' 3 decimals), byte-planes shuffled so deflate finds the repetition
in the high bytes: a reader gets exactly what a pose file of the same frame holds, and samples
written from a stored track are byte-identical whenever they are written again. Light on purpose
(numpy only): the derivation of samples and the training image read it.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence

import numpy as np

from voice.pose.body25 import Person, PoseFrame
from voice.pose.track import PoseTrack

__all__ = ["TRACK_SCHEMA", "TrackFormatError", "decode_track", "encode_track"]

TRACK_SCHEMA = "voice.track/1"
#: ``patient_id`` of a frame without a chosen patient (a track id is ≥ -1: -1 is "untracked").
_NO_PATIENT = np.iinfo(np.int32).min
#: Values are stored in thousandths: pixels and confidences to 3 decimals, as the pose files hold them.
_SCALE = 1000.0
_PARTS: tuple[tuple[str, int], ...] = (("face", 70), ("hand_left", 21), ("hand_right", 21))


class TrackFormatError(ValueError):
    """The bytes are not a pose track file this version reads."""


def _milli(points: np.ndarray) -> np.ndarray:
    return np.rint(np.nan_to_num(np.asarray(points, dtype=np.float64)) * _SCALE).astype(np.int32)


def _shuffled(values: np.ndarray) -> np.ndarray:
    """The int32 values' bytes, plane by plane (all first bytes, then all second bytes, ...)."""
    planes = np.ascontiguousarray(values, dtype="<i4").reshape(-1).view(np.uint8).reshape(-1, 4)
    return np.ascontiguousarray(planes.T).reshape(-1)


def _unshuffled(data: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    planes = np.asarray(data, dtype=np.uint8).reshape(4, -1)
    return np.ascontiguousarray(planes.T).reshape(-1).view("<i4").reshape(shape)


def _people_of(frame: PoseFrame) -> tuple[tuple[Person, ...], int | None]:
    """A frame's people; an untracked single pose (no people) is stored as person -1, the patient."""
    if not frame.people and frame.keypoints is not None:
        person = Person(-1, frame.keypoints, frame.face, frame.hand_left, frame.hand_right)
        return (person,), -1
    return tuple(sorted(frame.people, key=lambda p: p.person_id)), frame.patient_id


def encode_track(track: PoseTrack) -> bytes:
    """The track as the bytes of its file (deterministic: same track, same bytes)."""
    frames = track.frames
    per_frame = [_people_of(f) for f in frames]
    people = [p for ps, _ in per_frame for p in ps]
    arrays: dict[str, np.ndarray] = {
        "schema": np.array(TRACK_SCHEMA),
        "frame": np.array([f.frame for f in frames], dtype=np.int32),
        "time_s": np.array([f.time_s for f in frames], dtype=np.float64),
        "size": np.array([(f.width, f.height) for f in frames], dtype=np.int32).reshape(-1, 2),
        "patient_id": np.array([_NO_PATIENT if pid is None else pid for _, pid in per_frame], dtype=np.int32),
        "people": np.array([len(ps) for ps, _ in per_frame], dtype=np.int32),
        "person_id": np.array([p.person_id for p in people], dtype=np.int32),
        "body": _shuffled(_milli(np.array([p.keypoints for p in people]).reshape(-1, 25, 3))),
    }
    for name, n in _PARTS:
        found = [getattr(p, name) for p in people]
        rows = np.cumsum([part is not None for part in found], dtype=np.int32) - 1
        arrays[f"{name}_row"] = np.where([part is not None for part in found], rows, -1).astype(np.int32)
        points = np.array([part for part in found if part is not None]).reshape(-1, n, 3)
        arrays[name] = _shuffled(_milli(points))
    buf = io.BytesIO()
    # Fixed member times: np.savez_compressed would stamp the current time into the zip.
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for name, array in arrays.items():
            member = io.BytesIO()
            np.lib.format.write_array(member, array, allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, member.getvalue(), compresslevel=9)
    return buf.getvalue()


def _points(values: np.ndarray, n: int, count: int) -> np.ndarray:
    return _unshuffled(values, (count, n, 3)).astype(np.float64) / _SCALE


def _part_rows(arrays: dict[str, np.ndarray], name: str, n: int) -> tuple[np.ndarray, np.ndarray]:
    rows = arrays[f"{name}_row"]
    count = int((rows >= 0).sum())
    return rows, _points(arrays[name], n, count)


def _load(data: bytes) -> dict[str, np.ndarray]:
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as npz:
            arrays = {name: npz[name] for name in npz.files}
    except (ValueError, OSError, zipfile.BadZipFile, EOFError) as exc:
        raise TrackFormatError(f"not a pose track file ({type(exc).__name__}).") from exc
    if "schema" not in arrays or str(arrays["schema"]) != TRACK_SCHEMA:
        raise TrackFormatError(f"not a {TRACK_SCHEMA} pose track file.")
    return arrays


def _frame(a: dict[str, np.ndarray], i: int, people: Sequence[Person], patient_id: int | None) -> PoseFrame:
    width, height = (int(v) for v in a["size"][i])
    base = PoseFrame(int(a["frame"][i]), float(a["time_s"][i]), width, height, None)
    if patient_id == -1 and len(people) == 1 and people[0].person_id == -1:  # an untracked single pose
        p = people[0]
        return PoseFrame(
            base.frame, base.time_s, width, height, p.keypoints, (), None, p.face, p.hand_left, p.hand_right
        )
    framed = PoseFrame(base.frame, base.time_s, width, height, None, tuple(people), patient_id)
    return framed.with_patient(patient_id) if patient_id is not None else framed


def decode_track(data: bytes) -> PoseTrack:
    """Read a file written by :func:`encode_track`; :class:`TrackFormatError` if it is not one."""
    a = _load(data)
    try:
        n_people = int(a["people"].sum())
        body = _points(a["body"], 25, n_people)
        parts = {name: _part_rows(a, name, n) for name, n in _PARTS}
        persons: list[Person] = []
        for j in range(n_people):
            found = [None if rows[j] < 0 else points[rows[j]] for rows, points in parts.values()]
            persons.append(Person(int(a["person_id"][j]), body[j], *found))
        frames, start = [], 0
        for i, count in enumerate(a["people"].tolist()):
            pid = int(a["patient_id"][i])
            frames.append(_frame(a, i, persons[start : start + count], None if pid == _NO_PATIENT else pid))
            start += count
    except (KeyError, IndexError, ValueError) as exc:
        raise TrackFormatError(f"the pose track file is inconsistent ({type(exc).__name__}).") from exc
    return PoseTrack(frames)
