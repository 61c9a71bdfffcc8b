"""A query-protocol request (IAM, STS, CloudFormation: `Action=...&RoleName=...&Tags.member.1.Key=...`) read
back into the nested input botocore's serializer flattened, so the model's checks can read it as a JSON body.

The flattening undone is botocore's (botocore/serialize.py, QuerySerializer): a structure member is `Name` (its
serialization name when it has one), a list element `Name.member.N` (`Name.N` when the list is `flattened`, its
member's own name instead of `member` when it has one), a map entry `Name.entry.N.key` / `.value`; an empty list
is `Name=` alone. Scalars stay text except numbers and booleans, turned into their type when they read as one
(a value that does not is left as text: the checks pass over a value of another type and the service answers).
Left out: timestamps and blobs (kept as text), members no key of the request starts with (absent, as sent).
"""
from __future__ import annotations

from typing import Any

from botocore.model import Shape

#: Nesting the reader follows at most (deeper keys are left out, as the checks would not reach them either).
MAX_DEPTH = 8


def query_input(shape: Shape, params: dict[str, str]) -> dict[str, Any]:
    """The structure `shape` as the flat `params` of a query request give it."""
    keys = _Keys(params)
    found = _structure(shape, "", keys, 0)
    return found if isinstance(found, dict) else {}


class _Keys:
    """The request's keys, with the prefixes any of them starts with (so an absent member costs one lookup)."""

    def __init__(self, params: dict[str, str]) -> None:
        self.params = params
        prefixes: set[str] = set()
        for key in params:
            parts = key.split(".")
            for end in range(1, len(parts)):
                prefixes.add(".".join(parts[:end]) + ".")
        self.prefixes = prefixes

    def under(self, prefix: str) -> bool:
        return prefix + "." in self.prefixes


def _value(shape: Shape, key: str, keys: _Keys, depth: int) -> Any:
    kind = shape.type_name
    if kind == "structure":
        return _structure(shape, key + ".", keys, depth + 1) if keys.under(key) else None
    if kind == "list":
        return _list(shape, key, keys, depth)
    if kind == "map":
        return _map(shape, key, keys, depth)
    raw = keys.params.get(key)
    return None if raw is None else _scalar(raw, kind)


def _structure(shape: Shape, prefix: str, keys: _Keys, depth: int) -> dict[str, Any] | None:
    if depth > MAX_DEPTH:
        return None
    found: dict[str, Any] = {}
    for name, member in shape.members.items():
        wire = member.serialization.get("name", name)
        value = _value(member, prefix + wire, keys, depth)
        if value is not None:
            found[wire] = value
    return found


def _list(shape: Shape, key: str, keys: _Keys, depth: int) -> list[Any] | None:
    if not keys.under(key):
        return [] if keys.params.get(key) == "" else None
    if depth > MAX_DEPTH:
        return None
    member = shape.member
    if shape.serialization.get("flattened"):
        base = key
    else:
        base = f"{key}.{member.serialization.get('name', 'member')}"
    found = []
    index = 1
    while True:
        element_key = f"{base}.{index}"
        if element_key not in keys.params and not keys.under(element_key):
            break
        found.append(_value(member, element_key, keys, depth + 1))
        index += 1
    return found


def _map(shape: Shape, key: str, keys: _Keys, depth: int) -> dict[str, Any] | None:
    if not keys.under(key) or depth > MAX_DEPTH:
        return None
    base = key if shape.serialization.get("flattened") else f"{key}.entry"
    key_name = shape.key.serialization.get("name", "key")
    value_name = shape.value.serialization.get("name", "value")
    found: dict[str, Any] = {}
    index = 1
    while keys.under(f"{base}.{index}"):
        entry_key = keys.params.get(f"{base}.{index}.{key_name}")
        if entry_key is not None:
            found[entry_key] = _value(shape.value, f"{base}.{index}.{value_name}", keys, depth + 1)
        index += 1
    return found


def _scalar(raw: str, kind: str) -> Any:
    if kind in ("integer", "long"):
        try:
            return int(raw)
        except ValueError:
            return raw
    if kind in ("float", "double"):
        try:
            return float(raw)
        except ValueError:
            return raw
    if kind == "boolean":
        return {"true": True, "false": False}.get(raw.lower(), raw)
    return raw
