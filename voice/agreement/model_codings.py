"""The model as a coder, judged only out of fold: each training sample window's prediction by the
models of the outer folds that never saw its video (``out_of_fold.json`` of the promoted run, else
the newest run that has one). The predictions stored with a session come from the final model,
which trained on that session's samples: they are never used here, so no sample judges itself.

A sample is placed on the session's time line by its folder tag and the session's labels
(``voice.labels.samples.sample_windows``, every label's window whether it trains now or not); a
sample whose label no longer exists (a re-run no longer hears the statement) is left out
(counted). Its label is the most frequent over the CV repeats (ties: the higher mean probability).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field

from pydantic import ValidationError

from voice import layout
from voice.config import Settings
from voice.exchange.sources import MODEL, Interval
from voice.labels.effective import Resolution, resolve
from voice.labels.samples import SampleWindow, sample_windows
from voice.labels.stored import StoredSession
from voice.records.training import OutOfFold, OutOfFoldSample
from voice.storage import Store

__all__ = ["ModelCodings", "model_codings", "out_of_fold_run"]


def out_of_fold_run(store: Store, patient: str) -> OutOfFold | None:
    """The promoted run's out-of-fold predictions, else the newest run's; None without any."""
    runs = []
    latest = layout.latest_model_key(patient)
    if store.exists(layout.PATIENTS, latest):
        runs.append(str(json.loads(store.read(layout.PATIENTS, latest))["run_id"]))
    prefix = layout.models_prefix(patient)
    runs += sorted(
        {
            o.key[len(prefix) :].split("/", 1)[0]
            for o in store.list(layout.PATIENTS, prefix)
            if o.key.endswith("/out_of_fold.json")
        },
        reverse=True,
    )
    for run in runs:
        key = layout.model_artifact_key(patient, run, "out_of_fold.json")
        if store.exists(layout.PATIENTS, key):
            try:
                return OutOfFold.model_validate_json(store.read(layout.PATIENTS, key))
            except ValidationError:
                continue
    return None


def _label(sample: OutOfFoldSample) -> str | None:
    if not sample.predictions:
        return None
    votes = Counter(p.label for p in sample.predictions)
    mean = {c: sum(p.probabilities.get(c, 0.0) for p in sample.predictions) for c in votes}
    return max(votes, key=lambda c: (votes[c], mean[c]))


def _every_window(stored: StoredSession, settings: Settings) -> list[SampleWindow]:
    """The sample window of every label, trained now or not (a prediction of a window stays what it
    was when its label is rejected or in conflict later)."""
    meta = stored.metadata
    resolution = resolve(meta.events, stored.reviews.reviews)
    every = Resolution(
        [label.model_copy(update={"trains": True}) for label in resolution.labels],
        resolution.indexes,
        resolution.orphans,
    )
    return sample_windows(every, meta.video.duration_s, settings)


@dataclass
class ModelCodings:
    """The out-of-fold run used (None: none), the model's intervals per session, and the samples
    left out because their label is gone since the run."""

    run_id: str | None
    sessions: dict[str, list[Interval]] = field(default_factory=dict)
    stale: int = 0


def model_codings(
    store: Store, patient: str, stored: list[StoredSession], settings: Settings
) -> ModelCodings:
    """The model's out-of-fold intervals of each stored session."""
    oof = out_of_fold_run(store, patient)
    if oof is None:
        return ModelCodings(None)
    out = ModelCodings(oof.run_id)
    by_session: dict[str, list[OutOfFoldSample]] = {}
    for sample in oof.samples:
        by_session.setdefault(sample.session, []).append(sample)
    for s in stored:
        samples = by_session.pop(s.session, [])
        if not samples:
            continue
        windows = {w.tag: w for w in _every_window(s, settings)}
        for sample in samples:
            tag = sample.sample.rsplit("/", 1)[-1].removeprefix(f"{s.session}_")
            window, label = windows.get(tag), _label(sample)
            if window is None or label is None:
                out.stale += 1
                continue
            out.sessions.setdefault(s.session, []).append(
                Interval(
                    s.session, MODEL, MODEL, window.start, window.end, label, sample.sample, "out of fold"
                )
            )
    out.stale += sum(len(v) for v in by_session.values())
    return out
