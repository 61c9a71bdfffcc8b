"""DynamoDB's checks and number form (moto_changes/dynamodb_values.py), applied before moto sees a call."""
from __future__ import annotations

from decimal import Context, Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from harness.emulator.control.moto_changes.dynamodb_values import (
    EMPTY_STRING_KEY,
    KEY_SCHEMA_MISMATCH,
    DUPLICATES,
    OVERFLOW,
    TOO_PRECISE,
    UNDERFLOW,
    ValueRefused,
    canonical_number,
    has_empty_value,
    item_key_problem,
    key_problem,
    normalize_stored_values,
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
    (HASH, {"id": {"S": ""}}, EMPTY_STRING_KEY.format("string", "id")),
    ((("b", "B"),), {"b": {"B": ""}}, EMPTY_STRING_KEY.format("binary", "b")),
    (HASH_RANGE, {"id": {"S": "1"}}, KEY_SCHEMA_MISMATCH),
    (HASH_RANGE, {"id": {"S": "1"}, "n": {"S": "1"}}, KEY_SCHEMA_MISMATCH),
    (HASH_RANGE, {"id": {"S": "1"}, "n": {"N": "1"}}, None),
    (HASH, "not a map", None),  # moto's own validation answers this one
])
def test_key_problem(schema, key, problem):
    assert key_problem(key, schema) == problem


@pytest.mark.parametrize("schema, item, problem", [
    (HASH, {"id": {"S": "1"}, "note": {"S": ""}}, None),  # empty strings are fine outside keys
    (HASH, {"id": {"S": ""}}, EMPTY_STRING_KEY.format("string", "id")),
    (HASH_RANGE, {"id": {"S": "1"}, "n": {"N": "1"}, "x": {"B": ""}}, None),
    ((("id", "S"), ("r", "B")), {"id": {"S": "1"}, "r": {"B": ""}}, EMPTY_STRING_KEY.format("binary", "r")),
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


@pytest.mark.parametrize("text, form", [
    ("00042", "42"), ("-0", "0"), ("0.0", "0"), ("1.5E2", "150"), ("1.0", "1"), ("1.50", "1.5"), ("+7", "7"),
    ("0.00100", "0.001"), ("-1.2300", "-1.23"), ("1e-5", "0.00001"), ("12.3400e1", "123.4"), ("100", "100"),
    ("1234567895171680000000000000000000000000", "1234567895171680000000000000000000000000"),  # 16 digits
    ("1e125", "1" + "0" * 125), ("1e-130", "0." + "0" * 129 + "1"),
    ("abc", None), (" 1", None), ("", None), ("NaN", None), ("Infinity", None), (7, None),
])
def test_canonical_number(text, form):
    assert canonical_number(text) == form


@pytest.mark.parametrize("text, message", [
    ("123456789012345678901234567890123456789", TOO_PRECISE), ("-1.23456789012345678901234567890123456789", TOO_PRECISE),
    ("1e126", OVERFLOW), ("-9.9e126", OVERFLOW), ("1e999999999", OVERFLOW), ("1e-131", UNDERFLOW), ("-1e-200", UNDERFLOW),
])
def test_numbers_dynamodb_refuses(text, message):
    with pytest.raises(ValueRefused, match=message.split(".")[0]):
        canonical_number(text)


def test_normalize_stored_values_in_what_each_write_stores():
    put = {"Item": {"id": {"S": "1"}, "n": {"N": "1.50"}, "ns": {"NS": ["1.0", "02"]},
                    "m": {"M": {"deep": {"L": [{"N": "-0"}, {"S": "1.50"}]}}}}}
    assert normalize_stored_values("DynamoDB_20120810.PutItem", put) == (True, None)
    assert put["Item"] == {"id": {"S": "1"}, "n": {"N": "1.5"}, "ns": {"NS": ["1", "2"]},
                           "m": {"M": {"deep": {"L": [{"N": "0"}, {"S": "1.50"}]}}}}
    update = {"Key": {"n": {"N": "1.0"}}, "ExpressionAttributeValues": {":v": {"N": "3.10"}},
              "AttributeUpdates": {"a": {"Value": {"N": "4.0"}}}}
    assert normalize_stored_values("DynamoDB_20120810.UpdateItem", update) == (True, None)
    assert update == {"Key": {"n": {"N": "1.0"}}, "ExpressionAttributeValues": {":v": {"N": "3.1"}},
                      "AttributeUpdates": {"a": {"Value": {"N": "4"}}}}  # keys are matched by value: left alone
    batch = {"RequestItems": {"t": [{"PutRequest": {"Item": {"n": {"N": "5.0"}}}},
                                    {"DeleteRequest": {"Key": {"n": {"N": "6.0"}}}}]}}
    assert normalize_stored_values("DynamoDB_20120810.BatchWriteItem", batch) == (True, None)
    assert batch["RequestItems"]["t"][0]["PutRequest"]["Item"]["n"] == {"N": "5"}
    transact = {"TransactItems": [{"Put": {"Item": {"n": {"N": "7.0"}}}},
                                  {"Update": {"ExpressionAttributeValues": {":v": {"N": "8.0"}}}}]}
    assert normalize_stored_values("DynamoDB_20120810.TransactWriteItems", transact) == (True, None)
    assert transact["TransactItems"][0]["Put"]["Item"]["n"] == {"N": "7"}
    assert transact["TransactItems"][1]["Update"]["ExpressionAttributeValues"][":v"] == {"N": "8"}
    plain = {"Item": {"id": {"S": "1"}, "n": {"N": "42"}, "bad": {"N": "x"}}}
    assert normalize_stored_values("DynamoDB_20120810.PutItem", plain) == (False, None)
    assert plain["Item"]["bad"] == {"N": "x"}  # moto answers it
    long = {"Item": {"n": {"NS": ["1", "1" * 39]}}}
    assert normalize_stored_values("DynamoDB_20120810.PutItem", long) == (False, TOO_PRECISE)
    for twice in (["1", "1"], ["2", "1", "1.0"], ["1e1", "10"]):
        assert normalize_stored_values("DynamoDB_20120810.PutItem", {"Item": {"n": {"NS": twice}}}) == (False, DUPLICATES)
    assert normalize_stored_values("DynamoDB_20120810.PutItem", {"Item": {"s": {"SS": ["a", "b", "a"]}}}) == (
        False, "One or more parameter values were invalid: Input collection [a, b, a] contains duplicates.")
    assert normalize_stored_values("DynamoDB_20120810.PutItem", {"Item": {"b": {"BS": ["AQ==", "Ag==", "AQ=="]}}}) == (
        False, "One or more parameter values were invalid: Input collection [AQ==, Ag==, AQ==]of type BS contains "
               "duplicates.")
    assert normalize_stored_values("DynamoDB_20120810.PutItem", {"Item": {"b": {"BS": ["AQ==", "Ag=="]}}}) == (
        False, None)
    assert normalize_stored_values("DynamoDB_20120810.UpdateItem", {"ExpressionAttributeValues": {
        ":ok": {"N": "1.0"}, ":big": {"N": "1e126"}}}) == (
        True, f"ExpressionAttributeValues contains invalid value: {OVERFLOW} for key :big")
    assert normalize_stored_values("DynamoDB_20120810.Scan", {"ExpressionAttributeValues": {":v": {"N": "1.0"}}}) \
        == (False, None)


@settings(max_examples=400, deadline=None, derandomize=True, database=None)
@given(st.decimals(allow_nan=False, allow_infinity=False, places=None).filter(lambda d: abs(d.adjusted()) < 140),
       st.sampled_from(["plain", "e", "E", "leading zero", "trailing zeros"]))
def test_canonical_number_keeps_the_value_in_plain_form(value, shape):
    text = {"plain": str(value), "e": f"{value:e}", "E": f"{value:E}", "leading zero": f"0{value}",
            "trailing zeros": f"{value}00" if "." in str(value) and "E" not in str(value) else str(value)}[shape]
    try:
        form = canonical_number(text)
    except ValueRefused as problem:
        number = Decimal(text)
        digits = len(str(number.normalize(Context(prec=200))).split("E")[0].replace("-", "").replace(".", "")
                     .strip("0"))
        expected = TOO_PRECISE if digits > 38 else OVERFLOW if number.adjusted() > 125 else UNDERFLOW
        assert str(problem) == expected
        return
    if form is None:  # not a number at all (e.g. "0-1")
        return
    assert Decimal(form) == Decimal(text)
    assert "e" not in form.lower() and "+" not in form
    digits = form.lstrip("-")
    assert digits == "0" or not digits.startswith("0") or digits.startswith("0.")
    assert not ("." in form and form.endswith("0")) and not form.endswith(".") and form != "-0"
