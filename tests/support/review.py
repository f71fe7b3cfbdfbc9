"""The review app's test sessions and a client logged in to it.

- :func:`synthetic_store`: the labels tests' session (:mod:`tests.support.labels`: real finishing
  stage, synthetic poses) with model predictions in its metadata and bytes standing for its review
  copy — quick, for the API's checks and the "To review" providers.
- :func:`processed_samples_with_model`: bundled samples processed by ``voice process``, a model
  trained on them, and one of them processed again so that it has the model's predictions — the
  real thing, for the functional and browser tests (slow: about a minute).
- :func:`logged_in`: a Starlette TestClient past the token exchange, with the CSRF header set.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
from pathlib import Path
from typing import Any

from starlette.testclient import TestClient

from tests.support.labels import PATIENT, SESSION, stored_session
from voice import layout
from voice.config import Settings
from voice.records.session import PredictionRecord, SessionMetadata
from voice.review.app import create_app
from voice.review.security import CSRF_HEADER, Secrets
from voice.storage import LocalStore, Store

__all__ = [
    "PATIENT",
    "SAMPLE_FILES",
    "SESSION",
    "VIDEO_BYTES",
    "logged_in",
    "processed_samples_with_model",
    "synthetic_session",
    "synthetic_store",
    "with_predictions",
]

#: Bytes standing for the synthetic session's review copy (ranged reads are about bytes).
VIDEO_BYTES = bytes(range(256)) * 40
SAMPLE_FILES = (
    "garden.mp4",
    "breakfast.mp4",
    "rain.mp4",
    "goodbye.mp4",
    "lunch.mp4",
    "kitchen.mp4",
    "bath.mp4",
    "waiting.mp4",
)


def _window(start: float, probs: dict[str, float], *, unsure: bool = False) -> PredictionRecord:
    label = max(probs, key=lambda e: probs[e])
    full = {e: probs.get(e, 0.0) for e in ("happiness", "sadness", "anger", "surprise", "neutral")}
    return PredictionRecord(start=start, end=start + 4, label=label, probabilities=full, unsure=unsure)


#: Predictions over the synthetic session (labels: happiness 0.8 s, sadness 5.6 s; "angry?" ignored):
#: 0–4 s says sadness (disagrees with "happy"), 6–10 s is sure of sadness, and a window at 3 s
#: is unsure — but covered by the happy label, so not "uncertain where nobody narrated".
PREDICTIONS = (
    _window(0.0, {"sadness": 0.7, "happiness": 0.2, "neutral": 0.1}),
    _window(3.0, {"anger": 0.4, "neutral": 0.35, "sadness": 0.25}, unsure=True),
    _window(6.0, {"sadness": 0.9, "happiness": 0.1}),
)


def with_predictions(
    store: Store, patient: str, session: str, predictions: tuple[PredictionRecord, ...]
) -> None:
    key = layout.metadata_key(patient, session)
    meta = SessionMetadata.model_validate_json(store.read(layout.VIDEOS, key))
    meta = meta.model_copy(update={"predictions": list(predictions)})
    store.write(layout.VIDEOS, key, json.dumps(meta.json_doc()).encode())


def synthetic_store(root: Path, *, predictions: bool = True) -> LocalStore:
    store = LocalStore(root)
    synthetic_session(store, predictions=predictions)
    return store


def synthetic_session(store: Store, *, predictions: bool = True) -> None:
    """The synthetic session (module notes) in any store."""
    stored_session(store)
    store.write(layout.VIDEOS, layout.annotated_video_key(PATIENT, SESSION), VIDEO_BYTES)
    if predictions:
        with_predictions(store, PATIENT, SESSION, PREDICTIONS)


def logged_in(store: Store, settings: Settings | None = None, **kwargs: Any) -> TestClient:
    secrets_ = Secrets()
    app = create_app(store, settings or Settings(), secrets_=secrets_, **kwargs)
    client = TestClient(app, base_url="http://127.0.0.1")
    answer = client.get(f"/?token={secrets_.token}", follow_redirects=False)
    assert answer.status_code == 303, answer.text
    client.headers[CSRF_HEADER] = client.get("/api/csrf").json()["csrf"]
    return client


def _cli(*argv: str) -> Any:
    from voice.cli import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main([*argv, "--json"])
    assert code == 0, out.getvalue()[-2000:]
    return json.loads(out.getvalue())


def processed_samples_with_model(data: Path, samples: Path) -> dict[str, Any]:
    """Process :data:`SAMPLE_FILES`, train a model on them (``--force``: few samples), process the
    first one again so its metadata holds the model's predictions. Returns the sessions by file."""
    results = _cli(
        "process", *(str(samples / f) for f in SAMPLE_FILES), "--patient", PATIENT, "--data-dir", str(data)
    )
    training = _cli("train", PATIENT, "--force", "--data-dir", str(data))
    assert training["trained"], training
    _cli("process", str(samples / SAMPLE_FILES[0]), "--patient", PATIENT, "--force", "--data-dir", str(data))
    os.sync()
    return {"data": data, "sessions": {Path(r["video"]).name: r["session"] for r in results}}
