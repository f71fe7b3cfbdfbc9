"""Which run's out-of-fold predictions judge the model: the promoted run's, else the newest's."""

from __future__ import annotations

from pathlib import Path

from voice import layout
from voice.agreement.model_codings import out_of_fold_run
from voice.records.training import OutOfFold
from voice.storage import LocalStore, json_bytes


def _run(store: LocalStore, run: str) -> None:
    oof = OutOfFold(
        run_id=run, classes=["happiness"], feature_names=[], unsure_below=0.4, definition="t", samples=[]
    )
    store.write(
        layout.PATIENTS,
        layout.model_artifact_key("maria", run, "out_of_fold.json"),
        json_bytes(oof.json_doc()),
    )


def test_the_promoted_run_first_else_the_newest(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    assert out_of_fold_run(store, "maria") is None
    _run(store, "20261201T000000Z-a")
    _run(store, "20261202T000000Z-b")
    run = out_of_fold_run(store, "maria")
    assert run is not None
    assert run.run_id == "20261202T000000Z-b"
    store.write(
        layout.PATIENTS, layout.latest_model_key("maria"), json_bytes({"run_id": "20261201T000000Z-a"})
    )
    run = out_of_fold_run(store, "maria")
    assert run is not None
    assert run.run_id == "20261201T000000Z-a"
