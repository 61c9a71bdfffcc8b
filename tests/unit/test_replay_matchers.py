"""Matchers: every matcher passes and fails with an exact message; exact vs subset; all mismatches collected."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from harness.replay.matchers import ABSENT, MatcherError, compare, describe, syntax_problems
from harness.replay.templating import Scope, render

UUID = "8c968e41-e81b-4384-aa72-077ea85ffd04"


def messages(expected, actual, **kw) -> list[str]:
    return [str(m) for m in compare(expected, actual, **kw)]


@pytest.mark.parametrize("expected, actual", [
    ({"$type": "string"}, "x"),
    ({"$type": "number"}, 3),
    ({"$type": "number"}, 2.5),
    ({"$type": "integer"}, 3),
    ({"$type": ["string", "null"]}, None),
    ({"$type": "object"}, {}),
    ({"$type": "array"}, []),
    ({"$type": "boolean"}, False),
    ({"$regex": "^msg-\\d+$"}, "msg-12"),
    ({"$regex": "small step"}, "That is one small step"),
    ({"$uuid": True}, UUID),
    ({"$uuid": True}, UUID.upper()),
    ({"$any": True}, None),
    ({"$length": 2}, [1, 2]),
    ({"$length": 3}, "abc"),
    ({"$length": {">=": 1}}, {"a": 1}),
    ({"$length": {"<": 1}}, []),
    ({"$unordered": [1, 2, 3]}, [3, 1, 2]),
    ({"$unordered": [{"id": {"$uuid": True}}, {"id": "a"}]}, [{"id": "a"}, {"id": UUID}]),
    ({"$approx": 1.5, "tolerance": 0.01}, 1.505),
    ({"$approx": 2}, 2.0000001),
    ({"$subset": {"a": 1}}, {"a": 1, "b": 2}),
    ({"$literal": {"$type": "x"}}, {"$type": "x"}),
])
def test_matcher_passes(expected, actual):
    assert compare(expected, actual) == []


@pytest.mark.parametrize("expected, actual, message", [
    ({"$type": "string"}, 3, "$: expected <type string>, got 3"),
    ({"$type": "integer"}, 2.5, "$: expected <type integer>, got 2.5"),
    ({"$type": "number"}, True, "$: expected <type number>, got true"),
    ({"$type": ["string", "null"]}, 1, "$: expected <type string|null>, got 1"),
    ({"$regex": "^msg-"}, "other", '$: expected <regex ^msg->, got "other"'),
    ({"$regex": "^1"}, 12, "$: expected <regex ^1>, got 12"),
    ({"$uuid": True}, "abc", '$: expected <uuid>, got "abc"'),
    ({"$any": True}, ABSENT, "$: expected <any>, got <absent>"),
    ({"$absent": True}, 0, "$: expected <absent>, got 0"),
    ({"$length": 2}, [1], "$: expected <length 2>, got length 1"),
    ({"$length": {">=": 1}}, [], "$: expected <length >= 1>, got length 0"),
    ({"$length": 1}, 5, "$: expected <length 1>, got 5"),
    ({"$approx": 1.5, "tolerance": 0.01}, 1.6, "$: expected <approx 1.5 ± 0.01>, got 1.6"),
    ({"$approx": 1.5}, "1.5", '$: expected <approx 1.5 ± 1e-06>, got "1.5"'),
    ({"$unordered": [1, 2]}, "12", '$: expected <unordered [1, 2]>, got "12"'),
    ({"$literal": {"$type": "x"}}, "x", '$: expected {"$type": "x"}, got "x"'),
])
def test_matcher_fails_with_exact_message(expected, actual, message):
    assert messages(expected, actual) == [message]


def test_the_briefs_example_message():
    assert messages({"Items": [{"id": {"$uuid": True}}]}, {"Items": [{"id": "abc"}]}) == [
        '$.Items[0].id: expected <uuid>, got "abc"']


def test_absent_key_passes_and_present_key_fails():
    assert compare({"a": {"$absent": True}}, {"b": 1}, subset=True) == []
    assert messages({"a": {"$absent": True}}, {"a": None}, subset=True) == ["$.a: expected <absent>, got null"]


def test_unordered_reports_unmatched_items_on_both_sides():
    assert messages({"$unordered": [1, 2, 5]}, [2, 1, 7, 8]) == [
        "$: expected an item matching 5, got no match among 4 items",
        "$[2]: expected <absent>, got 7",
        "$[3]: expected <absent>, got 8",
    ]


def test_unordered_finds_a_matching_when_greedy_would_not():
    expected = {"$unordered": [{"$type": "string"}, "a"]}
    assert compare(expected, ["a", "b"]) == []


def test_exact_collects_every_mismatch_with_its_path():
    expected = {"Items": [{"id": "1", "n": 1}, {"id": "2"}], "Count": 2, "gone": True}
    actual = {"Items": [{"id": "1", "n": 2, "extra": "x"}], "Count": 1, "ScannedCount": 1}
    assert messages(expected, actual) == [
        "$.Items[0].n: expected 1, got 2",
        '$.Items[0].extra: expected <absent>, got "x"',
        '$.Items[1]: expected {"id": "2"}, got <absent>',
        "$.Count: expected 2, got 1",
        "$.gone: expected true, got <absent>",
        "$.ScannedCount: expected <absent>, got 1",
    ]


def test_subset_allows_extra_keys_but_not_extra_items():
    expected = {"Table": {"KeySchema": [{"AttributeName": "id"}]}}
    actual = {"Table": {"TableName": "t", "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}]}}
    assert compare(expected, actual, subset=True) == []
    assert messages({"a": [1]}, {"a": [1, 2], "b": 0}, subset=True) == ["$.a[1]: expected <absent>, got 2"]


def test_subset_matcher_inside_an_exact_comparison():
    assert compare({"a": {"$subset": {"x": 1}}, "b": 2}, {"a": {"x": 1, "y": 2}, "b": 2}) == []
    assert messages({"a": {"$subset": {"x": 1}}}, {"a": {"x": 2, "y": 0}}) == ["$.a.x: expected 1, got 2"]


@pytest.mark.parametrize("expected, actual, message", [
    (1, True, "$: expected 1, got true"),
    (True, 1, "$: expected true, got 1"),
    ("1", 1, '$: expected "1", got 1'),
    (None, 0, "$: expected null, got 0"),
    ({"a": 1}, [1], '$: expected {"a": 1}, got [1]'),
    ([1], {"a": 1}, '$: expected [1], got {"a": 1}'),
])
def test_types_never_coerce(expected, actual, message):
    assert messages(expected, actual) == [message]


def test_int_and_float_compare_as_numbers():
    assert compare(1, 1.0) == []


def test_odd_keys_are_quoted_in_paths():
    assert messages({"Content-Type": "a"}, {"Content-Type": "b"}) == ['$["Content-Type"]: expected "a", got "b"']


def test_describe():
    assert describe({"$length": {">=": 1}}) == "<length >= 1>"
    assert describe({"$type": ["string", "null"]}) == "<type string|null>"
    assert describe({"$uuid": True}) == "<uuid>"
    assert describe({"a": 1}) == '{"a": 1}'


def test_bad_matcher_arguments_raise_at_run_time():
    with pytest.raises(MatcherError, match=r"\$\.x: \$length takes a count"):
        compare({"x": {"$length": "many"}}, {"x": []})


@pytest.mark.parametrize("value, problem", [
    ({"id": {"$regx": "a"}}, (["id", "$regx"], "unknown matcher '$regx'; known: $absent, $any, $approx, $length, "
                                               "$literal, $one_of, $regex, $subset, $type, $unordered, $uuid "
                                               '(wrap literal $-keys in {"$literal": ...})')),
    ([{"$type": "text"}], ([0, "$type"], "$type takes one of string, number, integer, boolean, null, object, array "
                                         '(or a list of them), got "text"')),
    ({"$regex": "("}, (["$regex"], '$regex takes a valid regex (missing ), unterminated subpattern at position 0), '
                                   'got "("')),
    ({"$uuid": 1}, (["$uuid"], "$uuid takes true, got 1")),
    ({"$length": {"~": 1}}, (["$length"], '$length takes a count or {op: count} with op one of == != < <= > >=, '
                                          'got {"~": 1}')),
    ({"$approx": "x"}, (["$approx"], '$approx takes a number and an optional non-negative tolerance, got {"$approx": "x"}')),
    ({"$type": "string", "$uuid": True}, (["$type"], "one matcher per object: found $type and $uuid")),
    ({"$approx": 1, "tol": 1}, (["$approx"], "$approx takes no option 'tol' (options: tolerance)")),
    ({"$unordered": [{"$any": False}]}, (["$unordered", 0, "$any"], "$any takes true, got false")),
])
def test_syntax_problems(value, problem):
    assert syntax_problems(value) == [problem]


def test_templated_matcher_arguments_are_checked_after_rendering():
    assert syntax_problems({"$length": "{{n}}"}) == []

_keys = st.text(min_size=1, max_size=5).filter(lambda k: not k.startswith("$") and "{{" not in k)
_scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8).filter(
    lambda t: "{{" not in t)
JSON = st.recursive(_scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_keys, inner, max_size=4),
                    max_leaves=20)


@given(JSON)
def test_any_json_value_matches_itself_and_renders_to_itself(value):
    assert compare(value, value) == []
    assert compare(value, value, subset=True) == []
    assert render(value, Scope()) == value


@given(JSON, JSON)
def test_compare_is_empty_only_for_equal_values(a, b):
    if compare(a, b) == []:
        assert compare(b, a) == []


def test_one_of_takes_any_listed_value():
    from harness.replay.matchers import compare

    assert compare({"statusCode": {"$one_of": [200, "200"]}}, {"statusCode": "200"}) == []
    assert compare({"statusCode": {"$one_of": [200, "200"]}}, {"statusCode": 200}) == []
    found = compare({"statusCode": {"$one_of": [200, {"$regex": "^2"}]}}, {"statusCode": 404})
    assert [(m.path, m.actual) for m in found] == [("$.statusCode", "404")]
