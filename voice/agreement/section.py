"""The patient report's "Agreement" section, and the text ``voice agreement`` prints."""

from __future__ import annotations

from html import escape

from voice.records.exchange import AgreementDoc, PairAgreement

__all__ = ["agreement_html", "agreement_text"]


def _num(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def _pair_cells(p: PairAgreement) -> list[str]:
    interval = p.interval_note if p.interval is None else f"{p.interval.low:.2f} to {p.interval.high:.2f}"
    return [p.a.name, p.b.name, _num(p.kappa), _num(p.observed), str(p.bins), str(p.sessions), interval]


_PAIR_HEAD = ["source", "source", "kappa", "observed", "bins", "sessions", "95 % interval"]


def agreement_text(doc: AgreementDoc, *, disagreements: int = 20) -> str:
    """For a terminal: the pairs, the confirmation rates, alpha, the first disagreements."""
    lines = [f"{doc.patient}: {doc.sessions} session(s), {doc.bin_s:g}-s bins; model: {doc.model_note}"]
    if not doc.pairs and not doc.confirmations:
        lines.append("no two sources labelled the same session yet.")
    for p in doc.pairs:
        cells = _pair_cells(p)
        lines.append(
            f"  {cells[0]} vs {cells[1]}: kappa {cells[2]}, observed {cells[3]}, {cells[4]} bins, "
            f"{cells[5]} session(s); {cells[6]}"
        )
    for c in doc.confirmations:
        lines.append(
            f"  narration vs {c.reviewer.name} (saw it): {c.confirmed} confirmed, {c.changed} changed, "
            f"{c.rejected} rejected, {c.added} added; confirmation rate {_num(c.rate)}"
        )
    if doc.alpha_sources:
        lines.append(
            f"  Krippendorff's alpha over {doc.alpha_sources} people: {_num(doc.alpha)} "
            f"({doc.alpha_bins} bins)"
        )
    if doc.disagreements:
        lines.append(f"disagreements ({len(doc.disagreements)}):")
        lines += [
            f"  {d.session} {d.start:7.1f}–{d.end:7.1f} s  {d.a.name}: {d.a_emotion}  "
            f"{d.b.name}: {d.b_emotion}"
            for d in doc.disagreements[:disagreements]
        ]
    return "\n".join(lines)


def _table(head: list[str], rows: list[list[str]]) -> str:
    th = "".join(f"<th>{escape(h)}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><tr>{th}</tr>{body}</table>"


def agreement_html(doc: AgreementDoc) -> str:
    """The report's section: pairs (kappa), confirmation rates, alpha, the disagreements' count."""
    if not doc.pairs and not doc.confirmations:
        return "<p>No two sources labelled the same session yet: import a coding or review labels.</p>"
    parts = [
        f"<p class='note'>Cohen's kappa on the {doc.bin_s:g}-second bins both sources labelled; "
        "a 95 % interval "
        f"by bootstrap over sessions from 5 shared sessions. Model: {escape(doc.model_note)}.</p>"
    ]
    if doc.pairs:
        parts.append(_table(_PAIR_HEAD, [_pair_cells(p) for p in doc.pairs]))
    if doc.confirmations:
        rows = [
            [c.reviewer.name, str(c.confirmed), str(c.changed), str(c.rejected), str(c.added), _num(c.rate)]
            for c in doc.confirmations
        ]
        parts.append(
            "<p>The narration against reviewers who saw it (not independent: a confirmation rate).</p>"
        )
        parts.append(_table(["reviewer", "confirmed", "changed", "rejected", "added", "rate"], rows))
    if doc.alpha_sources:
        parts.append(
            f"<p>Krippendorff's alpha over {doc.alpha_sources} people: {_num(doc.alpha)} "
            f"({doc.alpha_bins} bins).</p>"
        )
    parts.append(
        f"<p>{len(doc.disagreements)} stretch(es) of disagreement: "
        "<code>voice agreement</code> lists them.</p>"
    )
    return "\n".join(parts)
