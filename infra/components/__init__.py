"""One construct per component: storage, processing, long videos, training, and the monitoring of all."""

from infra.components.long_videos import LongVideos
from infra.components.monitoring import Monitoring
from infra.components.processing import Processing
from infra.components.storage import Storage
from infra.components.training import Training

__all__ = ["LongVideos", "Monitoring", "Processing", "Storage", "Training"]
