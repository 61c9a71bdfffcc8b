"""The policy evaluator and the credentials-role rules (pure functions)."""
from __future__ import annotations

import json

from harness.emulator.gateway.credentials_role import (
    access_denied_message, dynamodb_resources, refusal, trusts_api_gateway)
from harness.emulator.gateway.iam_policy import decision
from harness.emulator.snapshots import RolePolicies

TABLE = "arn:aws:dynamodb:us-east-1:123456789012:table/messages"


def role(trust: list[dict], statements: list[dict] = ()) -> RolePolicies:  # type: ignore[assignment]
    return RolePolicies(arn="arn:aws:iam::123456789012:role/r", name="r", account_id="123456789012",
                        trust_statements=tuple(trust), statements=tuple(statements))


def test_deny_wins_then_allow_then_nothing() -> None:
    allow = {"Effect": "Allow", "Action": "dynamodb:*", "Resource": "arn:aws:dynamodb:*:*:table/*"}
    deny = {"Effect": "Deny", "Action": "dynamodb:PutItem", "Resource": TABLE}
    assert decision([allow], "dynamodb:PutItem", TABLE) == "allow"
    assert decision([allow, deny], "dynamodb:PutItem", TABLE) == "deny"
    assert decision([allow], "sqs:SendMessage", TABLE) == "none"
    assert decision([{"Effect": "Allow", "Action": "DynamoDB:putitem", "Resource": TABLE}],
                    "dynamodb:PutItem", TABLE) == "allow"  # actions match case-insensitively
    assert decision([{"Effect": "Allow", "NotAction": "dynamodb:DeleteItem", "Resource": "*"}],
                    "dynamodb:PutItem", TABLE) == "allow"
    assert decision([{"Effect": "Allow", "Action": "*", "NotResource": TABLE}], "dynamodb:PutItem", TABLE) == "none"


def test_only_a_trust_policy_naming_api_gateway_lets_it_assume_the_role() -> None:
    assume = {"Effect": "Allow", "Action": "sts:AssumeRole"}
    assert trusts_api_gateway(role([{**assume, "Principal": {"Service": "apigateway.amazonaws.com"}}]))
    assert trusts_api_gateway(role([{**assume, "Principal": {"Service": ["lambda.amazonaws.com",
                                                                         "apigateway.amazonaws.com"]}}]))
    assert not trusts_api_gateway(role([{**assume, "Principal": {"Service": "lambda.amazonaws.com"}}]))
    assert not trusts_api_gateway(role([{**assume, "Principal": {"Service": "apigateway.amazonaws.com"}},
                                        {"Effect": "Deny", "Action": "sts:*", "Principal": "*"}]))


def test_dynamodb_resources_are_the_tables_the_request_names() -> None:
    def arns(body: dict) -> list[str]:
        return dynamodb_resources("us-east-1", "123456789012", json.dumps(body).encode())
    assert arns({"TableName": "messages"}) == [TABLE]
    assert arns({"RequestItems": {"a": [], "b": []}}) == [TABLE.replace("messages", "a"), TABLE.replace("messages", "b")]
    assert arns({"TransactItems": [{"Put": {"TableName": "messages"}}]}) == [TABLE]
    assert arns({}) == [TABLE.replace("messages", "*")]
    assert dynamodb_resources("us-east-1", "123456789012", b"not json") == [TABLE.replace("messages", "*")]


def test_the_refusal_names_the_assumed_role_session_as_iam_words_it() -> None:
    bare = role([], [{"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": TABLE}])
    assert refusal(bare, "dynamodb:PutItem", [TABLE]) == (
        "User: arn:aws:sts::123456789012:assumed-role/r/BackplaneAssumeRoleSession is not authorized to perform: "
        f"dynamodb:PutItem on resource: {TABLE} because no identity-based policy allows the dynamodb:PutItem action")
    assert refusal(bare, "dynamodb:GetItem", [TABLE]) is None
    assert access_denied_message(bare, "dynamodb:PutItem", TABLE, "deny").endswith(
        "with an explicit deny in an identity-based policy")
