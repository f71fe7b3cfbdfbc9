"""Reaching AWS for ``voice cloud``: a session in the right region with credentials, and set-up
problems (no region, no credentials, credentials AWS refuses, access denied, no route) turned
into one :class:`~voice.errors.CloudSetupError` whose message names what to set.

``AWS_REGION`` is honoured (the SDK itself reads only ``AWS_DEFAULT_REGION`` and the profile).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

import boto3
from botocore.exceptions import (
    ClientError,
    EndpointConnectionError,
    NoCredentialsError,
    PartialCredentialsError,
)

from voice.errors import CloudSetupError

__all__ = ["ACCESS_DENIED", "BAD_CREDENTIALS", "aws_errors", "aws_session", "error_code"]

#: Error codes of a call the caller's identity may not make (KMS's included).
ACCESS_DENIED = {
    "AccessDenied",
    "AccessDeniedException",
    "AuthorizationError",
    "UnauthorizedOperation",
    "KMS.AccessDeniedException",
    "KMSAccessDeniedException",
}
#: Error codes of credentials AWS does not accept.
BAD_CREDENTIALS = {
    "ExpiredToken",
    "ExpiredTokenException",
    "InvalidClientTokenId",
    "UnrecognizedClientException",
    "InvalidAccessKeyId",
    "SignatureDoesNotMatch",
}
NO_CREDENTIALS = (
    "no AWS credentials: set AWS_PROFILE (after `aws configure` or `aws sso login`), or "
    "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY."
)


def aws_session(environ: Mapping[str, str] | None = None) -> boto3.Session:
    """A boto3 session in ``AWS_REGION`` (else the SDK's own choice: ``AWS_DEFAULT_REGION``, the
    profile), with credentials; a :class:`CloudSetupError` names what is missing."""
    environ = os.environ if environ is None else environ
    session = boto3.session.Session(region_name=environ.get("AWS_REGION") or None)
    if not session.region_name:
        raise CloudSetupError(
            "no AWS region: set AWS_REGION to the stack's region (e.g. AWS_REGION=eu-west-1)."
        )
    if session.get_credentials() is None:
        raise CloudSetupError(NO_CREDENTIALS)
    return session


def error_code(exc: BaseException) -> str | None:
    """The AWS error code of a failed call (``NoSuchKey``, ``AccessDenied``, …), else None."""
    if isinstance(exc, ClientError):
        code = exc.response.get("Error", {}).get("Code")
        return str(code) if code else None
    return None


def _setup_problem(exc: BaseException, region: str) -> CloudSetupError | None:
    """The setup problem behind ``exc`` (or an exception it was raised from), if there is one."""
    seen: BaseException | None = exc
    while seen is not None:
        code = error_code(seen)
        if isinstance(seen, (NoCredentialsError, PartialCredentialsError)):
            return CloudSetupError(NO_CREDENTIALS)
        if code in BAD_CREDENTIALS:
            return CloudSetupError(
                f"AWS did not accept the credentials ({code}): renew them (`aws sso login`) or set valid "
                "AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY."
            )
        if code in ACCESS_DENIED or "AccessDenied" in str(seen):
            operation = getattr(seen, "operation_name", None) or "a call"
            return CloudSetupError(
                f"access denied ({operation}): the AWS identity in use lacks a permission voice cloud "
                "needs; see docs/cloud.md, 'Who may run voice cloud' (S3, DynamoDB, Step Functions, KMS)."
            )
        if isinstance(seen, EndpointConnectionError):
            return CloudSetupError(f"cannot reach AWS in {region}: check AWS_REGION and the network.")
        seen = seen.__cause__ or seen.__context__
    return None


@contextmanager
def aws_errors(region: str) -> Iterator[None]:
    """Turn setup problems raised inside (directly or as the cause of another error) into one
    :class:`CloudSetupError`; everything else passes unchanged."""
    try:
        yield
    except CloudSetupError:
        raise
    except Exception as exc:
        problem = _setup_problem(exc, region)
        if problem is None:
            raise
        raise problem from exc
