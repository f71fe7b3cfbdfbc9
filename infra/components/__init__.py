"""One construct per component: storage, processing, training."""

from infra.components.processing import Processing
from infra.components.storage import Storage
from infra.components.training import Training

__all__ = ["Processing", "Storage", "Training"]
