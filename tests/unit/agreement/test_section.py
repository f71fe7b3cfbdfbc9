"""What ``voice agreement`` prints and the report's section show."""

from __future__ import annotations

from voice.agreement.section import agreement_html, agreement_text
from voice.records.exchange import AgreementDoc, Confirmation, Disagreement, PairAgreement, SourceRef

NARRATION = SourceRef(source="narration", author="narration")
BEN = SourceRef(source="import", author="ben")
DOC = AgreementDoc(
    patient="maria",
    bin_s=1.0,
    sessions=1,
    sources=[NARRATION, BEN],
    pairs=[
        PairAgreement(
            a=NARRATION, b=BEN, kappa=0.5, observed=0.6667, bins=6, sessions=1, only_a=0, only_b=0,
            interval_note="no interval: 1 shared session(s), an interval needs 5",
        )
    ],
    confirmations=[
        Confirmation(reviewer=SourceRef(source="review", author="anna"), confirmed=1, changed=1, rejected=1,
                     added=1, rate=1 / 3, sessions=1)
    ],
    model_note="no training run with out-of-fold predictions yet",
    disagreements=[Disagreement(session="visit", start=6, end=8, a=NARRATION, b=BEN, a_emotion="sadness",
                                b_emotion="anger")],
)  # fmt: skip


def test_the_text_names_each_pair_the_confirmation_rate_and_the_disagreements() -> None:
    text = agreement_text(DOC)
    assert "narration vs import:ben: kappa 0.50, observed 0.67, 6 bins, 1 session(s); no interval" in text
    assert (
        "narration vs review:anna (saw it): 1 confirmed, 1 changed, 1 rejected, 1 added; "
        "confirmation rate 0.33" in text
    )
    assert "visit     6.0–    8.0 s  narration: sadness  import:ben: anger" in text


def test_the_section_is_tables_without_unescaped_text() -> None:
    html = agreement_html(DOC.model_copy(update={"model_note": "<b>x</b>"}))
    assert "<td>0.50</td>" in html
    assert "<td>0.33</td>" in html
    assert "&lt;b&gt;" in html
    empty = AgreementDoc(patient="p", bin_s=1.0, sessions=0, sources=[], pairs=[], confirmations=[])
    assert "No two sources" in agreement_html(empty)
