"""Compare an expected JSON value (which may hold matcher objects) with an actual one, collecting EVERY mismatch.

A matcher is a JSON object with one `$`-key (plus that matcher's options):
  {"$type": "string"} or {"$type": ["string", "null"]}   JSON type: string number integer boolean null object array
  {"$regex": "^msg-"}            a string the regex finds a match in (re.search; anchor with ^ $)
  {"$uuid": true}                a UUID string (8-4-4-4-12 hex digits)
  {"$any": true}                 any value, but present
  {"$absent": true}              no value: the key is missing (or the header is not sent)
  {"$length": 3}, {"$length": {">=": 1}}   length of a string, array or object
  {"$unordered": [...]}          an array with the same items in any order (items may be matchers)
  {"$approx": 1.5, "tolerance": 0.01}      a number within tolerance (default 1e-6)
  {"$subset": {...}}             this part compared as a subset (extra keys allowed)
  {"$literal": {...}}            this value compared exactly, `$` keys and all
Exact mode: extra object keys and array items are mismatches. Subset mode: extra object keys are allowed;
arrays still compare item by item and must have the same length. `true` never equals `1`.
Paths look like `$.Items[0].id` or `$["Content-Type"]`. Left out: cross-field matchers, `$not`.
"""
from __future__ import annotations

import json
import math
import operator
import re
from typing import Any, Callable, Mapping

from .results import Mismatch


class _Absent:
    def __repr__(self) -> str:
        return "<absent>"


ABSENT: Any = _Absent()
UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
JSON_TYPES = ("string", "number", "integer", "boolean", "null", "object", "array")
OPTIONS: Mapping[str, frozenset[str]] = {
    "$type": frozenset(), "$regex": frozenset(), "$uuid": frozenset(), "$any": frozenset(),
    "$absent": frozenset(), "$length": frozenset(), "$unordered": frozenset(),
    "$approx": frozenset({"tolerance"}), "$subset": frozenset(), "$literal": frozenset(),
}
COMPARISONS: Mapping[str, Callable[[Any, Any], bool]] = {
    "==": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
}
_MAX_SHOWN = 200


class MatcherError(ValueError):
    """A matcher object with bad arguments (found at load time, or at run time after templating)."""


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


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def show(value: Any) -> str:
    """A value as compact JSON for messages (ABSENT as `<absent>`), truncated."""
    if value is ABSENT:
        return "<absent>"
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= _MAX_SHOWN else text[: _MAX_SHOWN - 1] + "…"


def join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key) else f"{path}[{json.dumps(key)}]"


def matcher_name(value: Any) -> str | None:
    """The matcher's `$`-key when `value` is a matcher object, else None."""
    if isinstance(value, Mapping):
        for key in value:
            if isinstance(key, str) and key in OPTIONS:
                return key
    return None


def ordered(op: str, left: Any, right: Any) -> bool | None:
    """`left op right` for two numbers or two strings; None when they cannot be ordered."""
    if (_is_number(left) and _is_number(right)) or (isinstance(left, str) and isinstance(right, str)):
        return bool(COMPARISONS[op](left, right))
    return None


def length_spec(spec: Any) -> tuple[str, int]:
    """`3` -> ("==", 3); `{">=": 1}` -> (">=", 1); MatcherError otherwise."""
    if isinstance(spec, int) and not isinstance(spec, bool) and spec >= 0:
        return "==", spec
    if isinstance(spec, Mapping) and len(spec) == 1:
        (op, n), = spec.items()
        if op in COMPARISONS and isinstance(n, int) and not isinstance(n, bool):
            return op, n
    raise MatcherError(f"$length takes a count or {{op: count}} with op one of {' '.join(COMPARISONS)}, got {show(spec)}")


def describe(expected: Any) -> str:
    """How an expected value reads in a message: a matcher as `<uuid>`, `<length >= 1>`..., else its JSON."""
    name = matcher_name(expected)
    if name is None:
        return show(expected)
    arg = expected[name]
    if name in ("$uuid", "$any", "$absent"):
        return f"<{name[1:]}>"
    if name == "$type":
        return f"<type {'|'.join(arg) if isinstance(arg, list) else arg}>"
    if name == "$regex":
        return f"<regex {arg}>"
    if name == "$length":
        op, n = length_spec(arg)
        return f"<length {n}>" if op == "==" else f"<length {op} {n}>"
    if name == "$approx":
        return f"<approx {arg} ± {expected.get('tolerance', 1e-6)}>"
    if name == "$literal":
        return show(arg)
    return f"<{name[1:]} {show(arg)}>"


def compare(expected: Any, actual: Any, *, subset: bool = False, path: str = "$") -> list[Mismatch]:
    """Every mismatch between `expected` (matchers allowed) and `actual`; empty when they match."""
    found: list[Mismatch] = []
    _compare(expected, actual, subset, path, found, literal=False)
    return found


def matches(expected: Any, actual: Any, *, subset: bool = False) -> bool:
    return not compare(expected, actual, subset=subset)


def _equal(expected: Any, actual: Any) -> bool:
    if isinstance(expected, bool) or isinstance(actual, bool):
        return isinstance(expected, bool) and isinstance(actual, bool) and expected == actual
    if _is_number(expected) and _is_number(actual):
        return expected == actual
    return type(expected) is type(actual) and expected == actual


def _compare(exp: Any, act: Any, subset: bool, path: str, out: list[Mismatch], literal: bool) -> None:
    name = None if literal else matcher_name(exp)
    if name is not None:
        _match(name, exp, act, subset, path, out)
    elif isinstance(exp, Mapping):
        if not isinstance(act, Mapping):
            out.append(Mismatch(path, show(exp), show(act)))
            return
        for key, sub in exp.items():
            _compare(sub, act.get(key, ABSENT), subset, join(path, key), out, literal)
        if not subset:
            out.extend(Mismatch(join(path, key), "<absent>", show(value)) for key, value in act.items() if key not in exp)
    elif isinstance(exp, list):
        if not isinstance(act, list):
            out.append(Mismatch(path, show(exp), show(act)))
            return
        for i, sub in enumerate(exp):
            _compare(sub, act[i] if i < len(act) else ABSENT, subset, join(path, i), out, literal)
        out.extend(Mismatch(join(path, i), "<absent>", show(act[i])) for i in range(len(exp), len(act)))
    elif not _equal(exp, act):
        out.append(Mismatch(path, show(exp), show(act)))


def _length_of(value: Any) -> int | None:
    return len(value) if isinstance(value, (str, list, Mapping)) else None


def _match(name: str, exp: Mapping[str, Any], act: Any, subset: bool, path: str, out: list[Mismatch]) -> None:
    problem = _arg_problem(name, exp)
    if problem:
        raise MatcherError(f"{path}: {problem}")
    arg = exp[name]
    if name == "$absent":
        ok = act is ABSENT
    elif act is ABSENT and name != "$literal":
        ok = False
    elif name == "$any":
        ok = True
    elif name == "$type":
        wanted = arg if isinstance(arg, list) else [arg]
        kind = json_type(act)
        ok = kind in wanted or (kind == "integer" and "number" in wanted)
    elif name == "$regex":
        ok = isinstance(act, str) and re.search(arg, act) is not None
    elif name == "$uuid":
        ok = isinstance(act, str) and UUID_RE.match(act) is not None
    elif name == "$length":
        op, n = length_spec(arg)
        size = _length_of(act)
        if size is None or not COMPARISONS[op](size, n):
            out.append(Mismatch(path, describe(exp), show(act) if size is None else f"length {size}"))
        return
    elif name == "$approx":
        tolerance = exp.get("tolerance", 1e-6)
        ok = _is_number(act) and math.isclose(act, arg, rel_tol=0.0, abs_tol=tolerance)
    elif name == "$subset":
        _compare(arg, act, True, path, out, literal=False)
        return
    elif name == "$literal":
        _compare(arg, act, subset, path, out, literal=True)
        return
    else:  # $unordered
        _unordered(arg, act, subset, path, out)
        return
    if not ok:
        out.append(Mismatch(path, describe(exp), show(act)))


def _unordered(expected: list[Any], actual: Any, subset: bool, path: str, out: list[Mismatch]) -> None:
    if not isinstance(actual, list):
        out.append(Mismatch(path, describe({"$unordered": expected}), show(actual)))
        return
    fits = [[matches(e, a, subset=subset) for a in actual] for e in expected]
    owner: dict[int, int] = {}  # actual index -> expected index (maximum bipartite matching, Kuhn)

    def place(i: int, seen: set[int]) -> bool:
        for j, ok in enumerate(fits[i]):
            if ok and j not in seen:
                seen.add(j)
                if j not in owner or place(owner[j], seen):
                    owner[j] = i
                    return True
        return False

    placed = {i for i in range(len(expected)) if place(i, set())}
    for i, item in enumerate(expected):
        if i not in placed:
            out.append(Mismatch(path, f"an item matching {describe(item)}", f"no match among {len(actual)} items"))
    out.extend(Mismatch(join(path, j), "<absent>", show(item)) for j, item in enumerate(actual) if j not in owner)


def _arg_problem(name: str, exp: Mapping[str, Any]) -> str | None:
    extra = sorted(k for k in exp if k != name and k not in OPTIONS[name])
    if extra:
        others = [k for k in extra if k in OPTIONS]
        if others:
            return f"one matcher per object: found {name} and {', '.join(others)}"
        allowed = ", ".join(sorted(OPTIONS[name])) or "none"
        return f"{name} takes no option {', '.join(map(repr, extra))} (options: {allowed})"
    arg = exp[name]
    if isinstance(arg, str) and "{{" in arg:
        return None  # checked again after rendering
    if name in ("$uuid", "$any", "$absent") and arg is not True:
        return f"{name} takes true, got {show(arg)}"
    if name == "$type":
        names = arg if isinstance(arg, list) and arg else [arg]
        bad = [n for n in names if n not in JSON_TYPES]
        if bad:
            return f"$type takes one of {', '.join(JSON_TYPES)} (or a list of them), got {show(arg)}"
    if name == "$regex":
        if not isinstance(arg, str):
            return f"$regex takes a string, got {show(arg)}"
        try:
            re.compile(arg)
        except re.error as exc:
            return f"invalid $regex {arg!r}: {exc}"
    if name == "$length":
        try:
            length_spec(arg)
        except MatcherError as exc:
            return str(exc)
    if name == "$unordered" and not isinstance(arg, list):
        return f"$unordered takes an array, got {show(arg)}"
    if name == "$approx":
        tolerance = exp.get("tolerance", 1e-6)
        if not _is_number(arg) or not _is_number(tolerance) or tolerance < 0:
            return f"$approx takes a number and an optional non-negative tolerance, got {show(dict(exp))}"
    return None


def syntax_problems(value: Any) -> list[tuple[list[str | int], str]]:
    """Bad matcher objects inside an expected value: (path parts relative to `value`, message)."""
    found: list[tuple[list[str | int], str]] = []

    def walk(node: Any, parts: list[str | int]) -> None:
        if isinstance(node, Mapping):
            name = matcher_name(node)
            unknown = [k for k in node if isinstance(k, str) and k.startswith("$") and k not in OPTIONS]
            if unknown:
                found.append((parts + [unknown[0]],
                              f"unknown matcher {unknown[0]!r}; known: {', '.join(sorted(OPTIONS))} "
                              "(wrap literal $-keys in {\"$literal\": ...})"))
                return
            if name is not None:
                problem = _arg_problem(name, node)
                if problem:
                    found.append((parts + [name], problem))
                elif name in ("$unordered", "$subset"):
                    walk(node[name], parts + [name])
                return
            for key, sub in node.items():
                walk(sub, parts + [key])
        elif isinstance(node, list):
            for i, sub in enumerate(node):
                walk(sub, parts + [i])

    walk(value, [])
    return found
