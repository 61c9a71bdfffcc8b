"""Where moto's DynamoDB accepts what DynamoDB refuses: the checks and the number form DynamoDB's answers follow.

Pure functions over the request's JSON (no moto; `dynamodb_front.py` applies them): a key that breaks the
table's key schema (moto answers a mistyped key with 200 and an empty one with its own wording), a PutItem key
attribute that is empty (moto's wording differs) and items nested too deeply (moto stores them).
Numbers are stored in DynamoDB's own form (`canonical_number`: no exponent, no leading or trailing zeros,
`-0` is `0`; moto keeps the text it was sent); more than 38 significant digits, or a magnitude out of
DynamoDB's range, is refused with DynamoDB's message.
A number, string or binary set holding a member twice (`["1", "1.0"]`, `["a", "a"]`) is refused as DynamoDB
does (the string- and binary-set wordings follow dynalite's AWS-recorded tests).
Left out: size limits (400 KB items are checked by moto), expression validation. UpdateItem's own arithmetic
is put into DynamoDB's form by `dynamodb_front.py`.
"""
from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any, Iterator

MAX_NESTING = 32
NESTING_TOO_DEEP = ("Nesting Levels have exceeded supported limits: Attributes in the item have nested levels beyond "
                    "supported limit")
KEY_SCHEMA_MISMATCH = "The provided key element does not match the schema"
EMPTY_STRING_KEY = ("One or more parameter values are not valid. The AttributeValue for a key attribute cannot "
                    "contain an empty {} value. Key: {}")
_EMPTY_KIND = {"S": "string", "B": "binary"}


def key_problem(key: Any, schema: tuple[tuple[str, str], ...]) -> str | None:
    """What DynamoDB says about the `Key` of a Get/Delete/UpdateItem call, given the table's (name, type) key
    attributes; None when the key fits (or is not a map: moto's own validation answers that)."""
    if not isinstance(key, dict):
        return None
    if set(key) != {name for name, _ in schema}:
        return KEY_SCHEMA_MISMATCH
    if any(not isinstance(key[name], dict) or list(key[name]) != [kind] for name, kind in schema):
        return KEY_SCHEMA_MISMATCH
    empty = next(((name, kind) for name, kind in schema if kind in ("S", "B") and key[name][kind] == ""), None)
    return None if empty is None else EMPTY_STRING_KEY.format(_EMPTY_KIND[empty[1]], empty[0])


def item_key_problem(item: Any, schema: tuple[tuple[str, str], ...]) -> str | None:
    """What DynamoDB says about a PutItem `Item` whose key attribute is an empty string or binary (moto answers
    with its own wording); None otherwise (missing or mistyped keys: moto answers those as DynamoDB does)."""
    if not isinstance(item, dict):
        return None
    empty = next(((name, kind) for name, kind in schema if kind in ("S", "B") and item.get(name) == {kind: ""}), None)
    return None if empty is None else EMPTY_STRING_KEY.format(_EMPTY_KIND[empty[1]], empty[0])


def has_empty_value(item: Any) -> bool:
    """True when a top-level attribute of `item` is an empty string or binary (so only then is the table's key
    schema looked up for `item_key_problem`)."""
    return isinstance(item, dict) and any(v == {"S": ""} or v == {"B": ""} for v in item.values())


def nesting_problem(request: dict[str, Any]) -> str | None:
    """NESTING_TOO_DEEP when a value the call stores or compares (`Item`, `ExpressionAttributeValues`,
    `AttributeUpdates`) has MAX_NESTING or more levels of maps/lists; None otherwise."""
    values: list[Any] = []
    for name in ("Item", "ExpressionAttributeValues"):
        if isinstance(request.get(name), dict):
            values.extend(request[name].values())
    if isinstance(request.get("AttributeUpdates"), dict):
        values.extend(u.get("Value") for u in request["AttributeUpdates"].values() if isinstance(u, dict))
    stack = [(value, 1) for value in values]
    while stack:  # iterative: a value may be nested as deep as the JSON parser goes
        node, depth = stack.pop()
        if not isinstance(node, dict):
            continue
        mapped, listed = node.get("M"), node.get("L")
        inner = list(mapped.values()) if isinstance(mapped, dict) else listed if isinstance(listed, list) else None
        if inner is not None:
            if depth >= MAX_NESTING:
                return NESTING_TOO_DEEP
            stack.extend((child, depth + 1) for child in inner)
    return None


MAX_DIGITS = 38
TOO_PRECISE = "Attempting to store more than 38 significant digits in a Number"
OVERFLOW = "Number overflow. Attempting to store a number with magnitude larger than supported range"
UNDERFLOW = "Number underflow. Attempting to store a number with magnitude smaller than supported range"
DUPLICATES = "Input collection contains duplicates"  # DynamoDB's words for a number set
_MAX_EXPONENT, _MIN_EXPONENT = 125, -130  # DynamoDB's range: 1E-130 to 9.99...E+125


class ValueRefused(ValueError):
    """A value DynamoDB refuses to store (a number, a set); the text is DynamoDB's message."""


def canonical_number(text: Any) -> str | None:
    """`text` as DynamoDB stores and returns a number: plain notation, no leading or trailing zeros, `-0` as
    `0` ("1.50" -> "1.5", "1.5E2" -> "150", "00042" -> "42"). ValueRefused for more than 38 significant
    digits or a magnitude out of range; None when `text` is no number at all (moto answers that)."""
    if not isinstance(text, str) or text != text.strip():
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    if not value.is_finite():
        return None
    if value.is_zero():
        return "0"
    sign, digit_tuple, exponent = value.as_tuple()
    digits = "".join(map(str, digit_tuple)).rstrip("0")
    exponent = int(exponent) + len(digit_tuple) - len(digits)
    if len(digits) > MAX_DIGITS:
        raise ValueRefused(TOO_PRECISE)
    magnitude = len(digits) - 1 + exponent
    if magnitude > _MAX_EXPONENT:
        raise ValueRefused(OVERFLOW)
    if magnitude < _MIN_EXPONENT:
        raise ValueRefused(UNDERFLOW)
    if exponent >= 0:
        body = digits + "0" * exponent
    else:
        point = len(digits) + exponent
        body = f"{digits[:point]}.{digits[point:]}" if point > 0 else "0." + "0" * -point + digits
    return ("-" if sign else "") + body


def _stored_values(target: str, request: dict[str, Any]) -> Iterator[tuple[Any, str | None]]:
    """The AttributeValues a write call stores, each with its ExpressionAttributeValues key (None elsewhere)."""
    if target.endswith((".PutItem", ".UpdateItem")):
        if isinstance(request.get("Item"), dict):
            yield from ((value, None) for value in request["Item"].values())
        if isinstance(request.get("ExpressionAttributeValues"), dict):
            yield from ((value, str(key)) for key, value in request["ExpressionAttributeValues"].items())
        if isinstance(request.get("AttributeUpdates"), dict):
            yield from ((u.get("Value"), None) for u in request["AttributeUpdates"].values() if isinstance(u, dict))
    elif target.endswith(".BatchWriteItem") and isinstance(request.get("RequestItems"), dict):
        for writes in request["RequestItems"].values():
            for write in writes if isinstance(writes, list) else ():
                item = (write.get("PutRequest") or {}).get("Item") if isinstance(write, dict) else None
                if isinstance(item, dict):
                    yield from ((value, None) for value in item.values())
    elif target.endswith(".TransactWriteItems") and isinstance(request.get("TransactItems"), list):
        for entry in request["TransactItems"]:
            for kind in ("Put", "Update") if isinstance(entry, dict) else ():
                part = entry.get(kind)
                if isinstance(part, dict):
                    yield from _stored_values(".PutItem", part)


def _duplicates_in_string_set(members: list[Any]) -> str:
    return (f"One or more parameter values were invalid: Input collection [{', '.join(map(str, members))}] "
            "contains duplicates.")


def _duplicates_in_binary_set(members: list[str]) -> str:
    # the missing space before "of" is DynamoDB's (as recorded by dynalite's tests against AWS)
    return (f"One or more parameter values were invalid: Input collection [{', '.join(members)}]of type BS "
            "contains duplicates.")


def _normalize_value(value: Any) -> bool:
    """One stored AttributeValue (and what it holds) into DynamoDB's form, in place; True when anything changed.
    ValueRefused with DynamoDB's message for a value it refuses."""
    changed = False
    stack = [value]
    while stack:
        node = stack.pop()
        if not isinstance(node, dict):
            continue
        for kind, inner in node.items():
            if kind == "N":
                canonical = canonical_number(inner)
                if canonical is not None and canonical != inner:
                    node["N"], changed = canonical, True
            elif kind == "NS" and isinstance(inner, list):
                fixed = [form if form is not None else n for n in inner for form in (canonical_number(n),)]
                if len(set(map(str, fixed))) < len(fixed):  # ["1", "1.0"] as much as ["1", "1"]
                    raise ValueRefused(DUPLICATES)
                if fixed != inner:
                    node["NS"], changed = fixed, True
            elif kind == "SS" and isinstance(inner, list) and all(isinstance(m, str) for m in inner):
                if len(set(inner)) < len(inner):
                    raise ValueRefused(_duplicates_in_string_set(inner))
            elif kind == "BS" and isinstance(inner, list) and all(isinstance(m, str) for m in inner):
                if len(set(inner)) < len(inner):  # base64 text: equal members are equal bytes
                    raise ValueRefused(_duplicates_in_binary_set(inner))
            elif kind == "M" and isinstance(inner, dict):
                stack.extend(inner.values())
            elif kind == "L" and isinstance(inner, list):
                stack.extend(inner)
    return changed


def normalize_stored_values(target: str, request: dict[str, Any]) -> tuple[bool, str | None]:
    """Put every value a write call stores into DynamoDB's form, in place: (changed, problem), where problem is
    DynamoDB's message for a value it refuses (a number with too many digits or out of range, a set holding a
    member twice); for an ExpressionAttributeValues entry it names the key, as DynamoDB does."""
    changed = False
    for value, expression_key in _stored_values(target, request):
        try:
            changed = _normalize_value(value) or changed
        except ValueRefused as problem:
            if expression_key is None:
                return changed, str(problem)
            return changed, f"ExpressionAttributeValues contains invalid value: {problem} for key {expression_key}"
    return changed, None
