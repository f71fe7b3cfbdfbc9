"""Storage: the ``videos`` and ``patients`` buckets, their access-log bucket and the data key."""

from __future__ import annotations

from aws_cdk import ArnFormat, Duration, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from voice.aws.reprocess import SUPERSEDED_TAG
from voice.layout import WORK, WORK_DAYS

__all__ = ["Storage"]


class Storage(Construct):
    """Two KMS-encrypted, versioned, private, TLS-only buckets that send events to EventBridge.

    ``removal_policy`` applies to the buckets and the key; keep the default ``RETAIN`` for real
    patient data (a destroyed stack then leaves the data in place).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        removal_policy: RemovalPolicy = RemovalPolicy.RETAIN,
        access_log_retention_days: int = 365,
        noncurrent_version_retention_days: int = 30,
    ) -> None:
        super().__init__(scope, construct_id)
        # Grant log delivery by bucket policy, not by the legacy LogDeliveryWrite ACL (ACLs stay off).
        self.node.set_context("@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy", True)
        stack = Stack.of(self)

        self.key = kms.Key(
            self,
            "DataKey",
            description="VOICE data key: buckets, queues, history table, logs, training volumes",
            enable_key_rotation=True,
            removal_policy=removal_policy,
        )
        # CloudWatch Logs encrypts the log groups with this key; a service principal gets in
        # only through the key policy, and only for this account's log groups.
        self.key.add_to_resource_policy(
            iam.PolicyStatement(
                principals=[iam.ServicePrincipal(f"logs.{stack.region}.amazonaws.com")],
                actions=[
                    "kms:Encrypt*",
                    "kms:Decrypt*",
                    "kms:ReEncrypt*",
                    "kms:GenerateDataKey*",
                    "kms:Describe*",
                ],
                resources=["*"],
                conditions={
                    "ArnLike": {
                        "kms:EncryptionContext:aws:logs:arn": stack.format_arn(
                            service="logs",
                            resource="log-group",
                            resource_name="*",
                            arn_format=ArnFormat.COLON_RESOURCE_NAME,
                        )
                    }
                },
            )
        )

        # Vended logs (the state machines' log groups) reach the key through the log-delivery
        # service: CDK's statement for it has no condition; only this account's deliveries may.
        self.key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="LogDeliveryForThisAccountOnly",
                effect=iam.Effect.DENY,
                principals=[iam.ServicePrincipal("delivery.logs.amazonaws.com")],
                actions=["kms:*"],
                resources=["*"],
                conditions={"StringNotEquals": {"aws:SourceAccount": stack.account}},
            )
        )

        # S3 server access logging cannot deliver to a bucket encrypted with a customer key:
        # the log bucket uses SSE-S3 (acknowledged in infra/nag.py).
        self.access_logs = s3.Bucket(
            self,
            "AccessLogs",
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            versioned=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            lifecycle_rules=[
                s3.LifecycleRule(
                    expiration=Duration.days(access_log_retention_days),
                    # Versioned: without this, expired logs would live on as noncurrent versions.
                    noncurrent_version_expiration=Duration.days(noncurrent_version_retention_days),
                )
            ],
            removal_policy=removal_policy,
        )
        noncurrent = Duration.days(noncurrent_version_retention_days)
        # Uploads are never deleted, not even an older version someone overwrote with another tool
        # (it may be the one processed): only what VOICE writes itself expires when replaced, and a
        # version `voice cloud reprocess` copied onto a new one (the same bytes) after 30 days.
        self.videos = self._data_bucket(
            "Videos", "videos/", removal_policy, {"annotated/": noncurrent, "failed/": noncurrent}
        )
        self.videos.add_lifecycle_rule(
            id="SupersededByReprocess",
            tag_filters={SUPERSEDED_TAG: "reprocess"},
            noncurrent_version_expiration=noncurrent,
        )
        self.patients = self._data_bucket("Patients", "patients/", removal_policy, {"": noncurrent})
        for bucket in (self.videos, self.patients):
            # Work files (long videos' parts, leases, staged training data) expire.
            bucket.add_lifecycle_rule(
                id="WorkFilesExpire",
                prefix=f"{WORK}/",
                expiration=Duration.days(WORK_DAYS),
                noncurrent_version_expiration=Duration.days(1),
            )
        # The key of the patient references (voice.refs): what logs, execution names and the
        # history table show instead of a name. Kept with the data: a new key changes every ref.
        self.ref_secret = secretsmanager.Secret(
            self,
            "PatientRefKey",
            description="VOICE: HMAC key of the patient references in logs, names and history rows",
            encryption_key=self.key,
            generate_secret_string=secretsmanager.SecretStringGenerator(
                password_length=64, exclude_punctuation=True
            ),
            removal_policy=removal_policy,
        )

    def _data_bucket(
        self,
        construct_id: str,
        log_prefix: str,
        removal_policy: RemovalPolicy,
        noncurrent: dict[str, Duration],
    ) -> s3.Bucket:
        """A data bucket; ``noncurrent``: key prefix → how long replaced versions are kept."""
        rules = [s3.LifecycleRule(abort_incomplete_multipart_upload_after=Duration.days(7))]
        rules += [
            s3.LifecycleRule(prefix=prefix or None, noncurrent_version_expiration=days)
            for prefix, days in noncurrent.items()
        ]
        bucket = s3.Bucket(
            self,
            construct_id,
            encryption=s3.BucketEncryption.KMS,
            encryption_key=self.key,
            bucket_key_enabled=True,
            versioned=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            server_access_logs_bucket=self.access_logs,
            server_access_logs_prefix=log_prefix,
            lifecycle_rules=rules,
            removal_policy=removal_policy,
        )
        # Every writer asks for SSE-KMS with this key (voice.aws.s3.S3Store, voice cloud upload,
        # SageMaker's output): anything else is refused, so no object is ever under another key.
        bucket.add_to_resource_policy(
            iam.PolicyStatement(
                sid="DenyWritesNotEncryptedWithTheDataKey",
                effect=iam.Effect.DENY,
                principals=[iam.AnyPrincipal()],
                actions=["s3:PutObject"],
                resources=[bucket.arn_for_objects("*")],
                conditions={
                    "StringNotEquals": {
                        "s3:x-amz-server-side-encryption-aws-kms-key-id": [self.key.key_arn, self.key.key_id]
                    }
                },
            )
        )
        # EventBridge notifications as a plain bucket property. (``event_bridge_enabled=True``
        # would deploy a custom-resource Lambda with a managed-policy role to set the same flag.)
        cfn = bucket.node.default_child
        assert isinstance(cfn, s3.CfnBucket)
        cfn.add_property_override(
            "NotificationConfiguration.EventBridgeConfiguration.EventBridgeEnabled", True
        )
        return bucket
