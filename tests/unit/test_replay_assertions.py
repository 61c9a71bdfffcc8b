"""JSONPath assertions: every operator passes and fails with an exact message; singular vs plural paths."""
from __future__ import annotations

import pytest

from harness.replay.assertions import PathError, check, parse_path, query
from harness.replay.matchers import ABSENT, MatcherError, compare, syntax_problems
from harness.replay.operands import operand_problem
from harness.replay.scenario import UNSET, PathAssertion

DOC = {
    "Items": [{"id": "a", "n": 1, "tags": ["x", "y"]}, {"id": "b", "n": 5}],
    "Count": 2,
    "message": "Internal server error",
    "empty": [],
}


def run(path, op, value=UNSET) -> list[str]:
    return [str(m) for m in check(PathAssertion(path, op, value), DOC)]


def test_query_singular_and_plural():
    assert query("$.Count", DOC) == 2
    assert query("$.Items[1].id", DOC) == "b"
    assert query("$.nope", DOC) is ABSENT
    assert query("$.Items[*].id", DOC) == ["a", "b"]
    assert query("$..id", DOC) == ["a", "b"]
    assert query("$.Items[?(@.n > 2)].id", DOC) == ["b"]
    assert query("$.Items.`len`", DOC) == 2
    assert query("$.nope[*]", DOC) == []


@pytest.mark.parametrize("path, op, value", [
    ("$.Count", "==", 2),
    ("$.Items[0]", "==", {"id": "a", "n": 1, "tags": {"$unordered": ["y", "x"]}}),
    ("$.Items[*].id", "==", ["a", "b"]),
    ("$.Count", "!=", 3),
    ("$.Count", "<", 3),
    ("$.Count", "<=", 2),
    ("$.Count", ">", 1),
    ("$.Count", ">=", 2),
    ("$.message", ">", "A"),
    ("$.Items[*].id", "contains", "b"),
    ("$.Items", "contains", {"id": "b", "n": {"$type": "integer"}}),
    ("$.message", "contains", "server"),
    ("$.Items[0]", "contains", "tags"),
    ("$.Items[*].id", "not_contains", "c"),
    ("$.message", "not_contains", "timeout"),
    ("$.message", "matches", "^Internal"),
    ("$.Count", "exists", UNSET),
    ("$.Count", "exists", True),
    ("$.nope", "exists", False),
    ("$.empty", "exists", True),
    ("$.Items[?(@.n > 9)]", "exists", False),
    ("$.Items", "length", 2),
    ("$.Items", "length", {">=": 1}),
    ("$.message", "length", 21),
    ("$.Count", "type", "integer"),
    ("$.Items", "type", ["array", "null"]),
    ("$.Count", "in", [1, 2, 3]),
])
def test_operator_passes(path, op, value):
    assert run(path, op, value) == []


@pytest.mark.parametrize("path, op, value, message", [
    ("$.Count", "==", 3, "$.Count: expected 3, got 2"),
    ("$.nope", "==", 3, "$.nope: expected 3, got <absent>"),
    ("$.Items[*].id", "==", ["a"], '$.Items[*].id[1]: expected <absent>, got "b"'),
    ("$.Count", "!=", 2, "$.Count: expected != 2, got 2"),
    ("$.Count", "<", 2, "$.Count: expected < 2, got 2"),
    ("$.Count", "<=", 1, "$.Count: expected <= 1, got 2"),
    ("$.Count", ">", 2, "$.Count: expected > 2, got 2"),
    ("$.Count", ">=", 3, "$.Count: expected >= 3, got 2"),
    ("$.message", ">", 1, '$.message: expected > 1, got "Internal server error"'),
    ("$.nope", ">", 1, "$.nope: expected > 1, got <absent>"),
    ("$.Items[*].id", "contains", "c", '$.Items[*].id: expected a value containing "c", got ["a", "b"]'),
    ("$.Count", "contains", 2, "$.Count: expected a value containing 2, got 2"),
    ("$.Items[*].id", "not_contains", "a", '$.Items[*].id: expected a value not containing "a", got ["a", "b"]'),
    ("$.message", "matches", "^Bad", '$.message: expected a string matching /^Bad/, got "Internal server error"'),
    ("$.Count", "matches", "2", "$.Count: expected a string matching /2/, got 2"),
    ("$.nope", "exists", True, "$.nope: expected a value, got <absent>"),
    ("$.Items[?(@.n > 9)]", "exists", True, "$.Items[?(@.n > 9)]: expected a value, got []"),
    ("$.Count", "exists", False, "$.Count: expected <absent>, got 2"),
    ("$.Items", "length", 3, "$.Items: expected <length 3>, got length 2"),
    ("$.empty", "length", {">=": 1}, "$.empty: expected <length >= 1>, got length 0"),
    ("$.Count", "type", "string", "$.Count: expected <type string>, got 2"),
    ("$.Count", "in", [1, 3], "$.Count: expected one of [1, 3], got 2"),
])
def test_operator_fails_with_exact_message(path, op, value, message):
    assert run(path, op, value) == [message]


def test_equality_reports_every_mismatch():
    assert run("$.Items[0]", "==", {"id": "z", "n": 2, "tags": ["x", "y"]}) == [
        '$.Items[0].id: expected "z", got "a"',
        "$.Items[0].n: expected 2, got 1",
    ]


def test_invalid_path():
    with pytest.raises(PathError, match=r"invalid JSONPath '\$\.\[': "):
        parse_path("$.[")


def test_in_needs_a_list_at_run_time():
    with pytest.raises(MatcherError, match=r"^\$\.Count: operator 'in' takes a list of values, got 2$"):
        check(PathAssertion("$.Count", "in", 2), DOC)


@pytest.mark.parametrize("op, value, problem", [
    ("==", UNSET, "operator '==' needs a \"value\""),
    ("length", "x", 'operator \'length\' takes a count or {op: count} with op one of == != < <= > >=, got "x"'),
    ("in", 3, "operator 'in' takes a list of values, got 3"),
    ("matches", "(", 'operator \'matches\' takes a valid regex (missing ), unterminated subpattern at position 0), '
                     'got "("'),
    ("type", "text", 'operator \'type\' takes one of string, number, integer, boolean, null, object, array (or a list '
                     'of them), got "text"'),
    ("~", 1, "unknown operator '~'; known: == != < <= > >= contains not_contains matches exists length type in"),
    ("<", [1], "operator '<' takes a number or a string, got [1]"),
    ("exists", "yes", 'operator \'exists\' takes true or false, got "yes"'),
])
def test_operand_problems(op, value, problem):
    assert operand_problem(op, value) == problem


def test_templated_operands_are_not_checked_at_load_time():
    assert operand_problem("length", "{{n}}") is None
    assert operand_problem("exists", UNSET) is None


@pytest.mark.parametrize("op, matcher, value", [
    ("length", "$length", {"~": 1}), ("type", "$type", "text"), ("matches", "$regex", "("), ("length", "$length", -1),
])
def test_an_operator_and_the_matcher_of_the_same_meaning_share_one_rule(op, matcher, value):
    # one validator (operands.py) for both, at load time and at run time
    (_, loaded), = syntax_problems({matcher: value})
    assert loaded.startswith(f"{matcher} takes ")
    assert operand_problem(op, value) == f"operator {op!r} takes " + loaded[len(f"{matcher} takes "):]
    with pytest.raises(MatcherError) as by_operator:
        check(PathAssertion("$.Count", op, value), DOC)
    with pytest.raises(MatcherError) as by_matcher:
        compare({"$.Count": {matcher: value}}, {"$.Count": 2})
    assert str(by_operator.value) == f"$.Count: {operand_problem(op, value)}"
    assert str(by_matcher.value).endswith(loaded)
