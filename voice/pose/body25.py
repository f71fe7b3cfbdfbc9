"""OpenPose BODY_25: joint names, the MediaPipe→BODY_25 map, and the per-frame JSON file.

The contract is in docs/design.md, "Pose files".

Light on purpose (numpy only): features, the gate and the Lambdas read pose files without
importing MediaPipe.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace

import numpy as np

__all__ = [
    "BODY25",
    "BODY25_MIDPOINTS",
    "MP_TO_BODY25",
    "PARTS",
    "Person",
    "PoseFrame",
    "from_mediapipe",
    "pose_from_json",
    "pose_to_json",
    "with_midpoints",
]

BODY25: tuple[str, ...] = (
    "Nose", "Neck", "RShoulder", "RElbow", "RWrist", "LShoulder", "LElbow", "LWrist",
    "MidHip", "RHip", "RKnee", "RAnkle", "LHip", "LKnee", "LAnkle", "REye", "LEye",
    "REar", "LEar", "LBigToe", "LSmallToe", "LHeel", "RBigToe", "RSmallToe", "RHeel",
)  # fmt: skip

#: BODY_25 slot → MediaPipe landmark index. Left/right are the person's own in both.
#: Neck (1) and MidHip (8) are midpoints; the small toes (20, 23) have no MediaPipe landmark.
MP_TO_BODY25: dict[int, int] = {
    0: 0,  # Nose
    2: 12,  # RShoulder
    3: 14,  # RElbow
    4: 16,  # RWrist
    5: 11,  # LShoulder
    6: 13,  # LElbow
    7: 15,  # LWrist
    9: 24,  # RHip
    10: 26,  # RKnee
    11: 28,  # RAnkle
    12: 23,  # LHip
    13: 25,  # LKnee
    14: 27,  # LAnkle
    15: 5,  # REye
    16: 2,  # LEye
    17: 8,  # REar
    18: 7,  # LEar
    19: 31,  # LBigToe (foot_index)
    21: 29,  # LHeel
    22: 32,  # RBigToe (foot_index)
    24: 30,  # RHeel
}


#: BODY_25 slots that are midpoints of two others: Neck of the shoulders, MidHip of the hips.
BODY25_MIDPOINTS: dict[int, tuple[int, int]] = {1: (2, 5), 8: (9, 12)}


def with_midpoints(keypoints: np.ndarray) -> np.ndarray:
    """``keypoints`` with Neck and MidHip set again from the joints they are the midpoints of
    (after anything that moves joints one by one, such as smoothing)."""
    out = keypoints.copy()
    for slot, (a, b) in BODY25_MIDPOINTS.items():
        out[slot, :2] = (out[a, :2] + out[b, :2]) / 2.0
        out[slot, 2] = min(out[a, 2], out[b, 2])
    return out


def from_mediapipe(landmarks: np.ndarray, width: int, height: int) -> np.ndarray:
    """MediaPipe (33, 3) [x, y normalised; visibility] → BODY_25 (25, 3) [x px, y px, confidence]."""
    if landmarks.shape != (33, 3):
        raise ValueError(f"expected 33×3 landmarks, got {landmarks.shape}")
    px = np.empty((33, 3), dtype=np.float64)
    px[:, 0] = landmarks[:, 0] * width
    px[:, 1] = landmarks[:, 1] * height
    px[:, 2] = np.clip(landmarks[:, 2], 0.0, 1.0)
    out = np.zeros((25, 3), dtype=np.float64)
    for slot, mp_index in MP_TO_BODY25.items():
        out[slot] = px[mp_index]
    return with_midpoints(out)


@dataclass(frozen=True)
class Person:
    """One person in one frame: the track id (``person_id``, -1 when untracked) and BODY_25.

    ``face`` (70, 3) and ``hand_left``/``hand_right`` (21, 3) are OpenPose's face and hand points
    (layouts: :mod:`voice.pose.face_layout`): None when they were not looked for (face and hands are
    looked for on the patient only, or were off), all zeros when looked for and not found.
    """

    person_id: int
    keypoints: np.ndarray
    face: np.ndarray | None = None
    hand_left: np.ndarray | None = None
    hand_right: np.ndarray | None = None


@dataclass(frozen=True)
class PoseFrame:
    """One frame's poses.

    ``keypoints`` is the patient's BODY_25 (25, 3), or None when the patient is not in this frame
    (or no patient is chosen); ``people`` is everyone detected, the patient included, and
    ``patient_id`` the patient's track id (None when no patient is chosen). ``face``,
    ``hand_left`` and ``hand_right`` are the patient's (see :class:`Person`).
    """

    frame: int
    time_s: float
    width: int
    height: int
    keypoints: np.ndarray | None
    people: tuple[Person, ...] = ()
    patient_id: int | None = None
    face: np.ndarray | None = None
    hand_left: np.ndarray | None = None
    hand_right: np.ndarray | None = None

    def with_patient(self, patient_id: int | None) -> PoseFrame:
        """This frame with ``patient_id`` as the patient (its body, face and hands, if here)."""
        person = next((p for p in self.people if p.person_id == patient_id), None)
        if person is None:
            return replace(
                self, keypoints=None, patient_id=patient_id, face=None, hand_left=None, hand_right=None
            )
        return replace(
            self,
            keypoints=person.keypoints,
            patient_id=patient_id,
            face=person.face,
            hand_left=person.hand_left,
            hand_right=person.hand_right,
        )

    def patient_only(self) -> PoseFrame:
        """This frame with the patient as the only person (what a training sample holds)."""
        kept = tuple(p for p in self.people if p.person_id == self.patient_id and self.keypoints is not None)
        return replace(self, people=kept)

    def with_patient_parts(
        self, face: np.ndarray | None, hand_left: np.ndarray | None, hand_right: np.ndarray | None
    ) -> PoseFrame:
        """This frame with the patient's face and hands found (on the frame and on its person)."""
        people = tuple(
            replace(p, face=face, hand_left=hand_left, hand_right=hand_right)
            if p.person_id == self.patient_id
            else p
            for p in self.people
        )
        return replace(self, people=people, face=face, hand_left=hand_left, hand_right=hand_right)


#: OpenPose's part keys in a person entry, with their point counts.
PARTS: tuple[tuple[str, str, int], ...] = (
    ("face", "face_keypoints_2d", 70),
    ("hand_left", "hand_left_keypoints_2d", 21),
    ("hand_right", "hand_right_keypoints_2d", 21),
)


def _flat(points: np.ndarray | None) -> list[float]:
    return [] if points is None else [round(float(v), 3) for v in np.asarray(points).reshape(-1)]


def _part(person: dict[str, object], key: str, n: int) -> np.ndarray | None:
    flat = np.asarray(person.get(key) or [], dtype=np.float64)
    if flat.size == 0:
        return None
    if flat.size != 3 * n:
        raise ValueError(f"{key} has {flat.size} values, expected {3 * n}")
    return flat.reshape(n, 3)


def _entry(person_id: int, keypoints: np.ndarray, parts: object) -> dict[str, object]:
    entry: dict[str, object] = {"person_id": [person_id], "pose_keypoints_2d": _flat(keypoints)}
    for attr, key, _ in PARTS:  # OpenPose writes [] for a part it did not look for
        entry[key] = _flat(getattr(parts, attr))
    return entry


def pose_to_json(pose: PoseFrame, session: str) -> bytes:
    """The OpenPose-compatible file, byte-stable (rounded floats, people by id, fixed order).

    Every person is listed with ``person_id`` = their track id; the patient carries
    ``"patient": true`` and ``voice.patient_id`` names it (null: nobody was chosen). A frame
    without tracked people but with keypoints is written as one person with id -1. Face and hand
    points go where OpenPose puts them (``face_keypoints_2d``: 210 values,
    ``hand_left_keypoints_2d``/``hand_right_keypoints_2d``: 63 each; ``[]`` when not looked for).
    """
    people: list[dict[str, object]] = []
    if pose.people:
        for p in sorted(pose.people, key=lambda p: p.person_id):
            people.append({**_entry(p.person_id, p.keypoints, p), "patient": p.person_id == pose.patient_id})
    elif pose.keypoints is not None:
        people.append(_entry(-1, pose.keypoints, pose))
    meta: dict[str, object] = {
        "session": session,
        "frame": pose.frame,
        "time_s": round(pose.time_s, 4),
        "width": pose.width,
        "height": pose.height,
    }
    if pose.people:
        meta["patient_id"] = pose.patient_id
    doc = {"version": 1.3, "people": people, "voice": meta}
    return json.dumps(doc, separators=(",", ":")).encode()


def _keypoints(person: dict[str, object]) -> np.ndarray:
    flat = np.asarray(person["pose_keypoints_2d"], dtype=np.float64)
    if flat.size != 75:
        raise ValueError(f"pose_keypoints_2d has {flat.size} values, expected 75")
    return flat.reshape(25, 3)


def _person(entry: dict[str, object]) -> Person:
    ids = entry.get("person_id")
    person_id = int(ids[0]) if isinstance(ids, list) and ids else -1
    face, left, right = (_part(entry, key, n) for _attr, key, n in PARTS)
    return Person(person_id, _keypoints(entry), face, left, right)


def pose_from_json(data: bytes | str) -> PoseFrame:
    """Read a pose file written by :func:`pose_to_json` (or a plain OpenPose file, less ``voice``).

    The patient is the person ``voice.patient_id`` names; a file without that field (older
    VOICE files, plain OpenPose) has its first person as the patient.
    """
    doc = json.loads(data)
    meta = doc.get("voice", {})
    people = tuple(_person(p) for p in doc.get("people") or [])
    if "patient_id" in meta:
        patient_id = None if meta["patient_id"] is None else int(meta["patient_id"])
    else:  # one untracked person (older VOICE files) stays untracked; else the first is the patient
        patient_id = people[0].person_id if people else None
    patient = next((p for p in people if p.person_id == patient_id), None)
    if "patient_id" not in meta and len(people) == 1 and patient_id == -1:
        people, patient_id = (), None
    return PoseFrame(
        frame=int(meta.get("frame", 0)),
        time_s=float(meta.get("time_s", 0.0)),
        width=int(meta.get("width", 0)),
        height=int(meta.get("height", 0)),
        keypoints=None if patient is None else patient.keypoints,
        people=people,
        patient_id=patient_id,
        face=None if patient is None else patient.face,
        hand_left=None if patient is None else patient.hand_left,
        hand_right=None if patient is None else patient.hand_right,
    )
