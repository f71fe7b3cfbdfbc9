"""A training run's ``sample_features.json``: every training sample's window and feature values,
written by the run beside ``out_of_fold.json`` so the signal passport (:mod:`voice.passport`) can be
drawn where the samples' poses are not at hand (the cloud's promote step)."""

from __future__ import annotations

from typing import Final, Literal

from pydantic import Field

from voice.records.base import Record

__all__ = ["SAMPLE_FEATURES_SCHEMA", "SampleFeatureRow", "SampleFeatures"]

SAMPLE_FEATURES_SCHEMA: Final = "voice.sample_features/1"


class SampleFeatureRow(Record):
    """One sample: its id (``<emotion>/<session>_<tag>``, as ``out_of_fold.json`` names it), its
    video, its window (seconds of the video: first and last pose) and its feature values (``None``:
    no data in the window), in ``feature_names`` order."""

    sample: str
    session: str
    emotion: str
    start: float
    end: float
    values: list[float | None]


class SampleFeatures(Record):
    schema_: Literal["voice.sample_features/1"] = Field(SAMPLE_FEATURES_SCHEMA, alias="schema")
    run_id: str
    feature_names: list[str]
    samples: list[SampleFeatureRow]
