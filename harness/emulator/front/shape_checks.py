"""botocore input shapes compiled into checks that word their findings as AWS's request validation does.

`compile_shape(shape, style)` turns one botocore shape into a `Check`: `check(value, path, found)` appends
AWS-worded violations ("Value 'x' at 'y' failed to satisfy constraint: Member must ...") to `found`, and
raises `WrongType` when a value has the wrong JSON type. Shapes without any constraint compile to nothing, so a
request pays only for the members that can fail (DynamoDB's item maps cost nothing). Compiled checks are kept
per shape and style.

The constraints and their words (recorded against AWS in LocalStack's snapshots: `tests/aws/services/lambda_/
test_lambda_api.snapshot.json`, `tests/aws/services/apigateway/test_apigateway_api.snapshot.json`):
required -> `Value null at 'x' ... Member must not be null`; enum -> `Member must satisfy enum value set: [a, b]`;
pattern -> `Member must satisfy regular expression pattern: p`; string/list/map length -> `Member must have
length less|greater than or equal to n`; number range -> `Member must have value less|greater than or equal to
n`; a list of constrained strings -> `Member must satisfy constraint: [<the element's constraints>]` at the
list; an element of a list of structures -> `x.1.member.y` (1-based). Values print as Java prints them
(`[a, b]`, `{k=v}`).
Enum values are listed in botocore's order, or in AWS's own where a recording shows it (`Style.enum_orders`).
A shape inside itself (DynamoDB's AttributeValue) is checked at every depth. `Style` says how a service differs:
values hidden (IAM), enums without their values (IAM), types and required members only (DynamoDB).
Left out: AWS's enum order where nothing recorded it, blob lengths, timestamps,
patterns Python's `re` cannot read (Java-only classes such as `\\p{L}` are skipped), documents.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable

from botocore.model import Shape

Check = Callable[[Any, str, list[str]], None]


class WrongType(Exception):
    """A member's value has another JSON type than its shape's (`path`, `value`, `expected` botocore type)."""

    def __init__(self, path: str, value: Any, expected: str) -> None:
        super().__init__(f"{path}: {expected} expected")
        self.path, self.value, self.expected = path, value, expected


@dataclass(frozen=True)
class Style:
    """How a service names members in its messages: lowerCamel of the member name (all three do), with the
    prefix of body members (API Gateway: `putIntegrationInput.`), and shapes whose enum it checks itself."""

    exempt_enums: frozenset[str] = frozenset()
    check_types: bool = True  # False: a value of another JSON type is left to the service (DynamoDB's)
    enum_orders: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (shape name, AWS's order of its values)
    not_null_elements: frozenset[str] = frozenset()  # lists whose failed element ends "Member must not be null"
    hide_values: bool = False  # IAM: "Value at 'x' failed ..." (no value shown, as for a sensitive member)
    enum_listed: bool = True  # False (IAM): "Member must satisfy enum value set" without the values
    constraints: bool = True  # False (DynamoDB): JSON types and required members only; its lengths, patterns
    #                           and enums are checked in DynamoDB's order (control/moto_changes/dynamodb_requests.py)
    null_elements: bool = False  # DynamoDB: a null element of a list of structures that require members is named


def java_text(value: Any) -> str:
    """`value` as Java's toString prints it in AWS's messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(java_text(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}={java_text(v)}" for k, v in value.items()) + "}"
    return str(value)


def violation(value: Any, path: str, constraint: str, sensitive: bool = False) -> str:
    """One finding; a sensitive value (botocore's `sensitive` shapes, e.g. Lambda's environment variables) is not
    shown: "Value at 'environment.variables' failed to satisfy constraint: ..." as AWS words it."""
    if sensitive:
        return f"Value at '{path}' failed to satisfy constraint: {constraint}"
    shown = "null" if value is None else f"'{java_text(value)}'"
    return f"Value {shown} at '{path}' failed to satisfy constraint: {constraint}"


def _sensitive(*shapes: Shape) -> bool:
    return any(shape.metadata.get("sensitive") for shape in shapes)


def lower_camel(name: str) -> str:
    return name[:1].lower() + name[1:]


_STRINGS = ("string",)
_INTEGERS = ("integer", "long")
_FLOATS = ("float", "double")
_cache: dict[tuple[str, Style], Check | None] = {}
_constrained: dict[tuple[str, Style], bool] = {}


def _pattern(text: str) -> re.Pattern[str] | None:
    try:
        return re.compile(text, re.DOTALL)
    except re.error:  # a Java-only construct: not checked
        return None


def scalar_constraints(shape: Shape, style: Style) -> Callable[[Any], list[str]] | None:
    """The failed constraints of one scalar value (messages without the 'Value ... at' head), or None when the
    shape constrains nothing."""
    if not style.constraints:
        return None
    meta = shape.metadata
    kind = shape.type_name
    if kind in _STRINGS:
        enum = None if shape.name in style.exempt_enums else (meta.get("enum") or None)
        enum = dict(style.enum_orders).get(shape.name, enum) if enum else None
        pattern = _pattern(meta["pattern"]) if "pattern" in meta else None
        low, high = meta.get("min"), meta.get("max")
        if not (enum or pattern or low is not None or high is not None):
            return None
        enum_set = frozenset(enum or ())
        enum_text = f"Member must satisfy enum value set: [{', '.join(enum or ())}]" if style.enum_listed \
            else "Member must satisfy enum value set"
        pattern_text = f"Member must satisfy regular expression pattern: {meta.get('pattern')}"

        def string_failures(value: Any) -> list[str]:
            failed = []
            if enum and value not in enum_set:
                failed.append(enum_text)
            if pattern is not None and pattern.fullmatch(value) is None:
                failed.append(pattern_text)
            size = len(value)
            if high is not None and size > high:
                failed.append(f"Member must have length less than or equal to {high}")
            if low is not None and size < low:
                failed.append(f"Member must have length greater than or equal to {low}")
            return failed

        return string_failures
    if kind in _INTEGERS or kind in _FLOATS:
        low, high = meta.get("min"), meta.get("max")
        if low is None and high is None:
            return None

        def number_failures(value: Any) -> list[str]:
            failed = []
            if high is not None and value > high:
                failed.append(f"Member must have value less than or equal to {high}")
            if low is not None and value < low:
                failed.append(f"Member must have value greater than or equal to {low}")
            return failed

        return number_failures
    return None


def all_constraints(shape: Shape, style: Style, not_null: bool = False) -> list[str]:
    """Every constraint of an element's shape, as AWS lists them once one of them fails, in AWS's order: enum,
    maximum, minimum, pattern (`[Member must satisfy enum value set: [x86_64, arm64], Member must not be null]`;
    `[Member must have length less than or equal to 1024, Member must have length greater than or equal to 0,
    Member must satisfy regular expression pattern: subnet-[0-9a-z]*]`; a list's own length: `[Member must have
    length less than or equal to 25, Member must have length greater than or equal to 1]`)."""
    meta = shape.metadata
    found = []
    if shape.type_name in _STRINGS and meta.get("enum") and shape.name not in style.exempt_enums:
        enum = dict(style.enum_orders).get(shape.name, meta["enum"])
        found.append(f"Member must satisfy enum value set: [{', '.join(enum)}]" if style.enum_listed
                     else "Member must satisfy enum value set")
    word = "value" if shape.type_name in _INTEGERS or shape.type_name in _FLOATS else "length"
    if "max" in meta:
        found.append(f"Member must have {word} less than or equal to {meta['max']}")
    if "min" in meta:
        found.append(f"Member must have {word} greater than or equal to {meta['min']}")
    if shape.type_name in _STRINGS and "pattern" in meta:
        found.append(f"Member must satisfy regular expression pattern: {meta['pattern']}")
    if not_null:
        found.append("Member must not be null")
    return found


def _type_check(shape: Shape) -> Callable[[Any], bool]:
    kind = shape.type_name
    if kind in _STRINGS:
        return lambda v: isinstance(v, str)
    if kind in _INTEGERS:
        return lambda v: isinstance(v, int) and not isinstance(v, bool)
    if kind in _FLOATS:
        return lambda v: isinstance(v, (int, float)) and not isinstance(v, bool)
    if kind == "boolean":
        return lambda v: isinstance(v, bool)
    if kind in ("structure", "map"):
        return lambda v: isinstance(v, dict)
    if kind == "list":
        return lambda v: isinstance(v, list)
    if kind == "blob":
        return lambda v: isinstance(v, str)
    if kind == "timestamp":
        return lambda v: isinstance(v, (str, int, float)) and not isinstance(v, bool)
    return lambda v: True  # documents hold any JSON


def constrained(shape: Shape, style: Style, seen: frozenset[str] = frozenset()) -> bool:
    """True when a value of `shape` can fail a check (a constraint somewhere inside it, or its JSON type)."""
    if style.check_types:
        return True
    known = _constrained.get((shape.name, style))
    if known is not None:
        return known
    if shape.name in seen:
        return False
    answer = _constrained_inside(shape, style, seen | {shape.name})
    if not seen:
        _constrained[(shape.name, style)] = answer
    return answer


def _constrained_inside(shape: Shape, style: Style, seen: frozenset[str]) -> bool:
    kind = shape.type_name
    if kind == "structure":
        return bool(shape.required_members and not shape.metadata.get("union")) or any(
            constrained(m, style, seen) for m in shape.members.values())
    if kind == "list":
        return "min" in shape.metadata or "max" in shape.metadata or constrained(shape.member, style, seen)
    if kind == "map":
        return "min" in shape.metadata or "max" in shape.metadata or constrained(shape.key, style, seen) \
            or constrained(shape.value, style, seen)
    return scalar_constraints(shape, style) is not None


def compile_shape(shape: Shape, style: Style) -> Check | None:
    """The check of a value of `shape`; None when nothing about it can fail (see `constrained`)."""
    key = (shape.name, style)
    if key in _cache:
        found = _cache[key]
        return found if found is not None or not constrained(shape, style) else _typed_only(shape, style)
    if not constrained(shape, style):
        _cache[key] = None
        return None
    inner: list[Check] = []

    def recursive(value: Any, path: str, found: list[str]) -> None:  # a shape inside itself (AttributeValue)
        inner[0](value, path, found)

    _cache[key] = recursive
    check = _compile(shape, style)
    inner.append(check)
    _cache[key] = check
    return check


def _requires(shape: Shape, seen: frozenset[str] = frozenset()) -> bool:
    """True when a value of `shape` must hold some member (it or a structure inside it has required members)."""
    if shape.name in seen:
        return False
    seen = seen | {shape.name}
    kind = shape.type_name
    if kind == "structure":
        return bool(shape.required_members) or any(_requires(m, seen) for m in shape.members.values())
    if kind == "list":
        return _requires(shape.member, seen)
    if kind == "map":
        return _requires(shape.value, seen)
    return False


def _mismatch(strict: bool, path: str, value: Any, expected: str) -> None:
    """A value of another JSON type: raised when the service's types are checked here, else left alone."""
    if strict:
        raise WrongType(path, value, expected)


def _typed_only(shape: Shape, style: Style) -> Check:
    typed = _type_check(shape)
    kind = shape.type_name

    def check(value: Any, path: str, found: list[str]) -> None:
        if not typed(value):
            _mismatch(style.check_types, path, value, kind)

    return check


def _compile(shape: Shape, style: Style) -> Check:
    strict = style.check_types
    kind = shape.type_name
    typed = _type_check(shape)
    if kind == "structure":
        return _compile_structure(shape, style, typed)
    if kind == "list":
        return _compile_list(shape, style, typed)
    if kind == "map":
        return _compile_map(shape, style, typed)
    failures = scalar_constraints(shape, style)
    hidden = _sensitive(shape) or style.hide_values

    def check_scalar(value: Any, path: str, found: list[str]) -> None:
        if not typed(value):
            _mismatch(strict, path, value, kind)
            return
        if failures is not None:
            for constraint in failures(value):
                found.append(violation(value, path, constraint, hidden))

    return check_scalar


def structure_members(shape: Shape, style: Style, only: frozenset[str] | None = None
                      ) -> list[tuple[str, str, Check | None, bool]]:
    """(wire name, message name, check, required) of each member of a structure that can fail (of those named
    in `only`, when given)."""
    required = set(shape.required_members) if not shape.metadata.get("union") else set()
    members = [(member.serialization.get("name", name), lower_camel(name), compile_shape(member, style),
                name in required) for name, member in shape.members.items() if only is None or name in only]
    return [m for m in members if m[2] is not None or m[3]]


def compile_members(shape: Shape, style: Style, only: frozenset[str]) -> Check | None:
    """The check of a structure's JSON object holding only the members named in `only` (a REST body)."""
    return _compile_structure(shape, style, _type_check(shape), only) if structure_members(shape, style, only) \
        or style.check_types else None


def _compile_structure(shape: Shape, style: Style, typed: Callable[[Any], bool],
                       only: frozenset[str] | None = None) -> Check:
    strict = style.check_types
    members = structure_members(shape, style, only)
    required_wires = tuple(wire for wire, _, _, required in members if required)
    size = len(members)
    by_wire = {wire: (name, check) for wire, name, check, _ in members if check is not None}

    def check_structure(value: Any, path: str, found: list[str]) -> None:
        if not typed(value):
            _mismatch(strict, path, value, "structure")
            return
        if len(value) < size and (not required_wires or all(value.get(w) is not None for w in required_wires)):
            # a few of many members (an AttributeValue, a PutItem): only those sent are checked; on a finding,
            mark = len(found)  # again in the model's order (AWS's)
            try:
                for key, got in value.items():
                    entry = by_wire.get(key)
                    if entry is not None and got is not None:
                        entry[1](got, f"{path}.{entry[0]}" if path else entry[0], found)
            except WrongType:
                pass
            else:
                if len(found) == mark:
                    return
            del found[mark:]
        for wire, name, check, required in members:
            got = value.get(wire)
            where = f"{path}.{name}" if path else name
            if got is None:
                if required:
                    found.append(violation(None, where, "Member must not be null"))
                continue
            if check is not None:
                check(got, where, found)

    return check_structure


def _compile_list(shape: Shape, style: Style, typed: Callable[[Any], bool], own_length: bool = True) -> Check:
    strict = style.check_types
    member = shape.member
    low, high = shape.metadata.get("min"), shape.metadata.get("max")
    element_failures = scalar_constraints(member, style) if member.type_name not in ("structure", "list", "map") \
        else None
    element_typed = _type_check(member)
    hidden = _sensitive(shape, member) or style.hide_values
    container = member.type_name in ("structure", "list", "map")
    nested = compile_shape(member, style) if container else None
    not_null = shape.name in style.not_null_elements
    null_named = style.null_elements and member.type_name == "structure" and _requires(member)
    sized = style.constraints
    listed = f"Member must satisfy constraint: [{', '.join(all_constraints(member, style, not_null))}]"

    def check_list(value: Any, path: str, found: list[str]) -> None:
        if not typed(value):
            _mismatch(strict, path, value, "list")
            return
        if nested is not None:
            for index, element in enumerate(value, 1):
                if element is not None:
                    nested(element, f"{path}.{index}.member", found)
                elif null_named:
                    found.append(violation(None, f"{path}.{index}.member", "Member must not be null"))
        elif not container:
            failed = False
            for element in value:
                if element is None:
                    continue
                if not element_typed(element):
                    _mismatch(strict, path, element, member.type_name)
                    continue
                if element_failures is not None and element_failures(element):
                    failed = True
            if failed:
                found.append(violation(value, path, listed, hidden))
        if own_length and sized:
            _check_length(value, path, found, low, high, hidden)

    return check_list


def _check_length(value: Any, path: str, found: list[str], low: int | None, high: int | None, hidden: bool) -> None:
    """A list's or map's own length against its shape's min/max (AWS's two sentences)."""
    size = len(value)
    if high is not None and size > high:
        found.append(violation(value, path, f"Member must have length less than or equal to {high}", hidden))
    if low is not None and size < low:
        found.append(violation(value, path, f"Member must have length greater than or equal to {low}", hidden))


def _compile_map(shape: Shape, style: Style, typed: Callable[[Any], bool], own_length: bool = True) -> Check:
    strict = style.check_types
    key_failures = scalar_constraints(shape.key, style)
    value_shape = shape.value
    value_failures = scalar_constraints(value_shape, style) \
        if value_shape.type_name not in ("structure", "list", "map") else None
    value_typed = _type_check(value_shape)
    container = value_shape.type_name in ("structure", "list", "map")
    value_low, value_high = value_shape.metadata.get("min"), value_shape.metadata.get("max")
    sized = style.constraints and value_shape.type_name in ("list", "map") and (
        value_low is not None or value_high is not None)
    if sized:  # a value's own length is reported at the map ("Map value must satisfy constraint: [...]")
        inner = _compile_list if value_shape.type_name == "list" else _compile_map
        nested: Check | None = inner(value_shape, style, _type_check(value_shape), own_length=False)
    else:
        nested = compile_shape(value_shape, style) if container else None
    low, high = shape.metadata.get("min"), shape.metadata.get("max")
    hidden = _sensitive(shape, shape.key, value_shape) or style.hide_values
    keys_listed = f"Map keys must satisfy constraint: [{', '.join(all_constraints(shape.key, style))}]"
    values_listed = f"Map value must satisfy constraint: [{', '.join(all_constraints(value_shape, style))}]"

    def check_map(value: Any, path: str, found: list[str]) -> None:
        if not typed(value):
            _mismatch(strict, path, value, "map")
            return
        keys_failed = values_failed = False
        for key, element in value.items():
            if key_failures is not None and isinstance(key, str) and key_failures(key):
                keys_failed = True
            if element is None:
                continue
            if sized and isinstance(element, (list, dict)) and (
                    (value_high is not None and len(element) > value_high)
                    or (value_low is not None and len(element) < value_low)):
                values_failed = True
            if container:
                if nested is not None:
                    nested(element, f"{path}.{key}.member", found)
                continue
            if not value_typed(element):
                _mismatch(strict, f"{path}.{key}", element, value_shape.type_name)
                continue
            if value_failures is not None and value_failures(element):
                values_failed = True
        if keys_failed:
            found.append(violation(value, path, keys_listed, hidden))
        if values_failed:
            found.append(violation(value, path, values_listed, hidden))
        if own_length and style.constraints:
            _check_length(value, path, found, low, high, hidden)

    return check_map


def summary(found: list[str]) -> str:
    """AWS's sentence over the violations: '1 validation error detected: ...' / 'N validation errors detected:
    a; b'."""
    count = len(found)
    noun = "error" if count == 1 else "errors"
    return f"{count} validation {noun} detected: " + "; ".join(found)
