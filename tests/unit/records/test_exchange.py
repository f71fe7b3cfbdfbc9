"""The import and agreement records: names of sources, the agreement document's schema tag."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from voice.records.exchange import AgreementDoc, ImportResult, SourceRef


def test_a_source_is_named_by_kind_and_person() -> None:
    assert SourceRef(source="narration", author="narration").name == "narration"
    assert SourceRef(source="import", author="ben").name == "import:ben"


def test_the_agreement_document_is_tagged_and_strict() -> None:
    doc = AgreementDoc(patient="p", bin_s=1.0, sessions=0, sources=[], pairs=[], confirmations=[])
    assert doc.json_doc()["schema"] == "voice.agreement/1"
    with pytest.raises(ValidationError):
        ImportResult.model_validate({"file": "x.eaf", "tiers": [], "written": False, "extra": 1})
