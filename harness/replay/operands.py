"""The one validator of what matchers and JSONPath operators take: `matcher_problem`, `operand_problem`.

A matcher's argument (`{"$length": 3}`) and an operator's operand (`{"op": "length", "value": 3}`) that mean the
same thing are checked by the same rule (`TAKES`), with one message shape: `$length takes a count or {op:
count} ..., got "x"`, `operator 'length' takes ...`. The loader calls both on the unrendered file (a value that
is a template is skipped there) and the matchers and assertions call them again on rendered values at run time,
where a problem raises `MatcherError`. Also here: the few plain helpers both sides need (`show`, `json_type`,
`length_spec`, `ABSENT`). Left out: comparing values (see `matchers.py`, `assertions.py`).
"""
from __future__ import annotations

import json
import operator
import re
from typing import Any, Callable, Mapping

from .scenario import UNSET


class _Absent:
    def __repr__(self) -> str:
        return "<absent>"


ABSENT: Any = _Absent()  # no value at a path (a missing key, a header not sent)
JSON_TYPES = ("string", "number", "integer", "boolean", "null", "object", "array")
COMPARISONS: Mapping[str, Callable[[Any, Any], bool]] = {
    "==": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
}
OPTIONS: Mapping[str, frozenset[str]] = {  # matcher -> the options it takes besides its argument
    "$type": frozenset(), "$regex": frozenset(), "$uuid": frozenset(), "$any": frozenset(),
    "$absent": frozenset(), "$length": frozenset(), "$unordered": frozenset(),
    "$approx": frozenset({"tolerance"}), "$subset": frozenset(), "$literal": frozenset(), "$one_of": frozenset(),
}
_MAX_SHOWN = 200


class MatcherError(ValueError):
    """A matcher or operator with a bad argument (found at load time, or at run time after templating)."""


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, Mapping):
        return "object"
    return type(value).__name__


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def show(value: Any) -> str:
    """A value as compact JSON for messages (ABSENT as `<absent>`), truncated."""
    if value is ABSENT:
        return "<absent>"
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= _MAX_SHOWN else text[: _MAX_SHOWN - 1] + "…"


def length_spec(spec: Any) -> tuple[str, int] | None:
    """`3` -> ("==", 3); `{">=": 1}` -> (">=", 1); None for anything else."""
    if isinstance(spec, int) and not isinstance(spec, bool) and spec >= 0:
        return "==", spec
    if isinstance(spec, Mapping) and len(spec) == 1:
        (op, n), = spec.items()
        if op in COMPARISONS and isinstance(n, int) and not isinstance(n, bool):
            return op, n
    return None


def _regex(value: Any) -> str | None:
    if not isinstance(value, str):
        return "a regex string"
    try:
        re.compile(value)
    except re.error as exc:
        return f"a valid regex ({exc})"
    return None


def _types(value: Any) -> str | None:
    names = value if isinstance(value, list) and value else [value]
    ok = all(isinstance(n, str) and n in JSON_TYPES for n in names)
    return None if ok else f"one of {', '.join(JSON_TYPES)} (or a list of them)"


# what an argument must be: a check returning what it takes (None: fine), keyed by meaning
TAKES: Mapping[str, Callable[[Any], str | None]] = {
    "anything": lambda v: None,
    "true": lambda v: None if v is True else "true",
    "boolean": lambda v: None if isinstance(v, bool) else "true or false",
    "count": lambda v: None if length_spec(v) else f"a count or {{op: count}} with op one of {' '.join(COMPARISONS)}",
    "types": _types,
    "regex": _regex,
    "array": lambda v: None if isinstance(v, list) else "an array",
    "values": lambda v: None if isinstance(v, list) else "a list of values",
    "ordered": lambda v: None if is_number(v) or isinstance(v, str) else "a number or a string",
    "number": lambda v: None if is_number(v) else "a number",
}
MATCHER_TAKES: Mapping[str, str] = {
    "$type": "types", "$regex": "regex", "$uuid": "true", "$any": "true", "$absent": "true", "$length": "count",
    "$unordered": "array", "$approx": "number", "$subset": "anything", "$literal": "anything", "$one_of": "values",
}
OPERATOR_TAKES: Mapping[str, str] = {
    "==": "anything", "!=": "anything", "<": "ordered", "<=": "ordered", ">": "ordered", ">=": "ordered",
    "contains": "anything", "not_contains": "anything", "matches": "regex", "exists": "boolean", "length": "count",
    "type": "types", "in": "values",
}
OPERATORS = tuple(OPERATOR_TAKES)


def _templated(value: Any) -> bool:
    return isinstance(value, str) and "{{" in value  # checked again after rendering


def _takes(label: str, rule: str, value: Any) -> str | None:
    wanted = TAKES[rule](value)
    return f"{label} takes {wanted}, got {show(value)}" if wanted else None


def matcher_problem(name: str, matcher: Mapping[str, Any]) -> str | None:
    """What is wrong with the matcher object `matcher` (its `$`-key is `name`), or None."""
    extra = sorted(k for k in matcher if k != name and k not in OPTIONS[name])
    if extra:
        others = [k for k in extra if k in OPTIONS]
        if others:
            return f"one matcher per object: found {name} and {', '.join(others)}"
        allowed = ", ".join(sorted(OPTIONS[name])) or "none"
        return f"{name} takes no option {', '.join(map(repr, extra))} (options: {allowed})"
    value = matcher[name]
    if _templated(value):
        return None
    if name == "$approx":
        tolerance = matcher.get("tolerance", 1e-6)
        if not is_number(value) or not is_number(tolerance) or tolerance < 0:
            return f"$approx takes a number and an optional non-negative tolerance, got {show(dict(matcher))}"
        return None
    return _takes(name, MATCHER_TAKES[name], value)


def operand_problem(op: str, value: Any) -> str | None:
    """What is wrong with a JSONPath assertion's operator and operand (`UNSET`: none given), or None."""
    if op not in OPERATOR_TAKES:
        return f"unknown operator {op!r}; known: {' '.join(OPERATORS)}"
    if value is UNSET:
        return None if op == "exists" else f"operator {op!r} needs a \"value\""
    if _templated(value):
        return None
    return _takes(f"operator {op!r}", OPERATOR_TAKES[op], value)
