"""The embedded stack's DynamoDB answers as Amazon's DynamoDB Local does: every request of cases.py is sent to
both, and the answers must match (errors: status, code and exact message; successes: see `Case.compare`).

No request here may get a 500 from the stack. Where DynamoDB Local itself differs from AWS, docs/differences.md
lists it (and the case pins AWS's answer instead of comparing).
"""
from __future__ import annotations

import json

import pytest

from .cases import ALL, AWS, AWS_BODIES, Case
from .twin import Failed, Succeeded, Twin

pytestmark = [pytest.mark.functional, pytest.mark.slow]  # starts a JVM (DynamoDB Local)


def _items(answer: Succeeded) -> list[str]:
    return sorted(json.dumps(item, sort_keys=True, default=str) for item in answer.body.get("Items", []))


def _compared(case: Case, answer: Failed | Succeeded) -> object:
    if isinstance(answer, Failed) or case.compare == "exact":
        return answer
    if case.compare == "unordered":
        return {**{k: v for k, v in answer.body.items() if k != "Items"}, "Items": _items(answer)}
    assert case.compare == "count"
    body = answer.body
    return (body.get("Count"), body.get("ScannedCount"), "LastEvaluatedKey" in body)


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id, marks=c.marks) for c in ALL])
def test_same_answer_as_dynamodb_local(twin: Twin, case: Case):
    for operation, params in case.setup:
        twin.on_both(operation, **params)
    local, stack = twin.both(case.operation, case.params)
    assert not (isinstance(stack, Failed) and stack.status >= 500), stack
    if case.id in AWS:  # DynamoDB Local differs from AWS here: AWS's answer is pinned (docs/differences.md)
        aws = AWS[case.id]
        assert stack == Failed(aws.status, aws.code, twin.fill(aws.message)), aws.source
        assert local != stack, f"DynamoDB Local now answers as AWS: drop {case.id} from cases.AWS"
    elif case.id in AWS_BODIES:
        body, source = AWS_BODIES[case.id]
        assert stack == Succeeded(body), source
    else:
        assert _compared(case, stack) == _compared(case, local)


def test_table_description_as_aws(twin: Twin):
    """What the comparison leaves out (DynamoDB Local lacks it), pinned to AWS's recorded answer: LocalStack's
    tests/aws/services/dynamodb/test_dynamodb.snapshot.json (an on-demand table with a global index)."""
    name = twin.fill("{P}x-described")
    twin.stack.create_table(
        TableName=name, BillingMode="PAY_PER_REQUEST", KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "g", "AttributeType": "S"}],
        GlobalSecondaryIndexes=[{"IndexName": "by-g", "Projection": {"ProjectionType": "ALL"},
                                 "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}]}])
    table = twin.stack.describe_table(TableName=name)["Table"]
    assert table["ProvisionedThroughput"] == {"NumberOfDecreasesToday": 0, "ReadCapacityUnits": 0,
                                              "WriteCapacityUnits": 0}
    assert set(table["BillingModeSummary"]) == {"BillingMode", "LastUpdateToPayPerRequestDateTime"}
    assert "LocalSecondaryIndexes" not in table
    index = table["GlobalSecondaryIndexes"][0]
    assert index["IndexArn"] == f"{table['TableArn']}/index/by-g"
    assert index["ProvisionedThroughput"] == table["ProvisionedThroughput"]
    assert index["WarmThroughput"] == table["WarmThroughput"] == {"ReadUnitsPerSecond": 12000, "Status": "ACTIVE",
                                                                  "WriteUnitsPerSecond": 4000}
