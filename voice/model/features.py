"""The model's feature row: body, face and hand features side by side, in named groups.

:data:`FEATURE_NAMES` is every column the patient model sees, :data:`FEATURE_GROUPS` says which
group each belongs to (the report and ``metrics.json`` use it to show what each group adds).
The groups live in :mod:`voice.model.body_features` (body), :mod:`voice.model.face_features` and
:mod:`voice.model.hand_features`; every name is documented in docs/features.md.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from voice.model.body_features import FEATURE_NAMES as BODY_FEATURE_NAMES
from voice.model.body_features import MIN_CONFIDENCE
from voice.model.body_features import extract_features as extract_body_features
from voice.model.face_features import FACE_FEATURE_NAMES, extract_face_features
from voice.model.hand_features import HAND_FEATURE_NAMES, extract_hand_features
from voice.pose.body25 import PoseFrame

__all__ = ["FEATURE_GROUPS", "FEATURE_NAMES", "extract_feature_matrix", "extract_features", "group_of"]

#: Group name → its feature names, in column order.
FEATURE_GROUPS: dict[str, tuple[str, ...]] = {
    "body": BODY_FEATURE_NAMES,
    "face": FACE_FEATURE_NAMES,
    "hands": HAND_FEATURE_NAMES,
}
#: Every column of :func:`extract_features`, in order.
FEATURE_NAMES: tuple[str, ...] = tuple(name for names in FEATURE_GROUPS.values() for name in names)
_GROUP = {name: group for group, names in FEATURE_GROUPS.items() for name in names}


def group_of(name: str) -> str:
    """The group of a feature name (``body``, ``face`` or ``hands``)."""
    return _GROUP[name]


def extract_features(frames: Sequence[PoseFrame], *, min_confidence: float = MIN_CONFIDENCE) -> np.ndarray:
    """The full feature row of one sample, aligned with :data:`FEATURE_NAMES`."""
    return np.concatenate(
        [
            extract_body_features(frames, min_confidence=min_confidence),
            extract_face_features(frames, min_confidence=min_confidence),
            extract_hand_features(frames, min_confidence=min_confidence),
        ]
    )


def extract_feature_matrix(
    samples: Sequence[Sequence[PoseFrame]], *, min_confidence: float = MIN_CONFIDENCE
) -> np.ndarray:
    """Features of many samples: an (n, len(FEATURE_NAMES)) matrix, NaN where a feature has no data."""
    matrix = np.full((len(samples), len(FEATURE_NAMES)), np.nan)
    for i, frames in enumerate(samples):
        matrix[i] = extract_features(frames, min_confidence=min_confidence)
    return matrix
