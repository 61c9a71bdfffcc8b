"""DynamoDB's request shapes, from botocore's service model: JSON of the wrong type, required members missing.

`shape_problem(operation, request)` gives (error code, message) or None. A value of the wrong JSON type anywhere
in the request is AWS's `SerializationException` (its JSON deserializer's words: "Start of list found where not
expected", "STRING_VALUE can not be converted to an Integer", ...), checked before anything else; a missing
required member is AWS's request validation ("1 validation error detected: Value null at 'item' failed
to satisfy constraint: Member must not be null"; several: "N validation errors detected: ...; ..."). moto fails
with a 500 on both (DynamoDB Local too, on the first).
Left out: lengths, patterns, enums and ranges (the service-model validator of issue 14 item 3); AttributeValue
maps (DynamoDB's own checks answer those: dynamodb_requests.py).
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any

_STRINGS = {"string", "blob"}
_NUMBERS = {"integer", "long"}


class _Shape:
    """One botocore shape, compiled once into plain attributes (botocore resolves `members` on every access)."""

    __slots__ = ("type_name", "members", "required_members", "member", "value", "requires")

    def __init__(self, type_name: str) -> None:
        self.type_name = type_name
        self.requires = False  # this shape or one under it has required members (AttributeValue has none)
        self.members: dict[str, _Shape] = {}
        self.required_members: tuple[str, ...] = ()
        self.member: _Shape | None = None
        self.value: _Shape | None = None


def _compiled(shape: Any, done: dict[str, _Shape]) -> _Shape:
    if shape.name in done:  # AttributeValue holds itself
        return done[shape.name]
    out = done[shape.name] = _Shape(shape.type_name)
    if shape.type_name == "structure":
        out.members = {name: _compiled(member, done) for name, member in shape.members.items()}
        out.required_members = tuple(shape.required_members)
    elif shape.type_name == "list":
        out.member = _compiled(shape.member, done)
    elif shape.type_name == "map":
        out.value = _compiled(shape.value, done)
    return out


@lru_cache(maxsize=None)
def _input_shape(operation: str) -> _Shape | None:
    import botocore.session

    model = botocore.session.get_session().get_service_model("dynamodb")
    try:
        shape = model.operation_model(operation).input_shape
    except Exception:  # an operation botocore does not know: moto answers it
        return None
    if shape is None:
        return None
    done: dict[str, _Shape] = {}
    root = _compiled(shape, done)
    changed = True
    while changed:  # `requires` up the (possibly recursive) tree, to a fixed point
        changed = False
        for node in done.values():
            children = [*node.members.values(), node.member, node.value]
            requires = bool(node.required_members) or any(c is not None and c.requires for c in children)
            if requires and not node.requires:
                node.requires = changed = True
    return root


def _json_kind(value: Any) -> str:
    if isinstance(value, bool):
        return "TRUE_VALUE" if value else "FALSE_VALUE"
    if isinstance(value, (int, float)):
        return "NUMBER_VALUE"
    if isinstance(value, str):
        return "STRING_VALUE"
    return "VALUE"


def _type_problem(shape: _Shape, value: Any) -> str | None:
    """AWS's deserializer message for the first value of the wrong JSON type under `shape`, or None."""
    stack = [(shape, value)]
    pop, push = stack.pop, stack.append
    while stack:
        shape, value = pop()
        kind = shape.type_name
        if kind in _STRINGS:
            if value.__class__ is not str:
                return _leaf_problem(kind, value)
        elif kind == "structure":
            if value.__class__ is not dict:
                return _leaf_problem(kind, value)
            members = shape.members
            for key, inner in value.items():
                member = members.get(key)
                if member is not None and inner is not None:
                    push((member, inner))
        elif kind == "map":
            if value.__class__ is not dict:
                return _leaf_problem(kind, value)
            for inner in value.values():
                if inner is not None:
                    push((shape.value, inner))
        elif kind == "list":
            if value.__class__ is not list:
                return _leaf_problem(kind, value)
            for inner in value:
                if inner is not None:
                    push((shape.member, inner))
        elif kind in _NUMBERS:
            if value.__class__ is not int:
                return _leaf_problem(kind, value)
        elif kind == "boolean":
            if value.__class__ is not bool:
                return _leaf_problem(kind, value)
        elif isinstance(value, (dict, list)):
            return _leaf_problem(kind, value)
    return None


def _leaf_problem(kind: str, value: Any) -> str:
    """The deserializer's words for `value` where a `kind` was expected."""
    if isinstance(value, dict) and kind not in ("structure", "map"):
        return "Start of structure or map found where not expected."
    if isinstance(value, list) and kind != "list":
        return "Start of list found where not expected"
    target = {"structure": "a Structure", "map": "a Map", "list": "a List", "boolean": "a Boolean",
              "integer": "an Integer", "long": "a Long"}.get(kind, "a String")
    return f"{_json_kind(value)} can not be converted to {target}"


def _missing(shape: _Shape, value: Any, path: str) -> list[str]:
    """The paths (AWS's form: `transactItems.1.member.put.item`) of required members left out, in order."""
    found: list[str] = []
    if not shape.requires:
        return found
    if shape.type_name == "structure" and isinstance(value, dict):
        for name, member in shape.members.items():
            inner = value.get(name)
            if inner is None and name not in shape.required_members or inner is not None and not member.requires:
                continue
            where = f"{path}.{name[0].lower()}{name[1:]}" if path else f"{name[0].lower()}{name[1:]}"
            if inner is None:
                found.append(where)
            else:
                found.extend(_missing(member, inner, where))
    elif shape.type_name == "list" and isinstance(value, list) and shape.member.type_name == "structure":
        for position, item in enumerate(value, start=1):
            if item is None:  # a null element: AWS's validation names the element
                found.append(f"{path}.{position}.member")
            found.extend(_missing(shape.member, item, f"{path}.{position}.member"))
    elif shape.type_name == "map" and isinstance(value, dict) and shape.value.type_name in ("structure", "list"):
        if shape.value.type_name == "list" and shape.value.member.type_name != "structure":
            return found
        for key, item in value.items():
            found.extend(_missing(shape.value, item, f"{path}.{key}.member"))
    return found


def shape_problem(operation: str, request: dict[str, Any]) -> tuple[str, str] | None:
    """(code, message) for a request of the wrong shape, or None (see the module's docstring)."""
    shape = _input_shape(operation)
    if shape is None:
        return None
    problem = _type_problem(shape, request)
    if problem is not None:
        return "SerializationException", problem
    missing = _missing(shape, request, "")
    if not missing:
        return None
    details = "; ".join(f"Value null at '{path}' failed to satisfy constraint: Member must not be null"
                        for path in missing)
    count = f"{len(missing)} validation error{'s' if len(missing) > 1 else ''} detected"
    return "ValidationException", f"{count}: {details}"
