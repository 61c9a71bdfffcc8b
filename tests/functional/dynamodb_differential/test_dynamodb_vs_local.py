"""The embedded stack's DynamoDB answers as Amazon's DynamoDB Local does: every request of cases.py is sent to
both, and the answers must match (errors: status, code and exact message; successes: see `Case.compare`).

No request here may get a 500 from the stack. Where DynamoDB Local itself differs from AWS, docs/differences.md
lists it (and the case pins AWS's answer instead of comparing).
"""
from __future__ import annotations

import json

import pytest

from .cases import ALL, Case
from .twin import Failed, Succeeded, Twin

pytestmark = pytest.mark.functional


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
    assert _compared(case, stack) == _compared(case, local)
