"""OpenPose's face (70) and hand (21) layouts, and the face-mesh → OpenPose index table."""

from __future__ import annotations

import numpy as np

from voice.pose.face_layout import FACE70, FACE_MESH_TO_FACE70, HAND21, face70_from_mesh


def test_the_index_table_is_complete_and_symmetric() -> None:
    assert len(FACE70) == 70
    assert len(FACE_MESH_TO_FACE70) == 68
    assert len(HAND21) == 21
    assert len(set(FACE_MESH_TO_FACE70)) == 68
    # the mesh's symmetric pairs land on OpenPose's mirrored points
    pairs = {61: 291, 33: 263, 127: 356, 70: 300, 133: 362, 98: 327, 40: 270, 78: 308}
    slot = {m: i for i, m in enumerate(FACE_MESH_TO_FACE70)}
    mirror = {0: 16, 36: 45, 48: 54, 17: 26, 39: 42, 31: 35, 49: 53, 60: 64}
    for a, b in pairs.items():
        assert mirror.get(slot[a]) == slot[b] or mirror.get(slot[b]) == slot[a], (a, b)
    mesh = np.random.default_rng(0).uniform(0, 100, (468, 2))
    face = face70_from_mesh(mesh)
    np.testing.assert_allclose(face[68, :2], face[36:42, :2].mean(axis=0))  # pupil without irises
    refined = np.vstack([mesh, np.full((10, 2), 7.0)])
    assert face70_from_mesh(refined)[69, :2].tolist() == [7.0, 7.0]
