"""OpenPose BODY_25: joint names, the MediaPipe→BODY_25 map, and the per-frame JSON file.

The contract is in docs/design.md, "Pose files".

Light on purpose (numpy only): features, the gate and the Lambdas read pose files without
importing MediaPipe.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np

__all__ = [
    "BODY25",
    "MP_TO_BODY25",
    "PARTS",
    "PoseFrame",
    "from_mediapipe",
    "pose_from_json",
    "pose_to_json",
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
_MIDPOINTS = {1: (11, 12), 8: (23, 24)}  # Neck: shoulders; MidHip: hips


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
    for slot, (a, b) in _MIDPOINTS.items():
        out[slot, :2] = (px[a, :2] + px[b, :2]) / 2.0
        out[slot, 2] = min(px[a, 2], px[b, 2])
    return out


@dataclass(frozen=True)
class PoseFrame:
    """One frame's BODY_25 pose. ``keypoints`` is (25, 3) or None when no person was detected.

    ``face`` (70, 3) and ``hand_left``/``hand_right`` (21, 3) are OpenPose's face and hand points
    (layouts: :mod:`voice.face_layout`): None when they were not looked for (face/hands off, or a
    file written before they existed), all zeros when looked for and not found.
    """

    frame: int
    time_s: float
    width: int
    height: int
    keypoints: np.ndarray | None
    face: np.ndarray | None = None
    hand_left: np.ndarray | None = None
    hand_right: np.ndarray | None = None


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


def pose_to_json(pose: PoseFrame, session: str) -> bytes:
    """The OpenPose-compatible file, byte-stable (rounded floats, sorted nothing, fixed order).

    Face and hand points go where OpenPose puts them (``face_keypoints_2d``: 210 values,
    ``hand_left_keypoints_2d``/``hand_right_keypoints_2d``: 63 each; ``[]`` when not looked for).
    """
    people = []
    if pose.keypoints is not None:
        person: dict[str, object] = {"person_id": [-1], "pose_keypoints_2d": _flat(pose.keypoints)}
        for attr, key, _ in PARTS:  # OpenPose writes [] for a part it did not look for
            person[key] = _flat(getattr(pose, attr))
        people.append(person)
    doc = {
        "version": 1.3,
        "people": people,
        "voice": {
            "session": session,
            "frame": pose.frame,
            "time_s": round(pose.time_s, 4),
            "width": pose.width,
            "height": pose.height,
        },
    }
    return json.dumps(doc, separators=(",", ":")).encode()


def pose_from_json(data: bytes | str) -> PoseFrame:
    """Read a pose file written by :func:`pose_to_json` (or a plain OpenPose file, less ``voice``)."""
    doc = json.loads(data)
    meta = doc.get("voice", {})
    people = doc.get("people") or []
    keypoints = None
    parts: dict[str, np.ndarray | None] = {}
    if people:
        flat = np.asarray(people[0]["pose_keypoints_2d"], dtype=np.float64)
        if flat.size != 75:
            raise ValueError(f"pose_keypoints_2d has {flat.size} values, expected 75")
        keypoints = flat.reshape(25, 3)
        parts = {attr: _part(people[0], key, n) for attr, key, n in PARTS}
    return PoseFrame(
        frame=int(meta.get("frame", 0)),
        time_s=float(meta.get("time_s", 0.0)),
        width=int(meta.get("width", 0)),
        height=int(meta.get("height", 0)),
        keypoints=keypoints,
        face=parts.get("face"),
        hand_left=parts.get("hand_left"),
        hand_right=parts.get("hand_right"),
    )
