"""What ``voice import`` and ``voice agreement`` print with ``--json`` (``docs/researchers.md``)."""

from __future__ import annotations

from typing import Final, Literal

from pydantic import Field

from voice.records.base import Record

__all__ = [
    "AGREEMENT_SCHEMA",
    "AgreementDoc",
    "Confirmation",
    "Disagreement",
    "ImportResult",
    "ImportedTier",
    "Interval95",
    "PairAgreement",
    "SourceRef",
]

AGREEMENT_SCHEMA: Final = "voice.agreement/1"


class ImportedTier(Record):
    """One coded tier imported into one session: labels added, already there (``unchanged``), and
    this coder's earlier imported labels the file no longer holds (``not_in_file``: their ids; they
    stay until someone rejects them)."""

    tier: str
    author: str
    session: str
    added: int
    unchanged: int
    not_in_file: list[str] = Field(default_factory=list)


class ImportResult(Record):
    """What an import did: the tiers imported, VOICE's own tiers left alone, and whether anything
    was written (False: the file holds nothing new)."""

    file: str
    tiers: list[ImportedTier]
    voice_tiers: list[str] = Field(default_factory=list)
    written: bool


class SourceRef(Record):
    """A label source: ``narration``, ``review``/``import`` with the person's name, or ``model``
    (out-of-fold predictions)."""

    source: str
    author: str

    @property
    def name(self) -> str:
        return self.source if self.source == self.author else f"{self.source}:{self.author}"


class Interval95(Record):
    """A 95 % bootstrap interval over sessions (percentiles of ``resamples`` resamples)."""

    low: float
    high: float
    resamples: int


class PairAgreement(Record):
    """Two independent sources on the 1-second bins both labelled: Cohen's kappa (None when it is
    undefined: one category only), observed agreement, bins, sessions; ``interval``: only with at
    least 5 shared sessions (``interval_note`` says why not otherwise); ``only_a``/``only_b``: bins
    one of them labelled and the other did not."""

    a: SourceRef
    b: SourceRef
    kappa: float | None
    observed: float | None
    bins: int
    sessions: int
    only_a: int
    only_b: int
    interval: Interval95 | None = None
    interval_note: str = ""


class Confirmation(Record):
    """The narration against a reviewer who saw it: how the reviewer's verdicts went (``counted``:
    an event the narration did not count, counted — a change), and the share confirmed among the
    narrated events they judged."""

    reviewer: SourceRef
    confirmed: int
    changed: int
    rejected: int
    added: int
    rate: float | None
    sessions: int


class Disagreement(Record):
    """A stretch of one session where two sources gave different emotions (seconds)."""

    session: str
    start: float
    end: float
    a: SourceRef
    b: SourceRef
    a_emotion: str
    b_emotion: str


class AgreementDoc(Record):
    """``voice agreement PATIENT --json``: every pair of sources on the sessions both cover."""

    schema_: Literal["voice.agreement/1"] = Field(AGREEMENT_SCHEMA, alias="schema")
    patient: str
    bin_s: float
    sessions: int
    sources: list[SourceRef]
    pairs: list[PairAgreement]
    confirmations: list[Confirmation]
    alpha: float | None = None
    alpha_sources: int = 0
    alpha_bins: int = 0
    model_run: str | None = None
    model_note: str = ""
    disagreements: list[Disagreement] = Field(default_factory=list)
