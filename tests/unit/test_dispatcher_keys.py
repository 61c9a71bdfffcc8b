"""The DynamoDB key checks the stack's front makes before moto sees Get/Delete/Update/PutItem."""
from __future__ import annotations

import pytest

from harness.emulator.dynamodb_checks import (
    EMPTY_STRING_KEY,
    KEY_SCHEMA_MISMATCH,
    has_empty_value,
    item_key_problem,
    key_problem,
)

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


@pytest.mark.parametrize("schema, item, problem", [
    (HASH, {"id": {"S": "1"}, "note": {"S": ""}}, None),  # empty strings are fine outside keys
    (HASH, {"id": {"S": ""}}, EMPTY_STRING_KEY.format("id")),
    (HASH_RANGE, {"id": {"S": "1"}, "n": {"N": "1"}, "x": {"B": ""}}, None),
    ((("id", "S"), ("r", "B")), {"id": {"S": "1"}, "r": {"B": ""}}, EMPTY_STRING_KEY.format("r")),
    (HASH, {"note": {"S": ""}}, None),  # a missing key: moto answers it as DynamoDB does
    (HASH, {"id": {"N": "1"}}, None),  # a mistyped key: the same
    (HASH, ["not", "a", "map"], None),
])
def test_item_key_problem(schema, item, problem):
    assert item_key_problem(item, schema) == problem


def test_has_empty_value_is_the_cheap_gate_before_the_schema_lookup():
    assert has_empty_value({"id": {"S": "1"}, "note": {"S": ""}})
    assert has_empty_value({"b": {"B": ""}})
    assert not has_empty_value({"id": {"S": "1"}, "n": {"N": "0"}, "m": {"M": {"e": {"S": ""}}}})
    assert not has_empty_value(None) and not has_empty_value("x")
