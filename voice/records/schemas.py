"""JSON Schemas of the records people and other programs read, exported to ``docs/schemas/``.

``python -m voice.records.schemas`` writes them; ``--check`` fails when a file is out of date (a
test runs it, so a changed record changes its schema file in the same commit).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from pydantic import BaseModel

from voice.records.exchange import AgreementDoc
from voice.records.failure import FailureRecord
from voice.records.labels import SessionLabels
from voice.records.passport import SampleFeatures
from voice.records.reviews import ReviewsDoc
from voice.records.session import SessionIndex, SessionMetadata
from voice.records.training import OutOfFold, TrainingMetrics

__all__ = ["SCHEMAS", "main", "schema_text"]

#: File stem in ``docs/schemas/`` → the record.
SCHEMAS: dict[str, type[BaseModel]] = {
    "session-metadata": SessionMetadata,
    "session-index": SessionIndex,
    "failure-record": FailureRecord,
    "training-metrics": TrainingMetrics,
    "reviews": ReviewsDoc,
    "session-labels": SessionLabels,
    "out-of-fold": OutOfFold,
    "sample-features": SampleFeatures,
    "agreement": AgreementDoc,
}


def schema_text(model: type[BaseModel]) -> str:
    """The record's JSON Schema as its file holds it (the JSON names, as written)."""
    schema = model.model_json_schema(by_alias=True, mode="serialization")
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("docs/schemas"))
    parser.add_argument("--check", action="store_true", help="fail if a file differs; write nothing")
    args = parser.parse_args(argv)
    stale = []
    for stem, model in SCHEMAS.items():
        path = args.out / f"{stem}.schema.json"
        text = schema_text(model)
        if args.check:
            if not path.exists() or path.read_text() != text:
                stale.append(str(path))
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    if stale:
        print("out of date (run python -m voice.records.schemas): " + ", ".join(stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
