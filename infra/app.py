"""The VOICE CDK app: ``npx cdk synth`` / ``npx cdk deploy`` run this (see cdk.json).

Context values (``-c key=value``): ``stackName`` (default VoiceStack), ``retainData``
(default true; ``false`` lets ``cdk destroy`` remove emptied buckets, the table and the key),
``nag`` (default true: cdk-nag AwsSolutions + HIPAA Security run at synth and fail it on findings),
``baseImage`` (the base of both images, ``python:3.11-slim@sha256:<digest>``; without a digest the
synth warns and ``cdk deploy --strict`` refuses: docs/cloud.md, "Supply chain").
"""

from __future__ import annotations

import os

import aws_cdk as cdk

from infra.nag import acknowledge_findings, add_nag_checks
from infra.stack import VoiceStack

__all__ = ["build_app"]


def _flag(app: cdk.App, name: str, default: bool) -> bool:
    value = app.node.try_get_context(name)
    return default if value is None else str(value).lower() not in {"false", "0", "no"}


def build_app(app: cdk.App | None = None, *, nag: bool | None = None) -> tuple[cdk.App, VoiceStack]:
    """The app with its one stack; ``nag`` overrides the ``nag`` context value."""
    app = app or cdk.App()
    stack_name = app.node.try_get_context("stackName") or "VoiceStack"
    account, region = os.environ.get("CDK_DEFAULT_ACCOUNT"), os.environ.get("CDK_DEFAULT_REGION")
    env = cdk.Environment(account=account, region=region) if account and region else None
    stack = VoiceStack(
        app,
        stack_name,
        retain_data=_flag(app, "retainData", True),
        base_image=app.node.try_get_context("baseImage") or None,
        env=env,
    )
    cdk.Tags.of(app).add("project", "voice")
    acknowledge_findings(stack)
    if nag if nag is not None else _flag(app, "nag", True):
        add_nag_checks(app)
    return app, stack


if __name__ == "__main__":
    built, _ = build_app()
    built.synth()
