"""Model-driven request validation of the other AWS APIs the stack serves (front/model_validation.py,
front/query_input.py): CloudWatch Logs and Cognito user pools (JSON), IAM, STS and CloudFormation (query), through
the embedded stack with boto3 (client-side validation off, so the stack is what refuses).

Source of each expected answer: LocalStack's recordings against AWS (github.com/localstack/localstack at 8b9a79f),
tests/aws/services/<service>/*.snapshot.json, named per test below; Cognito's error type is our reading [I].
"""
from __future__ import annotations

import uuid

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from tests.conftest import REGION

pytestmark = pytest.mark.functional


@pytest.fixture(scope="module")
def client(stack_url):
    def make(service: str):
        return boto3.client(service, endpoint_url=stack_url, region_name=REGION, aws_access_key_id="test",
                            aws_secret_access_key="test",
                            config=Config(parameter_validation=False, retries={"max_attempts": 0}))
    return make


def _error(call, **kwargs) -> tuple[int, str, str, str | None]:
    with pytest.raises(ClientError) as caught:
        call(**kwargs)
    response = caught.value.response
    error = response["Error"]
    return response["ResponseMetadata"]["HTTPStatusCode"], error["Code"], error["Message"], error.get("Type")


def test_sts_refuses_a_session_name_outside_its_pattern(client):
    # sts/test_sts.snapshot.json, test_sts_invalid_parameters (ValidationError, Sender)
    assert _error(client("sts").assume_role, RoleArn="arn:aws:iam::123456789012:role/any",
                  RoleSessionName="Session1:2") == (
        400, "ValidationError", "1 validation error detected: Value 'Session1:2' at 'roleSessionName' failed to "
        "satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*", "Sender")


def test_iam_words_its_refusals_without_the_value(client):
    # iam/test_iam.snapshot.json, test_user_match_id_mismatch[totally-wrong-credential-id-with-hyphens] (update-wrong-id),
    # test_invalid_update_parameters (update-invalid-status): no value, no enum values
    iam = client("iam")
    user = f"mv-{uuid.uuid4().hex[:8]}"
    iam.create_user(UserName=user)
    assert _error(iam.update_service_specific_credential, UserName=user,
                  ServiceSpecificCredentialId="totally-wrong-credential-id-with-hyphens", Status="Inactive") == (
        400, "ValidationError", "1 validation error detected: Value at 'serviceSpecificCredentialId' failed to "
        "satisfy constraint: Member must satisfy regular expression pattern: [\\w]+", "Sender")
    assert _error(iam.update_service_specific_credential, ServiceSpecificCredentialId="satisfiesregexbutstillinvalid",
                  Status="Invalid") == (
        400, "ValidationError", "1 validation error detected: Value at 'status' failed to satisfy constraint: "
        "Member must satisfy enum value set", "Sender")
    # nested list members are named as the other services name them; nothing was created by a refused call
    assert _error(iam.create_role, RoleName=f"{user}-r", AssumeRolePolicyDocument="{}", MaxSessionDuration=10,
                  Tags=[{"Key": "k" * 129, "Value": "v"}])[2] == (
        "2 validation errors detected: Value at 'maxSessionDuration' failed to satisfy constraint: Member must have "
        "value greater than or equal to 3600; Value at 'tags.1.member.key' failed to satisfy constraint: Member "
        "must have length less than or equal to 128")
    assert _error(iam.get_role, RoleName=f"{user}-r")[1] == "NoSuchEntity"
    made = iam.create_role(RoleName=f"{user}-r", AssumeRolePolicyDocument="{}", MaxSessionDuration=3600,
                           Tags=[{"Key": "k" * 128, "Value": "v"}])
    assert made["Role"]["RoleName"] == f"{user}-r"


def test_cloudformation_refuses_a_stack_name_outside_its_pattern(client):
    # cloudformation/api/test_stacks.snapshot.json, test_stack_name_creation (a pattern botocore's model lacks)
    assert _error(client("cloudformation").create_stack, StackName="*@da591fa3_$", TemplateBody="{}") == (
        400, "ValidationError", "1 validation error detected: Value '*@da591fa3_$' at 'stackName' failed to "
        "satisfy constraint: Member must satisfy regular expression pattern: "
        "[a-zA-Z][-a-zA-Z0-9]*|arn:[-a-zA-Z0-9:/._+]*", "Sender")


def test_logs_refuses_with_invalid_parameter_exception(client):
    # logs/test_logs_events.snapshot.json (test_get_log_events_limit_validation), test_logs_filter_events
    # (test_filter_log_events_limit_validation), test_logs_metric_filters (test_put_metric_filter_invalid_filter_name)
    logs = client("logs")
    group = f"mv-{uuid.uuid4().hex[:8]}"
    logs.create_log_group(logGroupName=group)
    logs.create_log_stream(logGroupName=group, logStreamName="s")
    limit = ("1 validation error detected: Value '10001' at 'limit' failed to satisfy constraint: Member must have "
             "value less than or equal to 10000")
    assert _error(logs.get_log_events, logGroupName=group, logStreamName="s", limit=10001)[:3] == (
        400, "InvalidParameterException", limit)
    assert _error(logs.filter_log_events, logGroupName=group, limit=10001)[:3] == (
        400, "InvalidParameterException", limit)
    name = "X" * 513
    assert _error(logs.put_metric_filter, logGroupName=group, filterName=name, filterPattern="",
                  metricTransformations=[{"metricName": "m", "metricNamespace": "n", "metricValue": "1"}])[:3] == (
        400, "InvalidParameterException", f"1 validation error detected: Value '{name}' at 'filterName' failed to "
        "satisfy constraint: Member must have length less than or equal to 512")
    assert logs.get_log_events(logGroupName=group, logStreamName="s", limit=10000)["events"] == []


def test_cognito_refuses_a_user_pool_id_outside_its_pattern(client):
    # botocore's cognito-idp model (UserPoolIdType); the error type is our reading [I]
    assert _error(client("cognito-idp").list_users, UserPoolId="bad id")[:3] == (
        400, "InvalidParameterException", "1 validation error detected: Value 'bad id' at 'userPoolId' failed to "
        "satisfy constraint: Member must satisfy regular expression pattern: [\\w-]+_[0-9a-zA-Z]+")


def test_what_moto_fails_on_is_the_clients_mistake_or_not_emulated(client):
    # moto_failures.py: a call moto fails on (here a page token it cannot read) is a 400 in the service's own code,
    # naming what could not be read; an operation moto lacks is 501 NotImplemented, named [I]
    cfn = client("cloudformation")
    status, code, message, kind = _error(cfn.describe_stacks, NextToken="0")
    assert (status, code, kind) == (400, "InvalidParameterValue", "Sender") and message.startswith(
        "Invalid request input: ")
    status, code, message, _ = _error(cfn.activate_organizations_access)
    assert (status, code) == (501, "NotImplemented") and "activate_organizations_access" in message
