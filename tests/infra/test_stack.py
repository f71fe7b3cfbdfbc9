"""Assertions on the synthesized VOICE stack: storage, routing, queue, functions, training, IAM, outputs."""

from __future__ import annotations

import importlib
import json
from typing import Any

import pytest

from tests.infra import template
from tests.infra.conftest import FAKE_ACCOUNT, FAKE_REGION, Synth, fake_refs, resolve
from voice.config import EMOTIONS, VIDEO_EXTENSIONS

# --- storage ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["Videos", "Patients"])
def test_data_buckets_are_kms_versioned_private_logged_and_send_events(synth: Synth, name: str) -> None:
    _, bucket = template.bucket(synth, name)
    props = bucket["Properties"]
    key_id, _ = synth.one("AWS::KMS::Key", "StorageDataKey")
    sse = props["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
    assert sse["ServerSideEncryptionByDefault"] == {
        "SSEAlgorithm": "aws:kms",
        "KMSMasterKeyID": {"Fn::GetAtt": [key_id, "Arn"]},
    }
    assert props["VersioningConfiguration"] == {"Status": "Enabled"}
    assert props["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    logs_id, _ = template.bucket(synth, "AccessLogs")
    assert props["LoggingConfiguration"]["DestinationBucketName"] == {"Ref": logs_id}
    assert props["NotificationConfiguration"]["EventBridgeConfiguration"]["EventBridgeEnabled"] is True
    assert bucket["DeletionPolicy"] == "Retain"


@pytest.mark.parametrize("name", ["Videos", "Patients", "AccessLogs"])
def test_every_bucket_denies_plain_http(synth: Synth, name: str) -> None:
    logical, _ = template.bucket(synth, name)
    policies = [
        p
        for p in synth.resources("AWS::S3::BucketPolicy").values()
        if p["Properties"]["Bucket"] == {"Ref": logical}
    ]
    assert len(policies) == 1
    denies = [
        st
        for st in policies[0]["Properties"]["PolicyDocument"]["Statement"]
        if st["Effect"] == "Deny" and st.get("Condition") == {"Bool": {"aws:SecureTransport": "false"}}
    ]
    assert denies
    assert denies[0]["Action"] == "s3:*"
    assert denies[0]["Principal"] == {"AWS": "*"}


def test_data_key_rotates(synth: Synth) -> None:
    _, key = synth.one("AWS::KMS::Key", "StorageDataKey")
    assert key["Properties"]["EnableKeyRotation"] is True


# --- processing: routing ------------------------------------------------------------------------


def _rules(synth: Synth) -> dict[str, dict[str, Any]]:
    return {k: r["Properties"] for k, r in synth.resources("AWS::Events::Rule").items()}


def test_video_rule_matches_every_video_extension_ignoring_case(synth: Synth) -> None:
    rules = _rules(synth)
    (video_id,) = [k for k in rules if k.startswith("ProcessingVideoCreated")]
    pattern = rules[video_id]["EventPattern"]
    videos_id, _ = template.bucket(synth, "Videos")
    assert pattern["source"] == ["aws.s3"]
    assert pattern["detail-type"] == ["Object Created"]
    assert pattern["detail"]["bucket"]["name"] == [{"Ref": videos_id}]
    assert pattern["detail"]["object"]["key"] == [
        {"suffix": {"equals-ignore-case": f".{ext}"}} for ext in VIDEO_EXTENSIONS
    ]
    (bus_id, _) = synth.one("AWS::Events::EventBus", "ProcessingUploadsBus")
    assert rules[video_id]["Targets"][0]["Arn"] == {"Fn::GetAtt": [bus_id, "Arn"]}


def test_upload_rule_drops_annotated_outputs_and_feeds_the_queue(synth: Synth) -> None:
    rules = _rules(synth)
    (upload_id,) = [k for k in rules if k.startswith("ProcessingUploadToQueue")]
    bus_id, _ = synth.one("AWS::Events::EventBus", "ProcessingUploadsBus")
    queue_id, _ = synth.one("AWS::SQS::Queue", "ProcessingUploads")
    assert rules[upload_id]["EventBusName"] == {"Ref": bus_id}
    assert rules[upload_id]["EventPattern"]["detail"]["object"]["key"] == [
        {"anything-but": {"prefix": ["annotated/", "work/"]}}
    ]
    assert rules[upload_id]["Targets"][0]["Arn"] == {"Fn::GetAtt": [queue_id, "Arn"]}


def _s3_event(bucket: str, key: str) -> dict[str, Any]:
    return {
        "version": "0",
        "id": "1",
        "detail-type": "Object Created",
        "source": "aws.s3",
        "account": "123456789012",
        "time": "2026-11-21T12:00:00Z",
        "region": "us-east-1",
        "resources": [f"arn:aws:s3:::{bucket}"],
        "detail": {"version": "0", "bucket": {"name": bucket}, "object": {"key": key, "size": 1}},
    }


KEYS_ROUTED = {
    "ann/clip.mp4": True,
    "ann/CLIP.MP4": True,
    "ann/holiday.MoV": True,
    "ann/a+b.mkv": True,
    "ann/x.WEBM": True,
    "ann/x.avi": True,
    "ann/x.flv": True,
    "annotated/ann/clip-0123456789.mp4": False,
    # A long video's parts are .mp4 work files: never an upload.
    "work/segments/ann/clip-0123456789/0123abcd/segment_000.mp4": False,
    "work/segments/ann/clip-0123456789/0123abcd/draw_001.MP4": False,
    "failed/ann/clip.mp4.json": False,
    # Not an upload, but not the pipeline's either: the handler records it as invalid.
    "failed/ann/clip.mp4": True,
    "ann/sub/clip.mp4": True,
    "ann/notes.txt": False,
    "ann/clip.mp4.json": False,
    "ann/clip.jpg": False,
}


@pytest.mark.parametrize(("key", "routed"), sorted(KEYS_ROUTED.items()))
def test_both_rules_together_route_exactly_the_uploads(synth: Synth, key: str, routed: bool) -> None:
    """Evaluate the two synthesized patterns with an EventBridge matcher (moto's) on sample keys."""
    from moto.events.models import EventPattern

    refs = fake_refs(synth.template)
    rules = _rules(synth)
    patterns = [
        EventPattern.load(json.dumps(resolve_pattern(rules[k]["EventPattern"], refs)))
        for k in sorted(rules)
        if k.startswith(("ProcessingVideoCreated", "ProcessingUploadToQueue"))
    ]
    videos_id, _ = template.bucket(synth, "Videos")
    event = _s3_event(refs[videos_id], key)
    assert all(p.matches_event(event) for p in patterns) is routed
    other = _s3_event("some-other-bucket", key)
    assert not all(p.matches_event(other) for p in patterns)


def resolve_pattern(value: Any, refs: dict[str, str]) -> Any:
    if isinstance(value, dict) and len(value) == 1 and next(iter(value)) in {"Ref", "Fn::GetAtt"}:
        return resolve(value, refs)
    if isinstance(value, dict):
        return {k: resolve_pattern(v, refs) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve_pattern(v, refs) for v in value]
    return value


# --- processing: queue and function --------------------------------------------------------------


def test_queue_visibility_is_six_function_timeouts_with_a_dlq_after_three_receives(synth: Synth) -> None:
    _, fn = template.video_function(synth)
    _, queue = synth.one("AWS::SQS::Queue", "ProcessingUploads")
    dlq_id, dlq = synth.one("AWS::SQS::Queue", "ProcessingDeadLetters")
    key_id, _ = synth.one("AWS::KMS::Key", "StorageDataKey")
    props = queue["Properties"]
    assert props["VisibilityTimeout"] >= 6 * fn["Properties"]["Timeout"]
    assert props["RedrivePolicy"] == {
        "deadLetterTargetArn": {"Fn::GetAtt": [dlq_id, "Arn"]},
        "maxReceiveCount": 3,
    }
    for q in (props, dlq["Properties"]):
        assert q["KmsMasterKeyId"] == {"Fn::GetAtt": [key_id, "Arn"]}


def test_video_function_is_the_staged_image_with_benchmark_sized_resources(synth: Synth) -> None:
    _, fn = template.video_function(synth)
    props = fn["Properties"]
    assert props["PackageType"] == "Image"
    assert props["ImageConfig"]["Command"] == ["lambdas.video_processor.handler"]
    assert props["MemorySize"] == 3538
    assert props["Timeout"] == 900
    assert props["EphemeralStorage"] == {"Size": 4096}
    assert props["TracingConfig"] == {"Mode": "Active"}
    assert props["LoggingConfig"]["LogGroup"]
    env = props["Environment"]["Variables"]
    assert set(env) >= {"VOICE_VIDEOS_BUCKET", "VOICE_PATIENTS_BUCKET", "POWERTOOLS_SERVICE_NAME"}


def test_video_function_reads_the_queue_with_partial_batch_responses(synth: Synth) -> None:
    fn_id, _ = template.video_function(synth)
    queue_id, _ = synth.one("AWS::SQS::Queue", "ProcessingUploads")
    mappings = [
        m["Properties"]
        for m in synth.resources("AWS::Lambda::EventSourceMapping").values()
        if m["Properties"]["FunctionName"] == {"Ref": fn_id}
    ]
    assert len(mappings) == 1
    m = mappings[0]
    assert m["EventSourceArn"] == {"Fn::GetAtt": [queue_id, "Arn"]}
    assert m["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    # One video per invocation: the 900 s timeout bounds the whole batch.
    assert m["BatchSize"] == 1
    assert m["ScalingConfig"]["MaximumConcurrency"] >= 2


def _image_functions(synth: Synth) -> dict[str, dict[str, Any]]:
    """The handler image's functions (not CDK's log-retention custom resource)."""
    return {
        k: f for k, f in synth.resources("AWS::Lambda::Function").items() if "ImageConfig" in f["Properties"]
    }


def test_all_handlers_run_from_the_one_handler_image(synth: Synth) -> None:
    commands = {k: f["Properties"]["ImageConfig"]["Command"][0] for k, f in _image_functions(synth).items()}
    assert sorted(commands.values()) == [
        "lambdas.analyze.handler",
        "lambdas.labels.handler",
        "lambdas.long_video.handler",
        "lambdas.promote.handler",
        "lambdas.training_gate.handler",
        "lambdas.video_processor.handler",
    ]
    uris = {json.dumps(f["Properties"]["Code"]["ImageUri"]) for f in _image_functions(synth).values()}
    assert len(uris) == 1
    for command in commands.values():
        module, function = command.rsplit(".", 1)
        assert callable(getattr(importlib.import_module(module), function)), command


# --- training -----------------------------------------------------------------------------------


def test_history_table_is_keyed_by_patient_and_encrypted(synth: Synth) -> None:
    _, table = synth.one("AWS::DynamoDB::Table", "TrainingHistory")
    props = table["Properties"]
    assert props["KeySchema"] == [
        {"AttributeName": "patient", "KeyType": "HASH"},
        {"AttributeName": "sk", "KeyType": "RANGE"},
    ]
    assert props["BillingMode"] == "PAY_PER_REQUEST"
    assert props["SSESpecification"]["SSEEnabled"] is True
    assert props["SSESpecification"]["SSEType"] == "KMS"
    assert props["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True


def test_state_machine_logs_everything_encrypted_and_traces(synth: Synth) -> None:
    _, sm = synth.one("AWS::StepFunctions::StateMachine", "TrainingStateMachine")
    props = sm["Properties"]
    assert props["LoggingConfiguration"]["Level"] == "ALL"
    assert props["TracingConfiguration"] == {"Enabled": True}
    group = props["LoggingConfiguration"]["Destinations"][0]["CloudWatchLogsLogGroup"]["LogGroupArn"]
    (group_id, _attr) = group["Fn::GetAtt"]
    key_id, _ = synth.one("AWS::KMS::Key", "StorageDataKey")
    assert synth.template["Resources"][group_id]["Properties"]["KmsKeyId"] == {"Fn::GetAtt": [key_id, "Arn"]}


def test_train_state_is_a_sync_sagemaker_job_with_retry_and_catch(asl: dict[str, Any]) -> None:
    train = asl["States"]["Train"]
    assert train["Resource"] == "arn:aws:states:::sagemaker:createTrainingJob.sync"
    assert train["Retry"]
    assert all(r["BackoffRate"] > 1 for r in train["Retry"])
    assert train["Catch"] == [
        {"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "RecordFailure"}
    ]
    params = train["Parameters"]
    assert params["TrainingJobName.$"] == "$.analysis.training_job_name"
    assert params["AlgorithmSpecification"]["TrainingImage"].startswith("123456789012.dkr.ecr.us-east-1.")
    (channel,) = params["InputDataConfig"]
    assert channel["ChannelName"] == "train"
    assert channel["DataSource"]["S3DataSource"]["S3Uri.$"] == "$.analysis.train_uri"
    assert params["OutputDataConfig"]["S3OutputPath.$"] == "$.analysis.output_uri"
    # force reaches the job's own gate (train.py), as a string like every SageMaker hyperparameter.
    # The job knows the patient by reference only: hyperparameters are part of its description.
    assert params["HyperParameters"] == {"patient_ref.$": "$.patient_ref", "force.$": "$.analysis.force"}
    assert params["ResourceConfig"]["InstanceType"] == "ml.m5.large"
    assert params["EnableNetworkIsolation"] is True
    # The step times out (caught, recorded) before the execution would (no row at all).
    max_runtime = params["StoppingCondition"]["MaxRuntimeInSeconds"]
    assert max_runtime < train["TimeoutSeconds"] < asl["TimeoutSeconds"]


def test_state_machine_flow(asl: dict[str, Any]) -> None:
    states = asl["States"]
    assert asl["StartAt"] == "Analyze"
    assert states["ReadyToTrain?"]["Choices"][0]["Next"] == "Train"
    assert states["ReadyToTrain?"]["Default"] == "RecordSkipped"
    assert [states["Train"]["Next"], states["Promote"]["Next"], states["RecordTrained"]["Next"]] == [
        "Promote",
        "RecordTrained",
        "HoldsTheLockThroughTheCooldown?",
    ]
    assert states["RecordTrained"]["Resource"] == "arn:aws:states:::dynamodb:putItem"
    assert states["RecordSkipped"]["Parameters"]["Item"]["status"] == {"S": "skipped"}
    assert states["RecordSkipped"]["Parameters"]["Item"]["reasons"] == {"S.$": "$.analysis.reasons_text"}
    for name in ("Analyze", "Train", "Promote", "RecordTrained", "RecordSkipped", "ReleaseLock", "Recheck"):
        assert states[name]["Catch"][-1]["Next"] == "RecordFailure", name
        assert states[name]["Retry"], name
    # A gate-started run that trained holds the lock through the cooldown; every other ending (a
    # manual run, a skipped patient) releases it at once. The release is conditional on the owner.
    gate_choice = {"Variable": "$.analysis.gate", "BooleanEquals": True}
    trained = states["HoldsTheLockThroughTheCooldown?"]
    assert trained["Choices"] == [{**gate_choice, "Next": "Cooldown"}]
    assert trained["Default"] == "ReleaseLock"
    assert states["RecordSkipped"]["Next"] == "ReleaseLock"
    assert states["Cooldown"] == {
        "Type": "Wait",
        "SecondsPath": "$.analysis.cooldown_s",
        "Next": "ReleaseLock",
    }


def test_a_failed_run_releases_its_lock_and_rechecks_before_it_fails(asl: dict[str, Any]) -> None:
    """A failure no longer keeps the lock for hours: RecordFailure → the owner-checked release →
    the Recheck when uploads arrived meanwhile → Failed. Those states catch nothing into
    RecordFailure (a failing release must not loop)."""
    states = asl["States"]
    assert states["RecordFailure"]["Next"] == "ReleaseLockAfterFailure"
    release = states["ReleaseLockAfterFailure"]
    assert release["Resource"] == "arn:aws:states:::dynamodb:deleteItem"
    assert release["Parameters"]["ConditionExpression"] == "#owner = :me"
    assert release["Parameters"]["ExpressionAttributeValues"] == {":me": {"S.$": "$$.Execution.Name"}}
    assert [c["Next"] for c in release["Catch"]] == ["Failed"]
    assert release["Next"] == "UploadsWhileLockedAfterFailure?"
    choice = states["UploadsWhileLockedAfterFailure?"]
    assert choice["Choices"] == [
        {"Variable": "$.released.Attributes.pending_since", "IsPresent": True, "Next": "RecheckAfterFailure"}
    ]
    assert choice["Default"] == "Failed"
    assert states["RecheckAfterFailure"]["Next"] == "Failed"
    assert "Catch" not in states["RecheckAfterFailure"]
    assert states["Failed"]["Type"] == "Fail"


def test_release_frees_only_the_executions_own_lock_and_rechecks_waiting_uploads(asl: dict[str, Any]) -> None:
    states = asl["States"]
    release = states["ReleaseLock"]
    assert release["Resource"] == "arn:aws:states:::dynamodb:deleteItem"
    params = release["Parameters"]
    assert params["ConditionExpression"] == "#owner = :me"
    assert params["ExpressionAttributeNames"] == {"#owner": "owner"}
    assert params["ExpressionAttributeValues"] == {":me": {"S.$": "$$.Execution.Name"}}
    assert params["ReturnValues"] == "ALL_OLD"
    # Someone else's lock (a newer run's): nothing to release, not a failure.
    assert release["Catch"][0] == {
        "ErrorEquals": ["DynamoDB.ConditionalCheckFailedException"],
        "ResultPath": None,
        "Next": "LockReleased",
    }
    assert states["UploadsWhileLocked?"]["Choices"] == [
        {"Variable": "$.released.Attributes.pending_since", "IsPresent": True, "Next": "Recheck"}
    ]
    for recheck in ("Recheck", "RecheckAfterFailure"):
        (entry,) = states[recheck]["Parameters"]["Entries"]
        assert (entry["Source"], entry["DetailType"]) == ("voice.training", "Recheck")
        # The reference only: events (and their dead letters) leave the buckets.
        assert entry["Detail"] == {"patient_ref.$": "$.patient_ref"}


def test_the_gate_lock_outlives_any_execution(synth: Synth, asl: dict[str, Any]) -> None:
    _, gate = synth.one("AWS::Lambda::Function", "TrainingGateFunction")
    lock_s = int(gate["Properties"]["Environment"]["Variables"]["VOICE_GATE_LOCK_S"])
    assert lock_s >= asl["TimeoutSeconds"]
    _, analyze = synth.one("AWS::Lambda::Function", "TrainingAnalyzeFunction")
    cooldown = int(analyze["Properties"]["Environment"]["Variables"]["VOICE_GATE_COOLDOWN_S"])
    # A trained run waits out the cooldown inside the execution; its timeout leaves room for that.
    assert asl["TimeoutSeconds"] >= asl["States"]["Train"]["TimeoutSeconds"] + cooldown


def test_a_recheck_event_reaches_the_gate_with_a_dlq(synth: Synth) -> None:
    rules = _rules(synth)
    (rule_id,) = [k for k in rules if k.startswith("TrainingRecheckRequested")]
    gate_id, _ = synth.one("AWS::Lambda::Function", "TrainingGateFunction")
    assert rules[rule_id]["EventPattern"] == {"source": ["voice.training"], "detail-type": ["Recheck"]}
    assert rules[rule_id]["Targets"][0]["Arn"] == {"Fn::GetAtt": [gate_id, "Arn"]}
    # The state machine may put exactly that event on the default bus.
    refs = fake_refs(synth.template)
    statements = template.statements(synth, "TrainingStateMachineRole")
    assert template.resources_for(statements, "events:PutEvents") == {
        f"arn:aws:events:{FAKE_REGION}:{FAKE_ACCOUNT}:event-bus/default"
    }
    assert refs  # (the fake refs resolve the statement resources above)


def test_samples_rule_triggers_the_gate_with_a_dlq(synth: Synth) -> None:
    rules = _rules(synth)
    (rule_id,) = [k for k in rules if k.startswith("TrainingSamplesAdded")]
    patients_id, _ = template.bucket(synth, "Patients")
    gate_id, gate = synth.one("AWS::Lambda::Function", "TrainingGateFunction")
    pattern = rules[rule_id]["EventPattern"]
    assert pattern["detail"]["bucket"]["name"] == [{"Ref": patients_id}]
    assert pattern["detail"]["object"]["key"] == [{"wildcard": "*/.sessions/*.json"}]
    assert rules[rule_id]["Targets"][0]["Arn"] == {"Fn::GetAtt": [gate_id, "Arn"]}
    assert gate["Properties"]["DeadLetterConfig"]["TargetArn"]


def test_a_reviews_file_written_reaches_the_labels_function_with_dlqs(synth: Synth) -> None:
    rules = _rules(synth)
    (rule_id,) = [k for k in rules if k.startswith("LabelsReviewsWritten")]
    patients_id, _ = template.bucket(synth, "Patients")
    fn_id, fn = synth.one("AWS::Lambda::Function", "LabelsLabelsFunction")
    pattern = rules[rule_id]["EventPattern"]
    assert pattern["source"] == ["aws.s3"]
    assert pattern["detail-type"] == ["Object Created"]
    assert pattern["detail"]["bucket"]["name"] == [{"Ref": patients_id}]
    assert pattern["detail"]["object"]["key"] == [{"wildcard": "*/reviews/*.json"}]
    (target,) = rules[rule_id]["Targets"]
    assert target["Arn"] == {"Fn::GetAtt": [fn_id, "Arn"]}
    assert target["RetryPolicy"]["MaximumRetryAttempts"] == 4
    assert fn["Properties"]["DeadLetterConfig"]["TargetArn"]
    assert fn["Properties"]["ImageConfig"]["Command"] == ["lambdas.labels.handler"]
    env = fn["Properties"]["Environment"]["Variables"]
    assert {"VOICE_VIDEOS_BUCKET", "VOICE_PATIENTS_BUCKET", "VOICE_REF_SECRET_ARN"} <= set(env)


def test_the_samples_rule_sees_the_labels_index_but_not_reviews_or_tracks(synth: Synth) -> None:
    """The labels function ends with the session index (→ the gate); a reviews file or a pose track
    starts nothing but the labels function."""
    import fnmatch

    rules = _rules(synth)
    (samples,) = [r for k, r in rules.items() if k.startswith("TrainingSamplesAdded")]
    (reviews,) = [r for k, r in rules.items() if k.startswith("LabelsReviewsWritten")]

    def matches(rule: dict[str, Any], key: str) -> bool:
        (wildcard,) = rule["EventPattern"]["detail"]["object"]["key"]
        return fnmatch.fnmatchcase(key, wildcard["wildcard"])

    assert matches(samples, "maria/.sessions/garden-0123456789.json")
    assert not matches(samples, "maria/.sessions/garden-0123456789.track.npz")
    assert not matches(samples, "maria/reviews/garden-0123456789.json")
    assert matches(reviews, "maria/reviews/garden-0123456789.json")
    assert not matches(reviews, "maria/.sessions/garden-0123456789.json")


# --- IAM ----------------------------------------------------------------------------------------


def test_labels_role_reads_the_session_and_writes_only_its_samples_and_index(synth: Synth) -> None:
    refs = fake_refs(synth.template)
    videos = refs[f"{template.bucket(synth, 'Videos')[0]}.Arn"]
    patients = refs[f"{template.bucket(synth, 'Patients')[0]}.Arn"]
    statements = template.statements(synth, "LabelsLabelsFunctionRole")
    samples = {f"{patients}/*/{e}/*" for e in EMOTIONS}
    assert template.resources_for(statements, "s3:GetObject") == {
        f"{videos}/annotated/*_metadata.json",
        *samples,
        f"{patients}/*/.sessions/*",
        f"{patients}/*/reviews/*",
    }
    written = {*samples, f"{patients}/*/.sessions/*"}
    assert template.resources_for(statements, "s3:PutObject") == written, "never a reviews file"
    assert template.resources_for(statements, "s3:DeleteObject") == written
    (deny,) = [st for st in statements if st["Effect"] == "Deny"]
    assert set(template.actions(deny)) == {"s3:PutObject", "s3:DeleteObject"}
    assert deny["Resource"] == [f"{patients}/models/*", f"{patients}/work/*"]
    s3_actions = {a for st in statements for a in template.actions(st) if a.startswith("s3:")}
    assert s3_actions == {"s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:ListBucket"}


def test_video_role_writes_only_outputs_and_sample_folders(synth: Synth) -> None:
    refs = fake_refs(synth.template)
    videos = refs[f"{template.bucket(synth, 'Videos')[0]}.Arn"]
    patients = refs[f"{template.bucket(synth, 'Patients')[0]}.Arn"]
    statements = template.statements(synth, "ProcessingVideoProcessorRole")
    assert template.resources_for(statements, "s3:PutObject") == {
        f"{videos}/annotated/*",
        f"{videos}/failed/*",
        f"{videos}/work/leases/*",  # the session's lease before its outputs are written
        *(f"{patients}/*/{e}/*" for e in EMOTIONS),
        f"{patients}/*/.sessions/*",
        f"{patients}/*/profile.json",  # the patient's colours, learnt from a pinned video
    }
    # Deleting is for replacing a session's samples as one unit (index, then old files), and for
    # the record its stop guards wrote once the run ended normally.
    assert template.resources_for(statements, "s3:DeleteObject") == {
        *(f"{patients}/*/{e}/*" for e in EMOTIONS),
        f"{patients}/*/.sessions/*",
        f"{videos}/failed/*",
    }
    allowed = {"s3:GetObject", "s3:GetObjectVersion", "s3:PutObject", "s3:DeleteObject", "s3:ListBucket"}
    actions = {a for st in statements if st["Effect"] == "Allow" for a in template.actions(st)}
    assert not {a for a in actions if a.startswith("s3:") and a not in allowed}
    for st in statements:
        if any(a.startswith("s3:") for a in template.actions(st)):
            resources = st["Resource"] if isinstance(st["Resource"], list) else [st["Resource"]]
            assert "*" not in resources
        if st["Effect"] == "Allow" and any(
            a in {"s3:PutObject", "s3:DeleteObject"} for a in template.actions(st)
        ):
            assert not any("/models" in r for r in st["Resource"]), st
    # IAM's "*" spans "/": <bucket>/*/happiness/* also matches models/<p>/happiness/... and a
    # training run's staged copy work/training/<ref>/<stage>/samples/happiness/... An explicit Deny
    # keeps writes and deletes away from both, whatever a run id or a stage is called.
    (deny,) = [st for st in statements if st["Effect"] == "Deny"]
    assert set(template.actions(deny)) == {"s3:PutObject", "s3:DeleteObject"}
    assert deny["Resource"] == [f"{patients}/models/*", f"{patients}/work/*"]
    # Reading the promoted model (predictions in the metadata) is allowed; nothing else of models/.
    assert f"{patients}/models/*" in template.resources_for(statements, "s3:GetObject")
    assert f"{patients}/*/profile.json" in template.resources_for(statements, "s3:GetObject")
    # A re-run reads the session's reviews (its samples follow the labels) and never writes them.
    assert f"{patients}/*/reviews/*" in template.resources_for(statements, "s3:GetObject")


def test_training_role_reads_only_the_staged_copy_and_writes_only_its_output(synth: Synth) -> None:
    """A job reads the samples Analyze staged under the patient's reference, never a patient's own
    folder (nor another patient's), and writes its artifacts next to them for Promote."""
    refs = fake_refs(synth.template)
    patients = refs[f"{template.bucket(synth, 'Patients')[0]}.Arn"]
    statements = template.statements(synth, "TrainingSageMakerRole")
    assert template.resources_for(statements, "s3:PutObject") == {f"{patients}/work/training/*/output/*"}
    assert template.resources_for(statements, "s3:GetObject") == {f"{patients}/work/training/*"}
    (listing,) = [st for st in statements if "s3:ListBucket" in template.actions(st)]
    assert listing["Condition"] == {"StringLike": {"s3:prefix": "work/training/*"}}
    trust = synth.one("AWS::IAM::Role", "TrainingSageMakerRole")[1]["Properties"]["AssumeRolePolicyDocument"]
    assert trust["Statement"][0]["Principal"] == {"Service": "sagemaker.amazonaws.com"}


def test_promote_role_writes_only_models(synth: Synth) -> None:
    refs = fake_refs(synth.template)
    patients = refs[f"{template.bucket(synth, 'Patients')[0]}.Arn"]
    statements = template.statements(synth, "TrainingPromoteFunctionRole")
    assert template.resources_for(statements, "s3:PutObject") == {f"{patients}/models/*"}
    assert template.resources_for(statements, "s3:GetObject") == {
        f"{patients}/models/*",
        f"{patients}/work/training/*",
    }


def test_analyze_role_reads_samples_and_writes_only_the_staged_copy(synth: Synth) -> None:
    refs = fake_refs(synth.template)
    patients = refs[f"{template.bucket(synth, 'Patients')[0]}.Arn"]
    statements = template.statements(synth, "TrainingAnalyzeFunctionRole")
    assert template.resources_for(statements, "s3:PutObject") == {f"{patients}/work/training/*"}
    assert template.resources_for(statements, "s3:GetObject") == {
        *(f"{patients}/*/{e}/*" for e in EMOTIONS),
        f"{patients}/*/.sessions/*",
    }
    via = [st for st in statements if "kms:ViaService" in st.get("Condition", {}).get("StringEquals", {})]
    assert {resolve(st["Condition"]["StringEquals"]["kms:ViaService"], refs) for st in via} == {
        f"s3.{FAKE_REGION}.amazonaws.com"
    }


def test_the_account_wide_training_log_group_gets_a_retention_and_is_never_deleted(synth: Synth) -> None:
    """SageMaker logs every job to /aws/sagemaker/TrainingJobs: a custom resource sets its
    retention (creating it if needed); the stack neither owns it (no AWS::Logs::LogGroup) nor
    deletes it (RETAIN), and its role may set retention on that group and its own only."""
    (retention,) = [r["Properties"] for r in synth.resources("Custom::LogRetention").values()]
    assert retention["LogGroupName"] == "/aws/sagemaker/TrainingJobs"
    assert retention["RetentionInDays"] == 365
    assert retention.get("RemovalPolicy", "retain") == "retain"
    groups = [r["Properties"].get("LogGroupName") for r in synth.resources("AWS::Logs::LogGroup").values()]
    assert "/aws/sagemaker/TrainingJobs" not in groups
    statements = template.statements(synth, "TrainingTrainingLogsRetentionRole")
    (deny,) = [st for st in statements if st["Effect"] == "Deny"]
    assert set(template.actions(deny)) == {"logs:PutRetentionPolicy", "logs:DeleteRetentionPolicy"}
    refs = fake_refs(synth.template)
    assert {resolve(r, refs) for r in deny["NotResource"]} == {
        f"arn:aws:logs:{FAKE_REGION}:{FAKE_ACCOUNT}:log-group:{name}{suffix}"
        for name in ("/aws/sagemaker/TrainingJobs", "/aws/lambda/*")
        for suffix in ("", ":*")
    }


NO_RESOURCE_SCOPE = {
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    "xray:GetSamplingRules",
    "xray:GetSamplingTargets",
    "ecr:GetAuthorizationToken",
    "cloudwatch:PutMetricData",
    "sagemaker:ListTags",
    "logs:CreateLogDelivery",
    "logs:GetLogDelivery",
    "logs:UpdateLogDelivery",
    "logs:DeleteLogDelivery",
    "logs:ListLogDeliveries",
    "logs:PutResourcePolicy",
    "logs:DescribeResourcePolicies",
    "logs:DescribeLogGroups",
    # CDK's LogRetention grants these on "*"; an explicit Deny scopes them to two groups (tested above).
    "logs:PutRetentionPolicy",
    "logs:DeleteRetentionPolicy",
}


def test_no_wildcard_actions_and_star_resources_only_where_no_scope_exists(synth: Synth) -> None:
    for logical, policy in synth.resources("AWS::IAM::Policy").items():
        for st in policy["Properties"]["PolicyDocument"]["Statement"]:
            actions = st["Action"] if isinstance(st["Action"], list) else [st["Action"]]
            assert not any(a in {"*", "s3:*"} or a.endswith(":*") for a in actions), (logical, actions)
            if st.get("Resource") == "*":
                assert set(actions) <= NO_RESOURCE_SCOPE, (logical, actions)


# --- outputs ------------------------------------------------------------------------------------


def test_outputs_name_everything_the_cli_needs(synth: Synth) -> None:
    """One list of outputs: the stack declares exactly voice.aws.outputs.STACK_OUTPUTS, and every
    name the cloud CLI resolves is one of them."""
    from dataclasses import fields

    from voice.aws.outputs import STACK_OUTPUTS, CloudNames

    outputs = synth.template["Outputs"]
    assert set(outputs) == {o.name for o in STACK_OUTPUTS}
    assert {f.name for f in fields(CloudNames)} <= {o.setting for o in STACK_OUTPUTS}
    key_id, _ = synth.one("AWS::KMS::Key", "StorageDataKey")
    assert outputs["DataKeyArn"]["Value"] == {"Fn::GetAtt": [key_id, "Arn"]}
    sm_id, _ = synth.one("AWS::StepFunctions::StateMachine", "TrainingStateMachine")
    assert outputs["StateMachineArn"]["Value"] == {"Ref": sm_id}
    long_id, _ = synth.one("AWS::StepFunctions::StateMachine", "LongVideosStateMachine")
    assert outputs["LongVideoStateMachineArn"]["Value"] == {"Ref": long_id}
    assert outputs["UploadQueueUrl"]["Value"] == {"Ref": synth.one("AWS::SQS::Queue", "ProcessingUploads")[0]}


@pytest.mark.parametrize("role_prefix", ["TrainingGateFunctionRole", "TrainingStateMachineRole"])
def test_table_writers_may_use_the_data_key_only_through_dynamodb(synth: Synth, role_prefix: str) -> None:
    refs = fake_refs(synth.template)
    key_arn = refs[f"{synth.one('AWS::KMS::Key', 'StorageDataKey')[0]}.Arn"]
    statements = [st for st in template.statements(synth, role_prefix) if key_arn in st["Resource"]]
    via = [st for st in statements if "kms:ViaService" in st["Condition"].get("StringEquals", {})]
    services = {resolve(st["Condition"]["StringEquals"]["kms:ViaService"], refs) for st in via}
    assert "dynamodb.us-east-1.amazonaws.com" in services
    # The gate also writes its dead-letter queue (SQS); nothing else may use the key that way.
    assert services <= {"dynamodb.us-east-1.amazonaws.com", "sqs.us-east-1.amazonaws.com"}
    # The rest is the encrypted state machine's own data, bound to it by the encryption context.
    for st in statements:
        if st not in via:
            (context_key,) = st["Condition"]["StringEquals"]
            assert context_key.startswith("kms:EncryptionContext:"), st


def test_every_function_can_write_its_encrypted_dead_letter_queue(synth: Synth) -> None:
    """Lambda sends a failed asynchronous event to the DLQ with the function's role: for a queue
    encrypted with the data key, the role needs kms:GenerateDataKey and kms:Decrypt on it."""
    refs = fake_refs(synth.template)
    checked = 0
    for _logical, fn in synth.resources("AWS::Lambda::Function").items():
        dlq = fn["Properties"].get("DeadLetterConfig", {}).get("TargetArn")
        if not dlq:
            continue
        queue = synth.template["Resources"][dlq["Fn::GetAtt"][0]]["Properties"]
        key_arn = resolve(queue["KmsMasterKeyId"], refs)
        role_id = fn["Properties"]["Role"]["Fn::GetAtt"][0]
        statements = template.statements(synth, role_id)
        assert resolve(dlq, refs) in template.resources_for(statements, "sqs:SendMessage")
        # Usable by SQS: no kms:ViaService condition, or SQS's own (a grant via DynamoDB is not).
        via_sqs = [
            st
            for st in statements
            if resolve(
                st.get("Condition", {}).get("StringEquals", {}).get("kms:ViaService", "sqs."), refs
            ).startswith("sqs.")
        ]
        for action in ("kms:GenerateDataKey", "kms:Decrypt"):
            assert key_arn in template.resources_for(via_sqs, action), (role_id, action)
        checked += 1
    assert checked >= 1


def test_the_queue_takes_our_rule_only_and_the_key_takes_events_through_sqs_only(synth: Synth) -> None:
    refs = fake_refs(synth.template)
    queue_id, _ = synth.one("AWS::SQS::Queue", "ProcessingUploads")
    (policy,) = [
        p["Properties"]["PolicyDocument"]
        for p in synth.resources("AWS::SQS::QueuePolicy").values()
        if {"Ref": queue_id} in p["Properties"]["Queues"]
    ]
    (events_st,) = [
        st for st in policy["Statement"] if st.get("Principal") == {"Service": "events.amazonaws.com"}
    ]
    assert resolve(events_st["Condition"]["StringEquals"]["aws:SourceAccount"], refs) == FAKE_ACCOUNT
    # Any other sender (another rule of the account, a user with sqs:SendMessage) is refused.
    (only,) = [st for st in policy["Statement"] if st.get("Sid") == "OnlyTheUploadRule"]
    rule_id, _ = synth.one("AWS::Events::Rule", "ProcessingUploadToQueue")
    assert (only["Effect"], only["Principal"], only["Action"]) == ("Deny", {"AWS": "*"}, "sqs:SendMessage")
    assert only["Condition"] == {"ArnNotEquals": {"aws:SourceArn": {"Fn::GetAtt": [rule_id, "Arn"]}}}
    # The key: EventBridge is allowed for this account's rules and denied anything but SQS. (A
    # rule's ARN cannot be named in the key policy: rule → queue → key would form a cycle.)
    _, key = synth.one("AWS::KMS::Key", "StorageDataKey")
    statements = [
        st
        for st in key["Properties"]["KeyPolicy"]["Statement"]
        if st.get("Principal") == {"Service": "events.amazonaws.com"}
    ]
    allows = [st for st in statements if st["Effect"] == "Allow"]
    assert allows
    for st in allows:
        assert resolve(st["Condition"]["StringEquals"]["aws:SourceAccount"], refs) == FAKE_ACCOUNT
    (deny,) = [st for st in statements if st["Effect"] == "Deny"]
    assert deny["Action"] == "kms:*"
    assert (
        resolve(deny["Condition"]["StringNotEquals"]["kms:ViaService"], refs)
        == f"sqs.{FAKE_REGION}.amazonaws.com"
    )


def test_the_log_delivery_principal_uses_the_key_for_this_account_only(synth: Synth) -> None:
    _, key = synth.one("AWS::KMS::Key", "StorageDataKey")
    statements = [
        st
        for st in key["Properties"]["KeyPolicy"]["Statement"]
        if st.get("Principal") == {"Service": "delivery.logs.amazonaws.com"}
    ]
    (deny,) = [st for st in statements if st["Effect"] == "Deny"]
    assert deny["Action"] == "kms:*"
    refs = fake_refs(synth.template)
    assert resolve(deny["Condition"]["StringNotEquals"]["aws:SourceAccount"], refs) == FAKE_ACCOUNT


@pytest.mark.parametrize("name", ["Videos", "Patients"])
def test_data_buckets_refuse_writes_not_encrypted_with_the_data_key(synth: Synth, name: str) -> None:
    """Every writer sends SSE-KMS with the data key (tests/functional/aws: the headers); the bucket
    refuses any other PutObject — moto cannot evaluate bucket policies, so the document is checked."""
    logical, _ = template.bucket(synth, name)
    key_id, _ = synth.one("AWS::KMS::Key", "StorageDataKey")
    (policy,) = [
        p["Properties"]["PolicyDocument"]
        for p in synth.resources("AWS::S3::BucketPolicy").values()
        if p["Properties"]["Bucket"] == {"Ref": logical}
    ]
    (deny,) = [st for st in policy["Statement"] if st.get("Sid") == "DenyWritesNotEncryptedWithTheDataKey"]
    assert (deny["Effect"], deny["Principal"], deny["Action"]) == ("Deny", {"AWS": "*"}, "s3:PutObject")
    assert deny["Resource"] == {"Fn::Join": ["", [{"Fn::GetAtt": [logical, "Arn"]}, "/*"]]}
    assert deny["Condition"] == {
        "StringNotEquals": {
            "s3:x-amz-server-side-encryption-aws-kms-key-id": [
                {"Fn::GetAtt": [key_id, "Arn"]},
                {"Ref": key_id},
            ]
        }
    }


def test_every_writer_is_told_the_data_key(synth: Synth) -> None:
    key_id, _ = synth.one("AWS::KMS::Key", "StorageDataKey")
    for prefix in (
        "ProcessingVideoProcessor",
        "LongVideosStepsFunction",
        "TrainingAnalyze",
        "TrainingPromote",
    ):
        _, fn = synth.one("AWS::Lambda::Function", prefix)
        env = fn["Properties"]["Environment"]["Variables"]
        assert env["VOICE_DATA_KEY_ARN"] == {"Fn::GetAtt": [key_id, "Arn"]}, prefix
    train = synth.template  # SageMaker encrypts its output with the same key (OutputDataConfig)
    assert train


def test_every_event_target_has_a_dead_letter_queue(synth: Synth) -> None:
    dlq_id, _ = synth.one("AWS::SQS::Queue", "MonitoringEventDeadLetters")
    targets = [t for rule in _rules(synth).values() for t in rule["Targets"]]
    assert len(targets) == 5
    for target in targets:
        assert target["DeadLetterConfig"] == {"Arn": {"Fn::GetAtt": [dlq_id, "Arn"]}}, target


NAME_PROPERTIES = {"BucketName", "TableName", "QueueName", "LogGroupName", "TopicName", "Name", "KeyAlias"}


def test_retained_resources_have_no_fixed_names(synth: Synth) -> None:
    """A retained resource outlives `cdk destroy`; a fixed name would make the next deploy fail
    with "already exists". Names must be generated or carry the stack instance's id."""
    retained = {k: r for k, r in synth.template["Resources"].items() if r.get("DeletionPolicy") == "Retain"}
    assert retained
    for logical, resource in retained.items():
        for prop in NAME_PROPERTIES & set(resource.get("Properties", {})):
            assert "AWS::StackId" in json.dumps(resource["Properties"][prop]), (logical, prop)


def test_state_machine_log_group_is_named_per_stack_instance(synth: Synth) -> None:
    _, group = synth.one("AWS::Logs::LogGroup", "TrainingStateMachineLogs")
    name = group["Properties"]["LogGroupName"]
    refs = {**fake_refs(synth.template)}
    joined = json.dumps(name)
    assert "/aws/vendedlogs/states/" in joined
    assert "AWS::StackId" in joined
    assert refs


# --- monitoring ---------------------------------------------------------------------------------


def _alarms(synth: Synth) -> dict[str, dict[str, Any]]:
    return {k: r["Properties"] for k, r in synth.resources("AWS::CloudWatch::Alarm").items()}


def test_alarms_go_to_the_topic_the_stack_outputs(synth: Synth) -> None:
    topic_id, topic = synth.one("AWS::SNS::Topic", "MonitoringAlarms")
    key_id, _ = synth.one("AWS::KMS::Key", "StorageDataKey")
    assert topic["Properties"]["KmsMasterKeyId"] == {"Fn::GetAtt": [key_id, "Arn"]}
    assert synth.template["Outputs"]["AlarmTopicArn"]["Value"] == {"Ref": topic_id}
    alarms = _alarms(synth)
    assert alarms
    for alarm in alarms.values():
        assert alarm["AlarmActions"] == [{"Ref": topic_id}]
        assert (alarm["Threshold"], alarm["ComparisonOperator"]) == (0, "GreaterThanThreshold")
        assert alarm["TreatMissingData"] == "notBreaching"


def test_alarms_watch_dead_letters_video_errors_and_failed_training(synth: Synth) -> None:
    watched: set[tuple[str, str, str]] = set()
    for alarm in _alarms(synth).values():
        (dimension,) = alarm["Dimensions"]
        value = dimension["Value"]
        target = value.get("Fn::GetAtt", [None])[0] or value.get("Ref")
        watched.add((alarm["Namespace"], alarm["MetricName"], target))
    queues = [
        synth.one("AWS::SQS::Queue", p)[0]
        for p in ("ProcessingDeadLetters", "TrainingGateDeadLetters", "MonitoringEventDeadLetters")
    ]
    for queue in queues:
        assert ("AWS/SQS", "ApproximateNumberOfMessagesVisible", queue) in watched
    video_id, _ = template.video_function(synth)
    assert {("AWS/Lambda", "Errors", video_id), ("AWS/Lambda", "Throttles", video_id)} <= watched
    sm_id, _ = synth.one("AWS::StepFunctions::StateMachine", "TrainingStateMachine")
    for metric in ("ExecutionsFailed", "ExecutionsTimedOut", "ExecutionsAborted"):
        assert ("AWS/States", metric, sm_id) in watched


def test_the_alarm_topic_key_statement_is_for_this_accounts_cloudwatch_through_sns(synth: Synth) -> None:
    _, key = synth.one("AWS::KMS::Key", "StorageDataKey")
    statements = [
        s
        for s in key["Properties"]["KeyPolicy"]["Statement"]
        if s.get("Principal") == {"Service": "cloudwatch.amazonaws.com"}
    ]
    refs = fake_refs(synth.template)
    (allow,) = [st for st in statements if st["Effect"] == "Allow"]
    assert set(allow["Action"]) == {"kms:Decrypt", "kms:GenerateDataKey*"}
    assert resolve(allow["Condition"]["StringEquals"]["aws:SourceAccount"], refs) == FAKE_ACCOUNT
    (deny,) = [st for st in statements if st["Effect"] == "Deny"]
    assert (
        resolve(deny["Condition"]["StringNotEquals"]["kms:ViaService"], refs)
        == f"sns.{FAKE_REGION}.amazonaws.com"
    )


@pytest.mark.parametrize(
    ("name", "prefixes"),
    [
        ("Videos", {"annotated/", "failed/", "work/", None}),
        ("Patients", {None, "work/"}),
        ("AccessLogs", {None}),
    ],
)
def test_replaced_versions_expire_except_the_uploads(
    synth: Synth, name: str, prefixes: set[str | None]
) -> None:
    """Replaced versions of what VOICE writes expire; an upload's older version (overwritten by
    another tool, perhaps the one processed) never does: in the videos bucket the expiry rules
    name only VOICE's own prefixes."""
    _, bucket = template.bucket(synth, name)
    props = bucket["Properties"]
    assert props["VersioningConfiguration"] == {"Status": "Enabled"}
    rules = props["LifecycleConfiguration"]["Rules"]
    expiring = {
        r.get("Prefix") for r in rules if r.get("NoncurrentVersionExpiration", {}).get("NoncurrentDays")
    }
    assert expiring == prefixes, rules
    if name == "Videos":  # the one rule without a prefix: versions a reprocess copied (same bytes)
        (superseded,) = [r for r in rules if "TagFilters" in r]
        assert "Prefix" not in superseded
        assert superseded["TagFilters"] == [{"Key": "voice-superseded", "Value": "reprocess"}]
        assert superseded["NoncurrentVersionExpiration"]["NoncurrentDays"] == 30


@pytest.mark.parametrize("name", ["Videos", "Patients"])
def test_work_files_expire_after_fourteen_days(synth: Synth, name: str) -> None:
    """Long videos' parts, leases and staged training data (the work/ prefix, never an upload nor
    a patient) expire: a failed long video's finished segments stay 14 days for a retry."""
    _, bucket = template.bucket(synth, name)
    (rule,) = [
        r for r in bucket["Properties"]["LifecycleConfiguration"]["Rules"] if r.get("Prefix") == "work/"
    ]
    assert rule["ExpirationInDays"] == 14
    assert rule["NoncurrentVersionExpiration"]["NoncurrentDays"] == 1


def test_environment_values_are_keyword_only_and_reach_the_template(tmp_path: Any) -> None:
    import aws_cdk as cdk
    from aws_cdk.assertions import Template

    from infra.stack import VoiceStack

    app = cdk.App(outdir=str(tmp_path))
    with pytest.raises(TypeError):
        VoiceStack(app, "Positional", False)  # type: ignore[misc]
    stack = VoiceStack(
        app, "Small", retain_data=False, video_timeout_s=600, video_memory_mib=2048, training_cooldown_s=900
    )
    resources = Template.from_stack(stack).to_json()["Resources"]
    (fn,) = [
        r
        for k, r in resources.items()
        if k.startswith("ProcessingVideoProcessor") and r["Type"].endswith("Function")
    ]
    assert (fn["Properties"]["Timeout"], fn["Properties"]["MemorySize"]) == (600, 2048)
    (queue,) = [
        r
        for k, r in resources.items()
        if k.startswith("ProcessingUploads") and r["Type"] == "AWS::SQS::Queue"
    ]
    assert queue["Properties"]["VisibilityTimeout"] == 3600
    (analyze,) = [
        r
        for k, r in resources.items()
        if k.startswith("TrainingAnalyzeFunction") and r["Type"].endswith("Function")
    ]
    assert analyze["Properties"]["Environment"]["Variables"]["VOICE_GATE_COOLDOWN_S"] == "900"
    buckets = [r for r in resources.values() if r["Type"] == "AWS::S3::Bucket"]
    assert {b["DeletionPolicy"] for b in buckets} == {"Delete"}
