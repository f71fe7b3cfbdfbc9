"""The Lambdas' boto3 clients against moto: one per service per container, in the container's region."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.aws import REF_KEY, clear_handler_caches, create_ref_secret
from voice.aws import clients

pytest.importorskip("moto")


@pytest.fixture
def container(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A cold Lambda container in eu-west-1 (the environment Lambda sets), AWS faked by moto."""
    from moto import mock_aws

    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    clear_handler_caches()
    with mock_aws():
        yield
    clear_handler_caches()


def test_each_client_is_made_once_per_container(container: None) -> None:
    for make in (clients.s3, clients.dynamodb, clients.stepfunctions, clients.secretsmanager):
        assert make() is make(), make.__name__
    first = clients.s3()
    clear_handler_caches()  # a new container
    assert clients.s3() is not first, "a fresh client each cold start"


def test_the_clients_use_the_containers_region_and_reach_the_services(container: None) -> None:
    assert {c().meta.region_name for c in (clients.s3, clients.dynamodb, clients.secretsmanager)} == {
        "eu-west-1"
    }
    assert clients.s3().meta.service_model.service_name == "s3"
    clients.s3().create_bucket(
        Bucket="voice-videos", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"}
    )
    assert [b["Name"] for b in clients.s3().list_buckets()["Buckets"]] == ["voice-videos"]
    arn = create_ref_secret(clients.secretsmanager())
    assert clients.secretsmanager().get_secret_value(SecretId=arn)["SecretString"] == REF_KEY
    assert clients.dynamodb().list_tables()["TableNames"] == []
    assert clients.stepfunctions().list_state_machines()["stateMachines"] == []
