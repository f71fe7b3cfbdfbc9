"""boto3 clients for the Lambdas: made once per container (cold start) and reused."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

import boto3

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_secretsmanager import SecretsManagerClient
    from mypy_boto3_stepfunctions import SFNClient

__all__ = ["dynamodb", "s3", "secretsmanager", "stepfunctions"]


@cache
def s3() -> S3Client:
    return boto3.client("s3")


@cache
def dynamodb() -> DynamoDBClient:
    return boto3.client("dynamodb")


@cache
def stepfunctions() -> SFNClient:
    return boto3.client("stepfunctions")


@cache
def secretsmanager() -> SecretsManagerClient:
    return boto3.client("secretsmanager")
