"""One construct per component: storage, processing, long videos, labels, training, and the monitoring
of all."""

from infra.components.labels import Labels
from infra.components.long_videos import LongVideos
from infra.components.monitoring import Monitoring
from infra.components.processing import Processing
from infra.components.storage import Storage
from infra.components.training import Training

__all__ = ["Labels", "LongVideos", "Monitoring", "Processing", "Storage", "Training"]
