"""OpenPose face (70 points) and hand (21 points) layouts, and the MediaPipe face-mesh index table.

Light on purpose (numpy only), like :mod:`voice.pose.body25`: features and pose files use it without
importing MediaPipe.

**Face, 70 points.** OpenPose's face output is the 68-point iBUG/dlib layout plus the two pupils.
"Right"/"left" are the person's own (for a person facing the camera, their right eye is on the
image's left), as in BODY_25:

====== ================================================ =====================================
index  OpenPose points                                  MediaPipe face-mesh indices (468/478)
====== ================================================ =====================================
0–16   jaw contour, person's right ear → chin (8) → left 127 234 93 132 58 172 136 150 *152*
                                                         379 365 397 288 361 323 454 356
17–21  right eyebrow, outer → inner                     70 63 105 66 107
22–26  left eyebrow, inner → outer                      336 296 334 293 300
27–30  nose bridge, top → tip                           168 197 5 4
31–35  nose base, right → left (33 = below the tip)     98 97 2 326 327
36–41  right eye: outer corner, 2 upper, inner corner,  33 160 158 133 153 144
       2 lower
42–47  left eye: inner corner, 2 upper, outer corner,   362 385 387 263 373 380
       2 lower
48–59  outer lips: right corner, 5 upper, left corner   61 40 37 0 267 270 291 321 314 17 84 91
       (54), 5 lower back to the right
60–67  inner lips: right corner, 3 upper, left corner   78 81 13 311 308 402 14 178
       (64), 3 lower
68     right pupil                                      468 (iris centre) or mean of 36–41
69     left pupil                                       473 (iris centre) or mean of 42–47
====== ================================================ =====================================

The mesh indices are symmetric pairs (e.g. 61↔291, 33↔263, 127↔356). With the 468-point mesh
(no iris refinement) a pupil is the mean of its eye's six contour points.

**Hand, 21 points.** MediaPipe's hand topology is OpenPose's: 0 wrist, then four points per
finger from the base to the tip: thumb 1–4, index 5–8, middle 9–12, ring 13–16, little 17–20.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "FACE70",
    "FACE_MESH_TO_FACE70",
    "HAND21",
    "IRIS_CENTERS",
    "face70_from_mesh",
]

#: Face point names, OpenPose order.
FACE70: tuple[str, ...] = (
    *(f"Jaw{i}" for i in range(17)),
    *(f"RBrow{i}" for i in range(5)),
    *(f"LBrow{i}" for i in range(5)),
    *(f"NoseBridge{i}" for i in range(4)),
    *(f"NoseBase{i}" for i in range(5)),
    *(f"REye{i}" for i in range(6)),
    *(f"LEye{i}" for i in range(6)),
    *(f"OuterLip{i}" for i in range(12)),
    *(f"InnerLip{i}" for i in range(8)),
    "RPupil",
    "LPupil",
)

#: Face point 0–67 → MediaPipe face-mesh landmark (see the module docstring's table).
FACE_MESH_TO_FACE70: tuple[int, ...] = (
    127, 234, 93, 132, 58, 172, 136, 150, 152, 379, 365, 397, 288, 361, 323, 454, 356,  # jaw
    70, 63, 105, 66, 107,  # right eyebrow
    336, 296, 334, 293, 300,  # left eyebrow
    168, 197, 5, 4,  # nose bridge
    98, 97, 2, 326, 327,  # nose base
    33, 160, 158, 133, 153, 144,  # right eye
    362, 385, 387, 263, 373, 380,  # left eye
    61, 40, 37, 0, 267, 270, 291, 321, 314, 17, 84, 91,  # outer lips
    78, 81, 13, 311, 308, 402, 14, 178,  # inner lips
)  # fmt: skip

#: Iris centres of the refined (478-point) mesh: right pupil, left pupil.
IRIS_CENTERS: tuple[int, int] = (468, 473)

#: Hand point names (MediaPipe's and OpenPose's order).
HAND21: tuple[str, ...] = (
    "Wrist",
    *(
        f"{finger}{joint}"
        for finger in ("Thumb", "Index", "Middle", "Ring", "Little")
        for joint in range(1, 5)
    ),
)

_R_EYE = slice(36, 42)
_L_EYE = slice(42, 48)


def face70_from_mesh(mesh: np.ndarray, confidence: float = 1.0) -> np.ndarray:
    """Face-mesh landmarks in pixels ((468|478, ≥2)) → OpenPose face (70, 3) [x px, y px, confidence]."""
    if mesh.ndim != 2 or mesh.shape[0] not in (468, 478) or mesh.shape[1] < 2:
        raise ValueError(f"expected 468 or 478 face-mesh landmarks, got {mesh.shape}")
    out = np.zeros((70, 3), dtype=np.float64)
    out[:68, :2] = mesh[list(FACE_MESH_TO_FACE70), :2]
    if mesh.shape[0] == 478:
        out[68, :2] = mesh[IRIS_CENTERS[0], :2]
        out[69, :2] = mesh[IRIS_CENTERS[1], :2]
    else:
        out[68, :2] = out[_R_EYE, :2].mean(axis=0)
        out[69, :2] = out[_L_EYE, :2].mean(axis=0)
    out[:, 2] = confidence
    return out
