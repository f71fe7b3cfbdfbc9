"""Running a synthesized state machine in moto with the real handlers behind its Lambda tasks.

moto's Docker-free Lambda backend returns queued results (``lambda_simple_results_queue``); when
the queue is empty, :func:`patch_lambda_invoke` runs the real handler in-process instead
(``lambdas.<function name>.handler``) and answers an exception the way Lambda does (a function
error whose ``errorType`` is the exception's class), so Retry and Catch see the same error names
as on AWS. :func:`patch_iso_start_time` gives ``$$.Execution.StartTime`` as the ISO string Step
Functions passes (moto passes a datetime).
"""

from __future__ import annotations

import importlib
import io
import json
import time
import traceback
import zipfile
from datetime import datetime
from types import SimpleNamespace
from typing import Any

import pytest

from tests.infra.conftest import FAKE_ACCOUNT, FAKE_REGION

__all__ = [
    "MOTO_CONFIG",
    "FakeContext",
    "create_functions",
    "patch_iso_start_time",
    "patch_lambda_invoke",
    "run_handler",
    "wait_for",
]

#: Step Functions executes definitions; Lambda never needs Docker (handlers run in-process).
MOTO_CONFIG: Any = {"stepfunctions": {"execute_state_machine": True}, "lambda": {"use_docker": False}}


class FakeContext(SimpleNamespace):
    function_name = "voice-test"
    memory_limit_in_mb = 512
    invoked_function_arn = f"arn:aws:lambda:{FAKE_REGION}:{FAKE_ACCOUNT}:function:voice-test"
    aws_request_id = "req-1"

    def get_remaining_time_in_millis(self) -> int:
        return 900_000


def run_handler(function_name: str, body: Any) -> bytes:
    """The real handler behind a moto function name (the handler module's name)."""
    module = importlib.import_module(f"lambdas.{function_name}")
    event = json.loads(body) if isinstance(body, (str, bytes)) else body
    return json.dumps(module.handler(event, FakeContext())).encode()


def patch_lambda_invoke(monkeypatch: pytest.MonkeyPatch) -> None:
    """Queued results first (moto's own mechanism), else the real handler (module notes)."""
    from moto.awslambda_simple.models import LambdaSimpleBackend

    original_invoke = LambdaSimpleBackend.invoke

    def invoke(
        self: Any, function_name: str, qualifier: Any, body: Any, headers: Any, response_headers: Any
    ) -> Any:
        if self.lambda_simple_results_queue:
            return original_invoke(self, function_name, qualifier, body, headers, response_headers)
        try:
            return run_handler(function_name.rsplit(":", 1)[-1], body)
        except Exception as exc:  # what the Lambda runtime answers for an unhandled exception
            response_headers["x-amz-function-error"] = "Unhandled"
            error = {
                "errorType": type(exc).__name__,
                "errorMessage": str(exc),
                "stackTrace": traceback.format_tb(exc.__traceback__),
            }
            return json.dumps(error).encode()

    monkeypatch.setattr(LambdaSimpleBackend, "invoke", invoke)


def patch_iso_start_time(monkeypatch: pytest.MonkeyPatch) -> None:
    from moto.stepfunctions.parser.backend.execution_worker import ExecutionWorker

    original_environment = ExecutionWorker._get_evaluation_environment

    def environment_with_iso_start(self: Any) -> Any:
        environment = original_environment(self)
        execution = environment.states.context_object.context_object_data["Execution"]
        if isinstance(execution["StartTime"], datetime):
            execution["StartTime"] = execution["StartTime"].isoformat()
        return environment

    monkeypatch.setattr(ExecutionWorker, "_get_evaluation_environment", environment_with_iso_start)


def create_functions(names: tuple[str, ...]) -> tuple[str, dict[str, str]]:
    """Inside ``mock_aws``: a role and one do-nothing function per handler module name; returns
    the role's ARN and each function's ARN (the tasks' resources)."""
    import boto3

    iam = boto3.client("iam", region_name=FAKE_REGION)
    role = iam.create_role(RoleName="voice", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    lam = boto3.client("lambda", region_name=FAKE_REGION)
    zipped = io.BytesIO()
    with zipfile.ZipFile(zipped, "w") as zf:
        zf.writestr("index.py", "def handler(event, context):\n    return event\n")
    arns = {
        name: lam.create_function(
            FunctionName=name,
            Runtime="python3.11",
            Role=role,
            Handler="index.handler",
            Code={"ZipFile": zipped.getvalue()},
        )["FunctionArn"]
        for name in names
    }
    return role, arns


def wait_for(sfn: Any, execution_arn: str, timeout_s: float = 240) -> dict[str, Any]:
    """The execution once it ended (``timeout_s``: a guard against a hung interpreter, not a
    performance check)."""
    deadline = time.monotonic() + timeout_s
    while True:
        described = sfn.describe_execution(executionArn=execution_arn)
        if described["status"] != "RUNNING" or time.monotonic() > deadline:
            return dict(described)
        time.sleep(0.2)
