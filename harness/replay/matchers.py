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
  {"$one_of": [200, "200"]}      any one of these values (each may be a matcher)
Exact mode: extra object keys and array items are mismatches. Subset mode: extra object keys are allowed;
arrays still compare item by item and must have the same length. `true` never equals `1`.
Paths look like `$.Items[0].id` or `$["Content-Type"]`. A matcher's argument is checked by `operands.py`, the one
validator the loader uses too. Left out: cross-field matchers, `$not`.
"""
from __future__ import annotations

import json
import math
import re
from typing import Any, Mapping

from .operands import (ABSENT, COMPARISONS, JSON_TYPES, OPTIONS, MatcherError, is_number, json_type,  # noqa: F401
                       length_spec, matcher_problem, show)
from .results import Mismatch

UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


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
    if (is_number(left) and is_number(right)) or (isinstance(left, str) and isinstance(right, str)):
        return bool(COMPARISONS[op](left, right))
    return None


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
        op, n = length_spec(arg) or ("?", arg)
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
    if is_number(expected) and is_number(actual):
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
    problem = matcher_problem(name, exp)
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
        op, n = length_spec(arg)  # type: ignore[misc]  # checked above
        size = _length_of(act)
        if size is None or not COMPARISONS[op](size, n):
            out.append(Mismatch(path, describe(exp), show(act) if size is None else f"length {size}"))
        return
    elif name == "$approx":
        tolerance = exp.get("tolerance", 1e-6)
        ok = is_number(act) and math.isclose(act, arg, rel_tol=0.0, abs_tol=tolerance)
    elif name == "$subset":
        _compare(arg, act, True, path, out, literal=False)
        return
    elif name == "$literal":
        _compare(arg, act, subset, path, out, literal=True)
        return
    elif name == "$one_of":
        for candidate in arg:
            trial: list[Mismatch] = []
            _compare(candidate, act, subset, path, trial, literal=False)
            if not trial:
                return
        out.append(Mismatch(path, describe(exp), show(act)))
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
                problem = matcher_problem(name, node)
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
