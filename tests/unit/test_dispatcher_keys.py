"""The DynamoDB key check the stack's front makes before moto sees Get/Delete/UpdateItem."""
from __future__ import annotations

import pytest

from harness.emulator.dynamodb_checks import EMPTY_STRING_KEY, KEY_SCHEMA_MISMATCH, key_problem

HASH = (("id", "S"),)
HASH_RANGE = (("id", "S"), ("n", "N"))


@pytest.mark.parametrize("schema, key, problem", [
    (HASH, {"id": {"S": "1"}}, None),
    (HASH, {}, KEY_SCHEMA_MISMATCH),
    (HASH, {"nope": {"S": "1"}}, KEY_SCHEMA_MISMATCH),
    (HASH, {"id": {"S": "1"}, "x": {"S": "2"}}, KEY_SCHEMA_MISMATCH),
    (HASH, {"id": {"N": "1"}}, KEY_SCHEMA_MISMATCH),
    (HASH, {"id": {"S": "1", "N": "1"}}, KEY_SCHEMA_MISMATCH),
    (HASH, {"id": "1"}, KEY_SCHEMA_MISMATCH),
    (HASH, {"id": {"S": ""}}, EMPTY_STRING_KEY.format("id")),
    ((("b", "B"),), {"b": {"B": ""}}, EMPTY_STRING_KEY.format("b")),
    (HASH_RANGE, {"id": {"S": "1"}}, KEY_SCHEMA_MISMATCH),
    (HASH_RANGE, {"id": {"S": "1"}, "n": {"S": "1"}}, KEY_SCHEMA_MISMATCH),
    (HASH_RANGE, {"id": {"S": "1"}, "n": {"N": "1"}}, None),
    (HASH, "not a map", None),  # moto's own validation answers this one
])
def test_key_problem(schema, key, problem):
    assert key_problem(key, schema) == problem
