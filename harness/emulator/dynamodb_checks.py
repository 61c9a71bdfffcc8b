"""Where moto's DynamoDB accepts what DynamoDB refuses, the stack's front answers as DynamoDB does.

Pure functions over the request's JSON (no moto): a key that breaks the table's key schema (moto answers a
mistyped key with 200 and an empty one with its own wording), a PutItem key attribute that is empty (moto's
wording differs) and items nested too deeply (moto stores them).
Left out: size limits (400 KB items are checked by moto), expression validation.
"""
from __future__ import annotations

from typing import Any

MAX_NESTING = 32
NESTING_TOO_DEEP = ("Nesting Levels have exceeded supported limits: Attributes in the item have nested levels beyond "
                    "supported limit")
KEY_SCHEMA_MISMATCH = "The provided key element does not match the schema"
EMPTY_STRING_KEY = ("One or more parameter values are not valid. The AttributeValue for a key attribute cannot "
                    "contain an empty string value. Key: {}")


def key_problem(key: Any, schema: tuple[tuple[str, str], ...]) -> str | None:
    """What DynamoDB says about the `Key` of a Get/Delete/UpdateItem call, given the table's (name, type) key
    attributes; None when the key fits (or is not a map: moto's own validation answers that)."""
    if not isinstance(key, dict):
        return None
    if set(key) != {name for name, _ in schema}:
        return KEY_SCHEMA_MISMATCH
    if any(not isinstance(key[name], dict) or list(key[name]) != [kind] for name, kind in schema):
        return KEY_SCHEMA_MISMATCH
    empty = next((name for name, kind in schema if kind in ("S", "B") and key[name][kind] == ""), None)
    return None if empty is None else EMPTY_STRING_KEY.format(empty)


def item_key_problem(item: Any, schema: tuple[tuple[str, str], ...]) -> str | None:
    """What DynamoDB says about a PutItem `Item` whose key attribute is an empty string or binary (moto answers
    with its own wording); None otherwise (missing or mistyped keys: moto answers those as DynamoDB does)."""
    if not isinstance(item, dict):
        return None
    empty = next((name for name, kind in schema if kind in ("S", "B") and item.get(name) == {kind: ""}), None)
    return None if empty is None else EMPTY_STRING_KEY.format(empty)


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
