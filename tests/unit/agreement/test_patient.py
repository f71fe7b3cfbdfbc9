"""A patient's agreement from stored sessions, computed by hand: narration against an imported
coder (kappa), against a reviewer who saw it (a confirmation rate, not kappa), three people
(alpha), the interval rule over sessions, and the model judged only out of fold."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.labels import PATIENT, SESSION, stored_session
from voice import layout
from voice.agreement.patient import patient_agreement
from voice.config import Settings
from voice.exchange.sources import IMPORT, narration_intervals
from voice.labels.service import Change, ReviewRequest, review
from voice.records.exchange import AgreementDoc, PairAgreement
from voice.records.session import PredictionRecord
from voice.records.training import OutOfFold, OutOfFoldPrediction, OutOfFoldSample
from voice.storage import LocalStore, json_bytes

SETTINGS = Settings()
H, S, A = "happiness", "sadness", "anger"


def _code(
    store: LocalStore, author: str, spans: list[tuple[float, float, str]], session: str = SESSION
) -> None:
    changes = tuple(Change("add", emotion=e, start=a, end=b) for a, b, e in spans)
    review(store, ReviewRequest(PATIENT, session, changes, author=author, source=IMPORT), settings=SETTINGS)


def _pair(doc: AgreementDoc, a: str, b: str) -> PairAgreement:
    return next(p for p in doc.pairs if (p.a.name, p.b.name) == (a, b))


@pytest.fixture
def store(tmp_path: Path) -> LocalStore:
    s = LocalStore(tmp_path / "data")
    stored_session(s)
    return s


def test_narration_against_an_imported_coder_by_hand(store: LocalStore) -> None:
    # Narration: happiness 0–2 s (bins 0, 1), sadness 4.1–8.1 s (bins 4–7).
    # Ben: happiness 0–2, sadness 4–6, anger 6–8 → shared bins 0, 1, 4, 5, 6, 7:
    # narration h h s s s s, ben h h s s a a. po = 4/6; pe = 2/6·2/6 + 4/6·2/6 = 1/3; kappa = 0.5.
    _code(store, "ben", [(0.0, 2.0, H), (4.0, 6.0, S), (6.0, 8.0, A)])
    doc = patient_agreement(store, PATIENT, settings=SETTINGS)
    pair = _pair(doc, "narration", "import:ben")
    assert pair.kappa == pytest.approx(0.5)
    assert pair.observed == pytest.approx(0.6667, abs=1e-4)
    assert (pair.bins, pair.sessions, pair.only_a, pair.only_b) == (6, 1, 0, 0)
    assert pair.interval is None
    assert pair.interval_note == "no interval: 1 shared session(s), an interval needs 5"
    assert [(d.session, d.start, d.end, d.a_emotion, d.b_emotion) for d in doc.disagreements] == [
        (SESSION, 6.0, 8.0, S, A)
    ]
    assert doc.model_run is None
    assert "train first" in doc.model_note
    assert doc.alpha is None
    assert doc.alpha_sources == 0


def test_a_reviewer_who_saw_the_narration_gets_a_confirmation_rate_not_kappa(store: LocalStore) -> None:
    happy, question, sad = (i.label for i in narration_intervals_of(store))
    changes = (
        Change("confirm", event=happy),
        Change("reject", event=sad),
        Change("set", event=question, emotion=A),
        Change("add", emotion=S, start=8.5, end=9.5),
    )
    review(store, ReviewRequest(PATIENT, SESSION, changes, author="anna"), settings=SETTINGS)
    doc = patient_agreement(store, PATIENT, settings=SETTINGS)
    assert [p for p in doc.pairs if {p.a.name, p.b.name} == {"narration", "review:anna"}] == []
    (c,) = doc.confirmations
    assert (c.reviewer.name, c.confirmed, c.changed, c.rejected, c.added, c.sessions) == (
        "review:anna",
        1,
        1,
        1,
        1,
        1,
    )
    assert c.rate == pytest.approx(1 / 3, abs=1e-4)


def narration_intervals_of(store: LocalStore) -> list:  # type: ignore[type-arg]
    from voice.labels.stored import load_session

    return narration_intervals(load_session(store, PATIENT, SESSION).metadata)


def test_three_people_on_a_session_get_krippendorffs_alpha(store: LocalStore) -> None:
    _code(store, "ben", [(0.0, 2.0, H), (4.0, 8.0, S)])
    _code(store, "cleo", [(0.0, 2.0, H), (4.0, 8.0, S)])
    doc = patient_agreement(store, PATIENT, settings=SETTINGS)
    assert doc.alpha_sources == 3
    assert doc.alpha == pytest.approx(1.0)
    assert _pair(doc, "import:ben", "import:cleo").kappa == pytest.approx(1.0)


def test_an_interval_only_with_five_shared_sessions(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "five")
    sessions = [f"visit-{k:010d}" for k in range(5)]
    for k, session in enumerate(sessions):
        stored_session(store, session=session)
        emotion = S if k == 0 else H  # one session where ben disagrees on the happy moment
        _code(store, "ben", [(0.0, 2.0, emotion), (4.0, 8.0, S)], session=session)
    doc = patient_agreement(store, PATIENT, settings=SETTINGS, resamples=300)
    pair = _pair(doc, "narration", "import:ben")
    assert pair.sessions == 5
    assert pair.interval is not None
    assert pair.interval_note == ""
    assert pair.interval.low <= (pair.kappa or 0) <= pair.interval.high
    assert pair.interval.high == pytest.approx(1.0)  # resamples without the first session agree fully


def _out_of_fold(store: LocalStore, predicted: dict[str, str]) -> None:
    run = "20261206T000000Z-abc"
    samples = [
        OutOfFoldSample(
            sample=f"{emotion}/{SESSION}_{tag}",
            session=SESSION,
            emotion=emotion,
            predictions=[
                OutOfFoldPrediction(
                    repeat=r, fold=0, model="forest", label=label, probabilities={label: 0.7}, unsure=False
                )
                for r in range(3)
            ],
            attribution_space="none",
            attributions={},
        )
        for tag, label in predicted.items()
        for emotion in [H if tag == "e0" else S]
    ]
    oof = OutOfFold(
        run_id=run, classes=[H, S], feature_names=[], unsure_below=0.4, definition="test", samples=samples
    )
    store.write(
        layout.PATIENTS,
        layout.model_artifact_key(PATIENT, run, "out_of_fold.json"),
        json_bytes(oof.json_doc()),
    )
    store.write(layout.PATIENTS, layout.latest_model_key(PATIENT), json_bytes({"run_id": run}))


def test_the_model_is_judged_only_by_its_out_of_fold_predictions(store: LocalStore) -> None:
    # The final model's predictions stored with the session agree with the narration everywhere:
    # it trained on these samples, so they must not count.
    meta_key = layout.metadata_key(PATIENT, SESSION)
    from voice.records.session import SessionMetadata

    meta = SessionMetadata.model_validate_json(store.read(layout.VIDEOS, meta_key))
    meta.predictions = [
        PredictionRecord(start=0, end=2, label=H, probabilities={H: 0.9}),
        PredictionRecord(start=4, end=8, label=S, probabilities={S: 0.9}),
    ]
    store.write(layout.VIDEOS, meta_key, json_bytes(meta.json_doc()))
    doc = patient_agreement(store, PATIENT, settings=SETTINGS)
    assert "model" not in {s.source for s in doc.sources}, "no out-of-fold run: no model source"
    # Out of fold the model said sadness for the happy moment: narration h h s s s s vs model s×6:
    # po = 4/6, pe = 1/3·0 + 2/3·1 = 2/3, kappa = 0.
    _out_of_fold(store, {"e0": S, "e2": S})
    doc = patient_agreement(store, PATIENT, settings=SETTINGS)
    pair = _pair(doc, "narration", "model")
    assert pair.kappa == pytest.approx(0.0)
    assert pair.bins == 6
    assert doc.model_run == "20261206T000000Z-abc"
    assert doc.model_note.startswith("out-of-fold predictions")
    assert (SESSION, 0.0, 2.0, H, S) in [
        (d.session, d.start, d.end, d.a_emotion, d.b_emotion) for d in doc.disagreements
    ]


def test_a_sample_whose_label_is_gone_is_left_out_and_a_rejected_one_still_counts(store: LocalStore) -> None:
    _out_of_fold(store, {"e0": H, "e2": S, "e9": S})  # e9: an event a re-run no longer hears
    happy = narration_intervals_of(store)[0].label
    review(
        store,
        ReviewRequest(PATIENT, SESSION, (Change("reject", event=happy),), author="anna"),
        settings=SETTINGS,
    )
    doc = patient_agreement(store, PATIENT, settings=SETTINGS)
    assert "1 sample(s) whose label is gone since that run left out" in doc.model_note
    # The rejected happy label's window was still predicted out of fold: 2 + 4 bins.
    assert _pair(doc, "narration", "model").bins == 6
