"""Patient references on AWS: the key read from the stack's secret once per process, the reference the
same HMAC as everywhere else."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.aws import REF_KEY, create_ref_secret, ref
from voice import refs
from voice.aws.ref_key import RefKeys

boto3 = pytest.importorskip("boto3")


@pytest.fixture
def secrets(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    from moto import mock_aws

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        yield boto3.client("secretsmanager", region_name="eu-west-1")


def test_the_reference_is_the_hmac_under_the_secrets_key(secrets: Any) -> None:
    keys = RefKeys(secrets, create_ref_secret(secrets))
    assert keys.key() == REF_KEY.encode()
    assert keys.ref("maria") == refs.patient_ref("maria", REF_KEY.encode()) == ref("maria")
    assert keys.ref("maria") != keys.ref("bob")
    assert "maria" not in keys.ref("maria")


def test_the_secret_is_read_once_then_kept(secrets: Any) -> None:
    arn = create_ref_secret(secrets)
    keys = RefKeys(secrets, arn)
    first = keys.ref("maria")
    secrets.delete_secret(SecretId=arn, ForceDeleteWithoutRecovery=True)
    assert keys.ref("maria") == first, "no second read"
    with pytest.raises(secrets.exceptions.ResourceNotFoundException):
        RefKeys(secrets, arn).key()


def test_nothing_is_read_before_a_reference_is_needed(secrets: Any) -> None:
    keys = RefKeys(secrets, "arn:aws:secretsmanager:eu-west-1:123456789012:secret:not-yet")
    with pytest.raises(secrets.exceptions.ResourceNotFoundException):
        keys.ref("maria")
