"""DynamoDB's semantic checks of a request, where moto is laxer, words them otherwise, or fails with a 500.

`request_problem(operation, request, table_of)` answers DynamoDB's ValidationException text (None when the
request passes, for moto to answer). What it checks, in DynamoDB's order where it is known:
AttributeValues anywhere in the request (empty, two types, NULL false), expressions (syntax, undefined `#names`
and `:values`, unused ones, names or values without an expression: dynamodb_expressions.py), CreateTable's key
schema and local indexes, Query's key condition (operators, key attributes, operand types) and filter on key
attributes, Limit, ExclusiveStartKey, Scan segments, BatchWriteItem and BatchGetItem limits and duplicates,
TransactWriteItems/TransactGetItems sizes. The wording is DynamoDB Local's (Amazon's own implementation) except
where an AWS source says otherwise: docs/differences.md.
Pure (no moto): `table_of(name)` gives a table's `TableKeys` or None.
Before it, the DynamoDB front has the shared model check answer JSON types and required members
(front/model_validation.py `check_dynamodb_request`). Left out: item sizes
(moto checks them), everything moto already answers as DynamoDB does.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable, Iterator

from .dynamodb_values import key_problem
from .dynamodb_expressions import ExpressionError, Parsed, parse_condition, parse_projection, parse_update

VALUE_TYPES = frozenset({"S", "N", "B", "SS", "NS", "BS", "M", "L", "NULL", "BOOL"})
EMPTY_VALUE = "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"
TWO_TYPES = "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes"
NULL_FALSE = "One or more parameter values were invalid: Null attribute value types must have the value of true"
PREFIX = "1 validation error detected: "
_TABLE_NAME = re.compile(r"^[A-Za-z0-9_.\-]{3,255}$")


@dataclass(frozen=True)
class TableKeys:
    """A table's key attributes: (name, type) of the hash key, then of the range key (if any); its indexes."""

    keys: tuple[tuple[str, str], ...]
    indexes: frozenset[str] = frozenset()


TableOf = Callable[[str], "TableKeys | None"]


def _values_in(request: Any) -> Iterator[Any]:
    """Every AttributeValue the request holds (items, keys, expression values, start keys), recursively."""
    if not isinstance(request, dict):
        return
    for name in ("Item", "Key", "ExclusiveStartKey"):
        if isinstance(request.get(name), dict):
            if name == "Item":  # a null attribute: DynamoDB names it
                yield {"M": request[name]}
            else:
                yield from request[name].values()
    if isinstance(request.get("ExpressionAttributeValues"), dict):
        yield from request["ExpressionAttributeValues"].values()
    items = request.get("RequestItems")
    if isinstance(items, dict):
        for entry in items.values():
            if isinstance(entry, dict):  # BatchGetItem
                for key in entry.get("Keys") or []:
                    yield from _values_in({"Key": key})
            elif isinstance(entry, list):  # BatchWriteItem
                for write in entry:
                    if isinstance(write, dict):
                        for part in write.values():
                            yield from _values_in(part)
    for entry in request.get("TransactItems") or [] if isinstance(request.get("TransactItems"), list) else []:
        if isinstance(entry, dict):
            for part in entry.values():
                yield from _values_in(part)


_SET_MEMBERS = {"SS": "An string set may not have a null string", "NS": "An number set may not have a null number",
                "BS": "An binary set may not have a null binary"}


def attribute_value_problem(value: Any) -> str | None:
    """DynamoDB's words for an AttributeValue that is empty, holds two types or a NULL that is not true, or that
    holds a null (a list element, a map value, a set member)."""
    stack = [value]
    while stack:
        node = stack.pop()
        if not isinstance(node, dict):
            continue
        kinds = [k for k in node if k in VALUE_TYPES]
        if not node or not kinds:
            return EMPTY_VALUE
        if len(kinds) > 1:
            return TWO_TYPES
        kind = kinds[0]
        inner = node[kind]
        if kind == "NULL" and inner is not True:
            return NULL_FALSE
        if kind == "M" and isinstance(inner, dict):
            empty = next((name for name, member in inner.items() if member is None), None)
            if empty is not None:
                return f"The supplied Item contains a null AttributeValue: {empty} is null"
            stack.extend(inner.values())
        elif kind == "L" and isinstance(inner, list):
            if any(member is None for member in inner):
                return "The supplied Item contains a null AttributeValue"
            stack.extend(inner)
        elif kind in _SET_MEMBERS and isinstance(inner, list) and any(member is None for member in inner):
            return f"One or more parameter values were invalid: {_SET_MEMBERS[kind]} as a member"
    return None


# ---------------------------------------------------------------- expressions
_EXPRESSIONS = {  # operation -> the request's expressions, in the order DynamoDB checks them
    "PutItem": ("ConditionExpression",),
    "DeleteItem": ("ConditionExpression",),
    "UpdateItem": ("UpdateExpression", "ConditionExpression"),
    "GetItem": ("ProjectionExpression",),
    "Query": ("KeyConditionExpression", "FilterExpression", "ProjectionExpression"),
    "Scan": ("FilterExpression", "ProjectionExpression"),
    "ConditionCheck": ("ConditionExpression",),
}
_WITH_PREFIX = frozenset({"PutItem", "DeleteItem", "UpdateItem"})  # unused names/values: "1 validation error..."


def _parse(kind: str, text: str, operation: str) -> Parsed:
    if kind == "UpdateExpression":
        try:
            return parse_update(text)
        except ExpressionError as problem:
            if str(problem) == "The expression can not be empty;" and operation == "UpdateItem":
                raise ExpressionError(f"{PREFIX}Invalid UpdateExpression: {problem}") from None
            raise
    if kind == "ProjectionExpression":
        return parse_projection(text)
    return parse_condition(text)


def expressions_problem(operation: str, request: dict[str, Any]) -> tuple[str | None, dict[str, Parsed]]:
    """(DynamoDB's message or None, the parsed expressions by name)."""
    names = request.get("ExpressionAttributeNames")
    values = request.get("ExpressionAttributeValues")
    names = names if isinstance(names, dict) else None
    values = values if isinstance(values, dict) else None
    parsed: dict[str, Parsed] = {}
    for kind in _EXPRESSIONS.get(operation, ()):
        text = request.get(kind)
        if not isinstance(text, str):
            continue
        label = kind[:-len("Expression")]
        try:
            found = parsed[kind] = _parse(kind, text, operation)
        except ExpressionError as problem:
            text = str(problem)
            return (text if text.startswith(PREFIX) else f"Invalid {label}Expression: {text}"), parsed
        for name in found.names:
            if names is None or name not in names:
                return (f"Invalid {label}Expression: An expression attribute name used in the document path is not "
                        f"defined; attribute name: {name}"), parsed
        for value in found.values:
            if values is None or value not in values:
                return (f"Invalid {label}Expression: An expression attribute value used in expression is not "
                        f"defined; attribute value: {value}"), parsed
    if not parsed and operation in _EXPRESSIONS:
        if names is not None:
            return "ExpressionAttributeNames can only be specified when using expressions", parsed
        if values is not None:
            missing = "ConditionExpression" if operation in ("PutItem", "DeleteItem") else (
                "UpdateExpression" if operation == "UpdateItem" else None)
            return ("ExpressionAttributeValues can only be specified when using expressions"
                    + (f": {missing} is null" if missing else "")), parsed
    prefix = PREFIX if operation in _WITH_PREFIX else ""
    used_names = {n for p in parsed.values() for n in p.names}
    used_values = {v for p in parsed.values() for v in p.values}
    unused = [n for n in names or {} if n not in used_names]
    if unused:
        return f"{prefix}Value provided in ExpressionAttributeNames unused in expressions: keys: {{{', '.join(unused)}}}", parsed
    unused = [v for v in values or {} if v not in used_values]
    if unused:
        return f"{prefix}Value provided in ExpressionAttributeValues unused in expressions: keys: {{{', '.join(unused)}}}", parsed
    return None, parsed


# ---------------------------------------------------------------- operations
def _create_table_problem(request: dict[str, Any]) -> str | None:
    name = request.get("TableName")
    if isinstance(name, str) and not 3 <= len(name) <= 255:
        limit = "greater than or equal to 3" if len(name) < 3 else "less than or equal to 255"
        return f"{PREFIX}Value '{name}' at 'tableName' failed to satisfy constraint: Member must have length {limit}"
    if isinstance(name, str) and not _TABLE_NAME.match(name):
        return (f"{PREFIX}Value '{name}' at 'tableName' failed to satisfy constraint: Member must satisfy regular "
                "expression pattern: [a-zA-Z0-9_.-]+")
    for position, definition in enumerate(request.get("AttributeDefinitions") or [], start=1):
        kind = definition.get("AttributeType") if isinstance(definition, dict) else None
        if isinstance(kind, str) and kind not in ("S", "N", "B"):
            return (f"{PREFIX}Value '{kind}' at 'attributeDefinitions.{position}.member.attributeType' failed to "
                    "satisfy constraint: Member must satisfy enum value set: [B, N, S]")
    schema = request.get("KeySchema")
    if not isinstance(schema, list) or not schema:
        return "No defined key schema.  A key schema containing at least a hash key must be defined for all tables"
    kinds = [k.get("KeyType") for k in schema if isinstance(k, dict)]
    if kinds.count("HASH") > 1:
        return "Too many hash keys specified.  All Dynamo DB tables must have exactly one hash key"
    if kinds and kinds[0] != "HASH":
        return ("Invalid key order. Hash Key must be specified first in key schema, Range Key must be specifed "
                "second")
    definitions = {d.get("AttributeName"): d.get("AttributeType") for d in request.get("AttributeDefinitions") or []
                   if isinstance(d, dict)}
    for key in schema:
        if isinstance(key, dict) and key.get("AttributeName") not in definitions:
            which = "Hash" if key.get("KeyType") == "HASH" else "Range"
            return f"{which} Key not specified in Attribute Definitions.  Type unknown."
    local = request.get("LocalSecondaryIndexes")
    if isinstance(local, list) and local:
        if len(schema) < 2:
            return "Local Secondary indices are not allowed on hash tables, only hash and range tables"
        hash_name = schema[0].get("AttributeName") if isinstance(schema[0], dict) else None
        for index in local:
            index_schema = index.get("KeySchema") if isinstance(index, dict) else None
            first = index_schema[0] if isinstance(index_schema, list) and index_schema else {}
            if isinstance(first, dict) and first.get("AttributeName") != hash_name:
                return "Local Secondary indices must have the same hash key as the main table"
    return None


def item_keys_problem(item: Any, table: TableKeys | None) -> str | None:
    """A PutItem `Item` without a key attribute, or with one of another type (AWS's words: aws-behaviors.md)."""
    if not isinstance(item, dict) or table is None:
        return None
    for name, kind in table.keys:
        value = item.get(name)
        if not isinstance(value, dict) or not value:
            return f"One or more parameter values were invalid: Missing the key {name} in the item"
        actual = next(iter(value))
        if actual != kind:
            return f"One or more parameter values were invalid: Type mismatch for key {name} expected: {kind} actual: {actual}"
    return None


def _limit_problem(request: dict[str, Any]) -> str | None:
    limit = request.get("Limit")
    if isinstance(limit, int) and not isinstance(limit, bool) and limit < 1:
        return (f"{PREFIX}Value '{limit}' at 'limit' failed to satisfy constraint: Member must have value greater "
                "than or equal to 1")
    return None


def _start_key_problem(request: dict[str, Any], table: TableKeys | None) -> str | None:
    start = request.get("ExclusiveStartKey")
    if not isinstance(start, dict) or table is None or request.get("IndexName"):
        return None
    if len(start) != len(table.keys):
        return "Exclusive Start Key must have same size as table's key schema"
    for name, kind in table.keys:
        value = start.get(name)
        if not isinstance(value, dict):
            return "The provided starting key is invalid: The provided key element does not match the schema"
        if list(value) != [kind]:
            return "Type mismatch for attribute to update"
    return None


def _key_condition_problem(request: dict[str, Any], parsed: Parsed | None, table: TableKeys) -> str | None:
    if parsed is None:
        return None
    for operator in ("OR", "NOT", "<>", "IN", "attribute_exists", "attribute_not_exists", "attribute_type",
                     "contains", "size"):
        if operator in parsed.operators:
            return f"Invalid operator used in KeyConditionExpression: {operator}"
    if request.get("IndexName"):
        return None
    names = request.get("ExpressionAttributeNames") or {}
    values = request.get("ExpressionAttributeValues") or {}
    types = dict(table.keys)
    used = [names.get(path[0], path[0]) for path, _, _ in parsed.comparisons if path]
    if len(used) != len(set(used)):
        return "KeyConditionExpressions must only contain one condition per key"
    used_keys = set(used)
    for path, operator, used in parsed.comparisons:
        attribute = names.get(path[0], path[0]) if path else ""
        if attribute not in types:
            missing = next((name for name, _ in table.keys if name not in used_keys), table.keys[0][0])
            return f"Query condition missed key schema element: {missing}"
        for value in used:
            given = values.get(value)
            kind = next(iter(given)) if isinstance(given, dict) and given else ""
            if operator == "begins_with" and kind not in ("S", "B"):
                return (f"Invalid KeyConditionExpression: Incorrect operand type for operator or function; operator "
                        f"or function: begins_with, operand type: {kind}")
            if kind != types[attribute]:
                return "One or more parameter values were invalid: Condition parameter type does not match schema type"
    return None


def _filter_on_key_problem(request: dict[str, Any], parsed: Parsed | None, table: TableKeys) -> str | None:
    if parsed is None or request.get("IndexName"):
        return None
    names = request.get("ExpressionAttributeNames") or {}
    keys = {name for name, _ in table.keys}
    for path in parsed.paths:
        attribute = names.get(path[0], path[0])
        if attribute in keys:
            return f"Filter Expression can only contain non-primary key attributes: Primary key attribute: {attribute}"
    return None


def _segments_problem(request: dict[str, Any]) -> str | None:
    segment, total = request.get("Segment"), request.get("TotalSegments")
    if isinstance(total, int) and total < 1:
        return (f"{PREFIX}Value '{total}' at 'totalSegments' failed to satisfy constraint: Member must have value "
                "greater than or equal to 1")
    if isinstance(segment, int) and isinstance(total, int) and segment >= total:
        return (f"{PREFIX}Value '{segment}' at 'segment' failed to satisfy constraint: Member must have value less "
                f"than or equal to {total - 1}")
    return None


def _key_of(item: Any, table: TableKeys | None) -> str | None:
    if not isinstance(item, dict) or table is None:
        return None
    return repr([item.get(name) for name, _ in table.keys])


def _batch_write_problem(request: dict[str, Any], table_of: TableOf) -> str | None:
    items = request.get("RequestItems")
    if not isinstance(items, dict) or not items:
        return "BatchWriteItem cannot have a null or no requests set"
    count = 0
    for name, writes in items.items():
        if not isinstance(writes, list) or not writes:
            return f"The batch write request list for a table cannot be null or empty: {name}"
        count += len(writes)
    if count > 25:
        return "Too many items requested for the BatchWriteItem call"
    for name, writes in items.items():
        table, seen = table_of(name), set()
        for write in writes:
            if isinstance(write, dict) and len(write) > 1:
                return TWO_TYPES
            put, delete = (write.get("PutRequest"), write.get("DeleteRequest")) if isinstance(write, dict) else (0, 0)
            problem = item_keys_problem(put.get("Item"), table) if isinstance(put, dict) else (
                key_problem(delete.get("Key"), table.keys) if isinstance(delete, dict) and table else None)
            if problem is not None:
                return problem
            key = _key_of(put.get("Item") if isinstance(put, dict) else
                          delete.get("Key") if isinstance(delete, dict) else None, table)
            if key is not None:
                if key in seen:
                    return "Provided list of item keys contains duplicates"
                seen.add(key)
    return None


def _batch_get_problem(request: dict[str, Any], table_of: TableOf) -> str | None:
    items = request.get("RequestItems")
    if not isinstance(items, dict) or not items:
        return "BatchGetItem must have some requests set"
    count = sum(len(e.get("Keys") or []) for e in items.values() if isinstance(e, dict)
                if isinstance(e.get("Keys") or [], list))
    if count > 100:
        return "Too many items requested for the BatchGetItem call"
    for name, entry in items.items():
        table = table_of(name) if isinstance(entry, dict) else None
        for key in (entry.get("Keys") or []) if table is not None else ():
            problem = key_problem(key, table.keys)
            if problem is not None:
                return problem
    return None


def _transact_keys_problem(request: dict[str, Any], table_of: TableOf) -> str | None:
    """A Get, Delete, Update or ConditionCheck whose Key does not fit its table (as GetItem words it)."""
    for entry in request.get("TransactItems") or []:
        for kind, part in entry.items() if isinstance(entry, dict) else ():
            if isinstance(part, dict) and isinstance(part.get("TableName"), str):
                table = table_of(part["TableName"])
                if kind == "Put":
                    problem = item_keys_problem(part.get("Item"), table)
                else:
                    problem = key_problem(part.get("Key"), table.keys) if table is not None else None
                if problem is not None:
                    return problem
    return None


def _transact_problem(request: dict[str, Any]) -> str | None:
    entries = request.get("TransactItems")
    if isinstance(entries, list) and not entries:
        return "Value [] at 'transactItems' failed to satisfy constraint: Member must have length greater than or equal to 1"
    if isinstance(entries, list) and len(entries) > 100:
        return "Member must have length less than or equal to 100"
    return None


def request_problem(operation: str, request: dict[str, Any], table_of: TableOf) -> str | None:
    """DynamoDB's ValidationException text for `request` to `operation`, or None (see the module's docstring)."""
    for value in _values_in(request):
        problem = attribute_value_problem(value)
        if problem is not None:
            return problem
    if operation == "CreateTable":
        return _create_table_problem(request)
    if operation == "BatchWriteItem":
        return _batch_write_problem(request, table_of)
    if operation == "BatchGetItem":
        return _batch_get_problem(request, table_of)
    if operation in ("TransactWriteItems", "TransactGetItems"):
        problem = _transact_problem(request)
        if problem is not None:
            return problem
        for entry in request.get("TransactItems") or []:
            for kind, part in entry.items() if isinstance(entry, dict) else ():
                if isinstance(part, dict):
                    nested = {"Put": "PutItem", "Delete": "DeleteItem", "Update": "UpdateItem",
                              "ConditionCheck": "ConditionCheck", "Get": "GetItem"}.get(kind)
                    problem = expressions_problem(nested, part)[0] if nested else None
                    if problem is not None:
                        return problem.removeprefix(PREFIX)
        return _transact_keys_problem(request, table_of)
    if operation in ("Query", "Scan", "ListTables"):
        problem = _limit_problem(request)
        if problem is not None:
            return problem
    if operation == "Scan":
        problem = _segments_problem(request)
        if problem is not None:
            return problem
    problem, parsed = expressions_problem(operation, request)
    if problem is not None:
        return problem
    name = request.get("TableName")
    table = table_of(name) if operation in ("Query", "Scan", "PutItem") and isinstance(name, str) else None
    if operation == "PutItem":
        return item_keys_problem(request.get("Item"), table)
    if operation == "Query" and table is not None:
        problem = (_key_condition_problem(request, parsed.get("KeyConditionExpression"), table)
                   or _filter_on_key_problem(request, parsed.get("FilterExpression"), table))
        if problem is not None:
            return problem
        index = request.get("IndexName")
        if isinstance(index, str) and index not in table.indexes:
            return f"The table does not have the specified index: {index}"
    if operation in ("Query", "Scan"):
        return _start_key_problem(request, table)
    return None
