"""Monitoring: where problems go. One SNS topic (a stack output: subscribe to it) receives every
alarm; EventBridge targets that cannot be reached leave their events in one dead-letter queue.

Alarms: any message in a dead-letter queue, any error or throttle of the video function, any
training execution that failed, timed out or was aborted.
"""

from __future__ import annotations

from aws_cdk import Duration, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from infra.components.runtime import dead_letter_queue, key_only_through

__all__ = ["Monitoring"]

PERIOD = Duration.minutes(5)


class Monitoring(Construct):
    """The alarm topic, the events' dead-letter queue, and the alarms added by ``watch_*``."""

    def __init__(self, scope: Construct, construct_id: str, *, key: kms.IKey) -> None:
        super().__init__(scope, construct_id)
        self.topic = sns.Topic(self, "Alarms", display_name="VOICE alarms", master_key=key, enforce_ssl=True)
        # CloudWatch publishes to the encrypted topic with the data key, for this account only.
        key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="CloudWatchAlarmsPublishToTheTopic",
                principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
                actions=["kms:Decrypt", "kms:GenerateDataKey*"],
                resources=["*"],
                conditions={"StringEquals": {"aws:SourceAccount": Stack.of(self).account}},
            )
        )
        # ... and only through SNS (publishing to the topic), never directly.
        key_only_through(key, "CloudWatchUsesTheKeyOnlyThroughSNS", "cloudwatch.amazonaws.com", "sns")
        self.event_dead_letters = dead_letter_queue(self, "EventDeadLetters", key)
        self.watch_dead_letters("EventDeadLetters", self.event_dead_letters)

    def _alarm(self, construct_id: str, metric: cloudwatch.IMetric, description: str) -> cloudwatch.Alarm:
        alarm = cloudwatch.Alarm(
            self,
            construct_id,
            metric=metric,
            threshold=0,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            evaluation_periods=1,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            alarm_description=f"VOICE: {description}",
        )
        alarm.add_alarm_action(actions.SnsAction(self.topic))
        return alarm

    def watch_dead_letters(self, name: str, queue: sqs.IQueue) -> None:
        """Alarm when the dead-letter queue holds any message."""
        metric = queue.metric_approximate_number_of_messages_visible(
            period=PERIOD, statistic=cloudwatch.Stats.MAXIMUM
        )
        self._alarm(f"{name}NotEmpty", metric, f"messages in the dead-letter queue {name}")

    def watch_function(self, name: str, function: lambda_.IFunction) -> None:
        """Alarm on any error or throttle of the function."""
        self._alarm(f"{name}Errors", function.metric_errors(period=PERIOD), f"{name} invocations failed")
        self._alarm(f"{name}Throttles", function.metric_throttles(period=PERIOD), f"{name} was throttled")

    def watch_state_machine(self, name: str, machine: sfn.IStateMachine) -> None:
        """Alarm on any execution that failed, timed out or was aborted."""
        for outcome, (words, metric) in {
            "Failed": ("failed", machine.metric_failed(period=PERIOD)),
            "TimedOut": ("timed out", machine.metric_timed_out(period=PERIOD)),
            "Aborted": ("were aborted", machine.metric_aborted(period=PERIOD)),
        }.items():
            self._alarm(f"{name}{outcome}", metric, f"{name} executions {words}")
