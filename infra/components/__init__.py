"""One construct per component: storage, processing, training, and the monitoring of all three."""

from infra.components.monitoring import Monitoring
from infra.components.processing import Processing
from infra.components.storage import Storage
from infra.components.training import Training

__all__ = ["Monitoring", "Processing", "Storage", "Training"]
