"""A patient's agreement: every pair of label sources on the sessions both cover.

Sources: the narration (its counting events), each reviewer and each imported coder (their own
decisions: :func:`voice.exchange.sources.coder_intervals`), and the model (out of fold only:
:mod:`voice.agreement.model_codings`). A pair of independent sources gets Cohen's kappa and the
observed agreement on the 1-second bins both labelled, with a bootstrap interval over sessions
from 5 shared sessions on. The narration and a reviewer who saw it (every VOICE reviewer does) are
not independent: that pair is a confirmation rate instead. Krippendorff's alpha covers the people
(narration, reviewers, coders) on the sessions more than two of them labelled. Every stretch where
two sources gave different emotions is listed with its times.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

from voice.agreement.model_codings import model_codings
from voice.agreement.stats import (
    BIN_S,
    RESAMPLES,
    Bins,
    alpha,
    bin_labels,
    bootstrap_kappa,
    kappa,
    observed,
    shared,
)
from voice.config import Settings
from voice.exchange.sources import MODEL, REVIEW, coder_intervals, coder_keys, narration_intervals
from voice.labels.effective import NARRATION, resolve
from voice.labels.service import list_sessions
from voice.labels.stored import StoredSession, load_session
from voice.records.exchange import AgreementDoc, Confirmation, Disagreement, PairAgreement, SourceRef
from voice.storage import Store

__all__ = ["patient_agreement"]

_ORDER = {NARRATION: 0, REVIEW: 1, "import": 2, MODEL: 3}


def _key(ref: SourceRef) -> tuple[int, str, str]:
    return _ORDER.get(ref.source, 2), ref.source, ref.author


@dataclass
class _Session:
    name: str
    bins: dict[tuple[str, str], Bins]


def _people_bins(s: StoredSession) -> dict[tuple[str, str], Bins]:
    meta, reviews = s.metadata, s.reviews.reviews
    duration = meta.video.duration_s
    out = {(NARRATION, NARRATION): bin_labels(narration_intervals(meta), duration)}
    for source, author in coder_keys(reviews):
        out[(source, author)] = bin_labels(coder_intervals(meta, reviews, source, author), duration)
    return out


def _confirmation(stored: Sequence[StoredSession], author: str) -> Confirmation:
    tally = {"confirmed": 0, "changed": 0, "counted": 0, "rejected": 0, "added": 0}
    sessions = 0
    for s in stored:
        own = [r for r in s.reviews.reviews if (r.source, r.author) == (REVIEW, author)]
        if not own:
            continue
        sessions += 1
        for label in resolve(s.metadata.events, own).labels:
            if label.reviews and label.status in tally:
                tally[label.status] += 1
    changed = tally["changed"] + tally["counted"]
    judged = tally["confirmed"] + changed + tally["rejected"]
    return Confirmation(
        reviewer=SourceRef(source=REVIEW, author=author),
        confirmed=tally["confirmed"],
        changed=changed,
        rejected=tally["rejected"],
        added=tally["added"],
        rate=round(tally["confirmed"] / judged, 4) if judged else None,
        sessions=sessions,
    )


def _stretches(name: str, a: SourceRef, b: SourceRef, x: Bins, y: Bins, bin_s: float) -> list[Disagreement]:
    out: list[Disagreement] = []
    for k, (p, q) in enumerate(zip(x, y, strict=True)):
        if p is None or q is None or p == q:
            continue
        last = out[-1] if out else None
        if last and last.end == round(k * bin_s, 3) and (last.a_emotion, last.b_emotion) == (p, q):
            last.end = round((k + 1) * bin_s, 3)
        else:
            out.append(
                Disagreement(
                    session=name,
                    start=round(k * bin_s, 3),
                    end=round((k + 1) * bin_s, 3),
                    a=a,
                    b=b,
                    a_emotion=p,
                    b_emotion=q,
                )
            )
    return out


def _pair(
    sessions: Sequence[_Session], a: SourceRef, b: SourceRef, resamples: int
) -> tuple[PairAgreement, list[Disagreement]] | None:
    ka, kb = (a.source, a.author), (b.source, b.author)
    per: dict[str, tuple[list[str], list[str]]] = {}
    only_a = only_b = 0
    found: list[Disagreement] = []
    for s in sessions:
        x, y = s.bins.get(ka), s.bins.get(kb)
        if x is None or y is None or not any(v is not None for v in x) or not any(v is not None for v in y):
            continue
        per[s.name] = shared(x, y)
        only_a += sum(p is not None and q is None for p, q in zip(x, y, strict=True))
        only_b += sum(p is None and q is not None for p, q in zip(x, y, strict=True))
        found += _stretches(s.name, a, b, x, y, BIN_S)
    if not per:
        return None
    xs = [v for pair in per.values() for v in pair[0]]
    ys = [v for pair in per.values() for v in pair[1]]
    value = kappa(xs, ys)
    k = None if value is None else round(value, 4)
    agreed = observed(xs, ys)
    interval = bootstrap_kappa(per, resamples=resamples)
    note = "" if interval is not None else f"no interval: {len(per)} shared session(s), an interval needs 5"
    if interval is None and len(per) >= 5:
        note = "no interval: kappa is undefined in every resample"
    return (
        PairAgreement(
            a=a,
            b=b,
            kappa=k,
            observed=None if agreed is None else round(agreed, 4),
            bins=len(xs),
            sessions=len(per),
            only_a=only_a,
            only_b=only_b,
            interval=interval,
            interval_note=note,
        ),
        found,
    )


def _alpha(sessions: Sequence[_Session]) -> tuple[float | None, int, int]:
    people = sorted({k for s in sessions for k in s.bins if k[0] != MODEL})
    columns: list[list[str | None]] = []
    used: set[tuple[str, str]] = set()
    for s in sessions:
        covering = [k for k in people if k in s.bins and any(v is not None for v in s.bins[k])]
        if len(covering) < 3:
            continue
        used.update(covering)
        n = len(next(iter(s.bins.values())))
        columns += [[s.bins[k][i] if k in covering else None for k in people] for i in range(n)]
    if not columns:
        return None, 0, 0
    rows = [list(row) for row in zip(*columns, strict=True)]
    value = alpha(rows)
    units = sum(1 for col in columns if sum(v is not None for v in col) >= 2)
    return (None if value is None else round(value, 4)), len(used), units


def patient_agreement(
    store: Store, patient: str, *, settings: Settings, resamples: int = RESAMPLES
) -> AgreementDoc:
    """Every pair of the patient's label sources on the sessions both cover (module notes)."""
    stored = [load_session(store, patient, s.session) for s in list_sessions(store, patient)]
    sessions = [_Session(s.session, _people_bins(s)) for s in stored]
    model = model_codings(store, patient, stored, settings)
    for s, ses in zip(stored, sessions, strict=True):
        if s.session in model.sessions:
            ses.bins[(MODEL, MODEL)] = bin_labels(model.sessions[s.session], s.metadata.video.duration_s)
    keys = sorted(
        {k for s in sessions for k in s.bins}, key=lambda k: _key(SourceRef(source=k[0], author=k[1]))
    )
    refs = [SourceRef(source=k[0], author=k[1]) for k in keys]
    pairs, confirmations, disagreements = [], [], []
    for a, b in itertools.combinations(refs, 2):
        if a.source == NARRATION and b.source == REVIEW:
            confirmations.append(_confirmation(stored, b.author))
            continue
        made = _pair(sessions, a, b, resamples)
        if made is not None:
            pairs.append(made[0])
            disagreements += made[1]
    value, alpha_sources, alpha_bins = _alpha(sessions)
    if model.run_id is None:
        model_note = "no training run with out-of-fold predictions yet: train first (voice train)"
    else:
        model_note = f"out-of-fold predictions of run {model.run_id}"
        if model.stale:
            model_note += f"; {model.stale} sample(s) whose label is gone since that run left out"
    return AgreementDoc(
        patient=stored[0].patient if stored else patient,
        bin_s=BIN_S,
        sessions=len(stored),
        sources=refs,
        pairs=pairs,
        confirmations=confirmations,
        alpha=value,
        alpha_sources=alpha_sources,
        alpha_bins=alpha_bins,
        model_run=model.run_id,
        model_note=model_note,
        disagreements=sorted(disagreements, key=lambda d: (d.session, d.start, d.a.name, d.b.name)),
    )
