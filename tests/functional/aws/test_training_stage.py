"""A training run's samples staged under the patient's reference (moto S3): exactly what the gate
counts, at the same relative keys, every copy encrypted with the stack's key."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.aws import PATIENTS_BUCKET, fake_stack, ref, written_keys
from tests.support.synthetic import synthetic_dataset, write_samples
from voice import layout

PATIENT = "Maria Jansen"

boto3 = pytest.importorskip("boto3")


@pytest.fixture
def store(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    from moto import mock_aws

    from voice.aws.s3 import S3Store

    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        stack = fake_stack()
        yield S3Store(
            stack["s3"], videos_bucket="unused", patients_bucket=PATIENTS_BUCKET, kms_key=stack["key_arn"]
        )


def _keys(store: Any, prefix: str) -> list[str]:
    return sorted(o.key for o in store.list(layout.PATIENTS, prefix))


def test_the_samples_the_gate_counts_are_staged_under_the_reference(store: Any) -> None:
    from voice.aws.training_stage import stage_training_data

    write_samples(store, PATIENT, synthetic_dataset(sessions_per_emotion=3, samples_per_session=2, seed=1))
    own = layout.patient_prefix(PATIENT)
    ours = _keys(store, own)
    # Not training data: the profile, and a session whose index is missing (being written or redone).
    store.write(layout.PATIENTS, layout.profile_key(PATIENT), b'{"nicknames": ["Mia"]}')
    half_done = f"{PATIENT}/happiness/half-done-0123456789_e0/pose_000001.json"
    store.write(layout.PATIENTS, half_done, b"{}")
    seen = written_keys(store.client)

    staged = stage_training_data(store, PATIENT, ref(PATIENT), "0123456789abcdef0123")
    base = layout.training_stage_prefix(ref(PATIENT), "0123456789abcdef0123")
    assert (staged.samples_prefix, staged.output_prefix) == (f"{base}samples/", f"{base}output/")
    assert PATIENT not in staged.samples_prefix
    copies = _keys(store, staged.samples_prefix)
    assert [k[len(staged.samples_prefix) :] for k in copies] == [k[len(own) :] for k in ours]
    assert staged.objects == len(copies) > 0
    assert {seen[(PATIENTS_BUCKET, k)] for k in copies} == {store.kms_key}
    for key in copies[:3]:
        original = f"{own}{key[len(staged.samples_prefix) :]}"
        assert store.read(layout.PATIENTS, key) == store.read(layout.PATIENTS, original)
