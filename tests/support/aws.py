"""moto helpers shared by the functional and infra tests."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import quote_plus


def create_history_table(ddb: Any, name: str) -> None:
    """The training-history table as the stack defines it: partition ``patient``, sort ``sk``."""
    ddb.create_table(
        TableName=name,
        KeySchema=[
            {"AttributeName": "patient", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        AttributeDefinitions=[
            {"AttributeName": "patient", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )


EVENTS = Path(__file__).resolve().parents[1] / "events"


def load_event(name: str) -> dict[str, Any]:
    """A sample event from ``tests/events/``."""
    return dict(json.loads((EVENTS / name).read_text()))


def s3_object_created(bucket: str, key: str, *, version: str | None = None) -> dict[str, Any]:
    """The EventBridge "Object Created" event for ``bucket/key``; S3 URL-encodes the key in it.
    ``version-id`` is there only for a versioned bucket's object (``version``)."""
    event = load_event("eventbridge_s3_object_created.json")
    event["detail"]["bucket"]["name"] = bucket
    event["resources"] = [f"arn:aws:s3:::{bucket}"]
    event["detail"]["object"]["key"] = "/".join(quote_plus(part) for part in key.split("/"))
    event["detail"]["object"].pop("version-id")
    if version is not None:
        event["detail"]["object"]["version-id"] = version
    return event


def sqs_record(
    bucket: str, key: str, message_id: str, *, version: str | None = None, receive_count: int = 1
) -> dict[str, Any]:
    """An SQS record as the upload rule's queue target delivers it: the event as the body;
    ``receive_count``: which delivery of the message this is (the queue's maximum: the last)."""
    record = load_event("sqs_record.json")
    record["messageId"] = message_id
    record["attributes"]["ApproximateReceiveCount"] = str(receive_count)
    record["body"] = json.dumps(s3_object_created(bucket, key, version=version))
    record["md5OfBody"] = hashlib.md5(record["body"].encode()).hexdigest()
    return record


#: The patient-reference key the tests' fake stacks hold in Secrets Manager.
REF_KEY = "test-patient-ref-key-0123456789abcdef"


def create_ref_secret(secretsmanager: Any, name: str = "voice-patient-ref-key") -> str:
    """The stack's patient-reference secret (``voice.aws.ref_key``); returns its ARN."""
    return str(secretsmanager.create_secret(Name=name, SecretString=REF_KEY)["ARN"])


def ref(patient: str) -> str:
    """A patient's reference under :data:`REF_KEY`, as the handlers compute it."""
    from voice.refs import patient_ref

    return patient_ref(patient, REF_KEY.encode())


def bare_aws_env(monkeypatch: Any, home: Path) -> None:
    """A new user's machine (``home``: their empty home and working folder): no AWS or VOICE
    variables, no ~/.aws files, no instance metadata; the settings read afresh."""
    import os

    from voice.config import get_settings

    for name in list(os.environ):
        if name.startswith(("AWS_", "VOICE_")) and name != "AWS_CA_BUNDLE":
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(home / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(home / "no-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.chdir(home)
    get_settings.cache_clear()


def clear_handler_caches() -> None:
    """Forget every per-container cache of the handlers (environment, clients, stores, keys)."""
    from lambdas import env
    from voice.aws import clients
    from voice.config import get_settings

    for cached in (
        env.load_env,
        env.patients_store,
        env.video_store,
        env.ref_keys,
        clients.s3,
        clients.dynamodb,
        clients.stepfunctions,
        clients.secretsmanager,
        get_settings,
    ):
        cached.cache_clear()


#: The names of the fake stack's resources (``moto_stack``).
VIDEOS_BUCKET = "voice-videos"
PATIENTS_BUCKET = "voice-patients"
HISTORY_TABLE = "voice-history"


def fake_stack(region: str = "us-east-1") -> dict[str, Any]:
    """Inside ``mock_aws()``: the stack's buckets, history table, a do-nothing training state
    machine and the patient-reference secret. Returns the clients and names."""
    import boto3

    s3 = boto3.client("s3", region_name=region)
    where = {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
    for bucket in (VIDEOS_BUCKET, PATIENTS_BUCKET):
        s3.create_bucket(Bucket=bucket, **where)
    ddb = boto3.client("dynamodb", region_name=region)
    create_history_table(ddb, HISTORY_TABLE)
    role = boto3.client("iam", region_name=region).create_role(RoleName="sfn", AssumeRolePolicyDocument="{}")
    sfn = boto3.client("stepfunctions", region_name=region)
    arn, long_arn = (
        sfn.create_state_machine(
            name=name,
            definition=json.dumps({"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}}),
            roleArn=role["Role"]["Arn"],
        )["stateMachineArn"]
        for name in ("voice-training", "voice-long-videos-stub")
    )
    secret = create_ref_secret(boto3.client("secretsmanager", region_name=region))
    key_arn = boto3.client("kms", region_name=region).create_key(Description="voice data key")["KeyMetadata"][
        "Arn"
    ]
    return {
        "s3": s3,
        "ddb": ddb,
        "sfn": sfn,
        "arn": arn,
        "long_arn": long_arn,
        "ref_secret_arn": secret,
        "key_arn": key_arn,
    }


def publish_outputs(stack: dict[str, Any], region: str, stack_name: str) -> dict[str, str]:
    """Deploy a CloudFormation stack whose outputs name ``stack``'s resources (as VoiceStack's do)."""
    import boto3

    outputs = {
        "VideosBucket": VIDEOS_BUCKET,
        "PatientsBucket": PATIENTS_BUCKET,
        "StateMachineArn": stack["arn"],
        "LongVideoStateMachineArn": stack["long_arn"],
        "HistoryTable": HISTORY_TABLE,
        "RefKeySecretArn": stack["ref_secret_arn"],
        "UploadQueueUrl": f"https://sqs.{region}.amazonaws.com/123456789012/voice-uploads",
        "DataKeyArn": stack["key_arn"],
        "GateLockSeconds": "10200",
    }
    template = {
        "Resources": {"Uploads": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "voice-uploads"}}},
        "Outputs": {k: {"Value": v} for k, v in outputs.items()},
    }
    boto3.client("cloudformation", region_name=region).create_stack(
        StackName=stack_name, TemplateBody=json.dumps(template)
    )
    return outputs


def moto_stack(monkeypatch: Any, region: str = "us-east-1") -> dict[str, Any]:
    """:func:`fake_stack` with the handlers' environment pointing at it (and their per-container
    caches cleared), inside ``mock_aws()``."""
    for name, value in {
        "AWS_DEFAULT_REGION": region,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "POWERTOOLS_SERVICE_NAME": "voice-test",
        "VOICE_VIDEOS_BUCKET": VIDEOS_BUCKET,
        "VOICE_PATIENTS_BUCKET": PATIENTS_BUCKET,
        "VOICE_HISTORY_TABLE": HISTORY_TABLE,
        "VOICE_GATE_LOCK_S": "10200",
    }.items():
        monkeypatch.setenv(name, value)
    stack = fake_stack(region)
    monkeypatch.setenv("VOICE_STATE_MACHINE_ARN", stack["arn"])
    monkeypatch.setenv("VOICE_REF_SECRET_ARN", stack["ref_secret_arn"])
    monkeypatch.setenv("VOICE_DATA_KEY_ARN", stack["key_arn"])
    clear_handler_caches()
    return stack


def written_keys(s3: Any) -> dict[tuple[str, str], str | None]:
    """Spy on an S3 client (it still runs for real): (bucket, key) → the KMS key every write,
    copy and multipart upload asked SSE-KMS for (None: no SSE-KMS header). The bucket policy that
    refuses other writes cannot be evaluated by moto; what the writers send can be checked."""
    seen: dict[tuple[str, str], str | None] = {}

    def record(params: dict[str, Any], **_: Any) -> None:
        asked = params.get("ServerSideEncryption") == "aws:kms"
        seen[(params["Bucket"], params["Key"])] = params.get("SSEKMSKeyId") if asked else None

    for operation in ("PutObject", "CopyObject", "CreateMultipartUpload"):
        s3.meta.events.register(f"provide-client-params.s3.{operation}", record)
    return seen


class LambdaContext(SimpleNamespace):
    """What a handler reads from Lambda's context object; a fresh invocation of a 900 s function
    (``remaining_ms``: set it lower to simulate a run that has less time left)."""

    function_name = "voice-video-processor"
    memory_limit_in_mb = 3538
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:voice-video-processor"
    aws_request_id = "req-1"
    remaining_ms = 900_000

    def get_remaining_time_in_millis(self) -> int:
        return int(self.remaining_ms)
