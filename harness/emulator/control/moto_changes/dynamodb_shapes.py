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


@lru_cache(maxsize=None)
def _input_shape(operation: str) -> Any:
    import botocore.session

    model = botocore.session.get_session().get_service_model("dynamodb")
    try:
        return model.operation_model(operation).input_shape
    except Exception:  # an operation botocore does not know: moto answers it
        return None


def _json_kind(value: Any) -> str:
    if isinstance(value, bool):
        return "TRUE_VALUE" if value else "FALSE_VALUE"
    if isinstance(value, (int, float)):
        return "NUMBER_VALUE"
    if isinstance(value, str):
        return "STRING_VALUE"
    return "VALUE"


def _type_problem(shape: Any, value: Any) -> str | None:
    """AWS's deserializer message for the first value of the wrong JSON type under `shape`, or None."""
    stack = [(shape, value)]
    while stack:
        shape, value = stack.pop()
        if value is None:
            continue
        kind = shape.type_name
        if kind in ("structure", "map"):
            if isinstance(value, list):
                return "Start of list found where not expected"
            if not isinstance(value, dict):
                return f"{_json_kind(value)} can not be converted to a {'Structure' if kind == 'structure' else 'Map'}"
            if kind == "structure":
                stack.extend((shape.members[k], v) for k, v in value.items() if k in shape.members)
            else:
                stack.extend((shape.value, v) for v in value.values())
        elif kind == "list":
            if isinstance(value, dict):
                return "Start of structure or map found where not expected."
            if not isinstance(value, list):
                return f"{_json_kind(value)} can not be converted to a List"
            stack.extend((shape.member, v) for v in value)
        elif isinstance(value, (dict, list)):
            return ("Start of structure or map found where not expected." if isinstance(value, dict)
                    else "Start of list found where not expected")
        elif kind in _STRINGS and not isinstance(value, str):
            return f"{_json_kind(value)} can not be converted to a String"
        elif kind in _NUMBERS and (isinstance(value, bool) or not isinstance(value, int)):
            return f"{_json_kind(value)} can not be converted to an {'Integer' if kind == 'integer' else 'Long'}"
        elif kind == "boolean" and not isinstance(value, bool):
            return f"{_json_kind(value)} can not be converted to a Boolean"
    return None


def _missing(shape: Any, value: Any, path: str) -> list[str]:
    """The paths (AWS's form: `transactItems.1.member.put.item`) of required members left out, in order."""
    found: list[str] = []
    if shape.type_name == "structure" and isinstance(value, dict):
        for name, member in shape.members.items():
            where = f"{path}.{name[0].lower()}{name[1:]}" if path else f"{name[0].lower()}{name[1:]}"
            if value.get(name) is None:
                if name in shape.required_members:
                    found.append(where)
            elif member.type_name in ("structure", "list", "map"):
                found.extend(_missing(member, value[name], where))
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
