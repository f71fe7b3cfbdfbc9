"""``voice agreement PATIENT [--json]``, and the report's section (the CLI passes it to the report)."""

from __future__ import annotations

import argparse
import logging
from html import escape
from typing import Any

from pydantic import ValidationError

from voice.agreement import disagreements as _registers_people_disagree  # noqa: F401 (the provider)
from voice.agreement.patient import patient_agreement
from voice.agreement.section import agreement_html, agreement_text
from voice.config import Settings
from voice.errors import VoiceError
from voice.storage import Store

__all__ = ["add_agreement_parser", "report_section", "run_agreement"]

log = logging.getLogger("voice")


def add_agreement_parser(sub: Any, common: argparse.ArgumentParser) -> Any:
    p = sub.add_parser(
        "agreement",
        parents=[common],
        help="how far narration, reviewers, imported coders and the model agree",
    )
    p.add_argument("patient", metavar="PATIENT")
    return p


def run_agreement(args: argparse.Namespace, store: Store, settings: Settings) -> tuple[Any, str]:
    doc = patient_agreement(store, args.patient, settings=settings)
    return doc.json_doc(), agreement_text(doc)


def report_section(store: Store, patient: str, settings: Settings) -> tuple[str, str]:
    """("Agreement", its HTML) for the patient report."""
    try:
        return "Agreement", agreement_html(patient_agreement(store, patient, settings=settings))
    except (VoiceError, ValidationError) as exc:  # no labels API view of this patient: still a report
        log.warning("the report's agreement section is left out: %s", type(exc).__name__)
        return "Agreement", f"<p>No agreement: {escape(str(exc).splitlines()[0])}</p>"
