"""JSONPath assertions: `{"path": "$.Items[*].id", "op": "contains", "value": "{{id}}"}` on a JSON document.

Paths use jsonpath-ng's extended syntax (filters `[?(@.n > 1)]`, `` `len` ``). A path without wildcards,
filters, slices, unions or `..` is singular: it yields one value (or `<absent>`); any other path yields the
list of matched values (possibly empty). Operators:
  == / !=         deep equality, matcher objects allowed in `value`
  < <= > >=       two numbers or two strings
  contains        list item (matchers allowed) / substring / object key; not_contains is its negation
  matches         regex search in a string
  exists          value true (default) or false
  length          `value`: a count or {op: count}
  type            `value`: a JSON type name or a list of them
  in              `value`: a list of accepted values
Operands are checked by `operands.operand_problem` (the loader's check too) before anything is compared.
Left out: arithmetic on paths, assertions across two paths.
"""
from __future__ import annotations

import functools
import re
from typing import Any, Mapping

from jsonpath_ng import jsonpath as jp
from jsonpath_ng.ext import iterable as ext_iterable
from jsonpath_ng.ext import parse as _parse

from .matchers import compare, describe, matches, ordered
from .operands import ABSENT, COMPARISONS, OPERATORS, MatcherError, operand_problem, show  # noqa: F401
from .results import Mismatch
from .scenario import UNSET, PathAssertion


class PathError(ValueError):
    """A JSONPath expression that does not parse."""


@functools.lru_cache(maxsize=512)
def parse_path(expr: str) -> Any:
    try:
        return _parse(expr)
    except Exception as exc:  # jsonpath-ng raises several exception types for syntax errors
        raise PathError(f"invalid JSONPath {expr!r}: {exc}") from None


def is_singular(node: Any) -> bool:
    """True when the parsed path can match at most one value."""
    if isinstance(node, (jp.Root, jp.This, ext_iterable.Len)):
        return True
    if isinstance(node, jp.Fields):
        return len(node.fields) == 1 and node.fields[0] != "*"
    if isinstance(node, jp.Index):
        return len(node.indices) == 1
    if isinstance(node, jp.Child):
        return is_singular(node.left) and is_singular(node.right)
    return False


def query(expr: str, document: Any) -> Any:
    """The value at a singular path (ABSENT when missing), or the list of values a plural path matches."""
    parsed = parse_path(expr)
    if document is ABSENT or document is UNSET:
        return ABSENT if is_singular(parsed) else []
    values = [match.value for match in parsed.find(document)]
    if is_singular(parsed):
        return values[0] if values else ABSENT
    return values


def _contains(container: Any, wanted: Any) -> bool | None:
    if isinstance(container, list):
        return any(matches(wanted, item) for item in container)
    if isinstance(container, str) and isinstance(wanted, str):
        return wanted in container
    if isinstance(container, Mapping) and isinstance(wanted, str):
        return wanted in container
    return None


def check(assertion: PathAssertion, document: Any) -> list[Mismatch]:
    """The mismatches of one assertion against `document` (empty when it holds)."""
    path, op, value = assertion.path, assertion.op, assertion.value
    problem = operand_problem(op, value)
    if problem:
        raise MatcherError(f"{path}: {problem}")
    actual = query(path, document)
    if op == "==":
        return compare(value, actual, path=path)
    if op == "!=":
        return [] if compare(value, actual, path=path) else [Mismatch(path, f"!= {describe(value)}", show(actual))]
    if op in COMPARISONS:
        result = None if actual is ABSENT else ordered(op, actual, value)
        return [] if result else [Mismatch(path, f"{op} {show(value)}", show(actual))]
    if op in ("contains", "not_contains"):
        found = None if actual is ABSENT else _contains(actual, value)
        if op == "contains" and not found:
            return [Mismatch(path, f"a value containing {describe(value)}", show(actual))]
        if op == "not_contains" and (found or found is None):
            return [Mismatch(path, f"a value not containing {describe(value)}", show(actual))]
        return []
    if op == "matches":
        if isinstance(actual, str) and isinstance(value, str) and re.search(value, actual):
            return []
        return [Mismatch(path, f"a string matching /{value}/", show(actual))]
    if op == "exists":
        should = True if value is UNSET else bool(value)
        present = actual is not ABSENT if is_singular(parse_path(path)) else actual != []
        if present == should:
            return []
        return [Mismatch(path, "a value" if should else "<absent>", show(actual))]
    if op == "length":
        wanted = {"$length": value}
        return compare(wanted, actual, path=path)
    if op == "type":
        return compare({"$type": value}, actual, path=path)
    if any(matches(option, actual) for option in value):  # in
        return []
    return [Mismatch(path, f"one of {show(value)}", show(actual))]
