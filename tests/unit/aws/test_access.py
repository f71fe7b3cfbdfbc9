"""Reaching AWS for ``voice cloud``: a session in ``AWS_REGION`` with credentials, and every set-up
problem (no region, no or refused credentials, access denied, no route) as one error that says
what to set; other errors pass unchanged."""

from __future__ import annotations

from pathlib import Path

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError, NoCredentialsError

from tests.support.aws import bare_aws_env
from voice.aws.access import ACCESS_DENIED, BAD_CREDENTIALS, aws_errors, aws_session, error_code
from voice.errors import CloudSetupError


@pytest.fixture
def bare_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    bare_aws_env(monkeypatch, tmp_path)
    return monkeypatch


def _client_error(code: str, operation: str = "DescribeStacks") -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": "from AWS"}}, operation)


def test_aws_region_is_honoured_and_credentials_are_found(bare_env: pytest.MonkeyPatch) -> None:
    bare_env.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    bare_env.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    assert aws_session({"AWS_REGION": "eu-west-1"}).region_name == "eu-west-1"
    bare_env.setenv("AWS_DEFAULT_REGION", "eu-central-1")
    assert aws_session({}).region_name == "eu-central-1", "else the SDK's own choice"
    session = aws_session({"AWS_REGION": "us-east-2"})
    assert session.region_name == "us-east-2", "AWS_REGION first"
    credentials = session.get_credentials()
    assert credentials is not None
    assert credentials.access_key == "AKIDEXAMPLE"


def test_no_region_says_to_set_aws_region(bare_env: pytest.MonkeyPatch) -> None:
    with pytest.raises(CloudSetupError, match="no AWS region: set AWS_REGION"):
        aws_session({})


def test_no_credentials_says_what_to_set(bare_env: pytest.MonkeyPatch) -> None:
    with pytest.raises(CloudSetupError, match=r"AWS_PROFILE .* AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"):
        aws_session({"AWS_REGION": "eu-west-1"})


def test_the_error_code_of_a_failed_call() -> None:
    assert error_code(_client_error("NoSuchKey")) == "NoSuchKey"
    assert error_code(ClientError({"Error": {}}, "GetObject")) is None
    assert error_code(ValueError("not from AWS")) is None


@pytest.mark.parametrize(
    ("raised", "says"),
    [
        (NoCredentialsError(), "no AWS credentials"),
        (_client_error("ExpiredToken"), "did not accept the credentials (ExpiredToken)"),
        (_client_error("AccessDenied", "StartExecution"), "access denied (StartExecution)"),
        (_client_error("KMS.AccessDeniedException", "GetObject"), "'Who may run voice cloud'"),
        (
            EndpointConnectionError(endpoint_url="https://s3.nowhere-1.amazonaws.com"),
            "cannot reach AWS in eu-west-1",
        ),
    ],
    ids=["no-credentials", "expired", "denied", "kms-denied", "no-route"],
)
def test_setup_problems_become_one_error_that_says_what_to_do(raised: Exception, says: str) -> None:
    with pytest.raises(CloudSetupError, match=r"\A[^\n]+\Z") as caught, aws_errors("eu-west-1"):  # one line
        raise raised
    assert says in str(caught.value)
    assert caught.value.__cause__ is raised, "the SDK's error stays as the cause"


def test_a_setup_problem_behind_another_error_is_found() -> None:
    def upload() -> None:
        try:
            raise _client_error("InvalidAccessKeyId", "CreateMultipartUpload")
        except ClientError as exc:
            raise RuntimeError("upload failed") from exc

    with pytest.raises(CloudSetupError, match="did not accept the credentials"), aws_errors("eu-west-1"):
        upload()


@pytest.mark.parametrize(
    "raised", [_client_error("NoSuchKey", "GetObject"), KeyError("x"), CloudSetupError("already one")]
)
def test_other_errors_pass_unchanged(raised: Exception) -> None:
    with pytest.raises(type(raised)) as caught, aws_errors("eu-west-1"):
        raise raised
    assert caught.value is raised


def test_the_code_lists_do_not_overlap() -> None:
    assert not ACCESS_DENIED & BAD_CREDENTIALS
