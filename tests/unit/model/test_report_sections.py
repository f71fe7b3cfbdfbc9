"""The report's run sections: the score with its baseline, every family's outer score, the
calibration and its "unsure" threshold; runs from before nested CV say so."""

from __future__ import annotations

from voice.model.patient_model import PatientModel
from voice.model.report_sections import page, run_sections, table


def test_a_run_shows_how_the_model_was_chosen_and_how_sure_it_is(trained: PatientModel) -> None:
    assert trained.metrics is not None
    sections = dict(run_sections(trained.metrics))
    assert list(sections) == [
        "Training metrics",
        "How the model was chosen",
        "How sure the model is",
        "What each feature group adds",
    ]
    choice = sections["How the model was chosen"]
    assert 'id="families"' in choice
    assert 'id="configurations"' in choice
    assert trained.config.replace("(", "") in choice.replace("(", "")
    for family in ("forest", "boosting", "logistic"):
        assert f"<td>{family}</td>" in choice
    sure = sections["How sure the model is"]
    assert 'id="calibration"' in sure
    assert f"below {trained.unsure_below:.2f} is shown as <b>unsure</b>" in sure
    assert sure.count("data:image/png;base64,") == 1  # the reliability plot


def test_a_run_from_before_nested_cv_says_what_it_lacks(trained: PatientModel) -> None:
    assert trained.metrics is not None
    old = trained.metrics.model_copy(update={"model_choice": None, "calibration": None})
    sections = dict(run_sections(old))
    assert "before the model was chosen by nested CV" in sections["How the model was chosen"]
    assert "before its probabilities were calibrated" in sections["How sure the model is"]


def test_text_from_data_is_escaped() -> None:
    html = page("<b>", [("t", table([["<script>"]], ["h"]))])
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
