"""What a run leaves in a local data dir, read back for assertions."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def read_metadata(data: Path, patient: str, session: str) -> dict[str, Any]:
    """A session's metadata (docs/design.md, "Session metadata") from ``data``'s videos folder."""
    path = data / "videos" / "annotated" / patient / f"{session}_metadata.json"
    return dict(json.loads(path.read_text()))
