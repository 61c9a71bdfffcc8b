"""Per-request costs in moto, cut with the same answers (applied once, when `control` is imported).

The list of a handler class's methods (`inspect.getmembers` every request, though it depends only on the
class: cached), the 52-character request id (drawn in one call), the key order of a Scan (moto compares
key objects, re-deriving both values per comparison; here the values are derived once per item), a plain
Scan's deep copy of every item it returns (its answer is written from them at once), the
lookup of each value moto's response serializer writes out of a plain dict (moto tries up to a dozen key
aliases per member, per value; for a dict they depend only on the shape and the key: remembered), and the
`Items` of a Scan or Query answer, written as DynamoDB's JSON straight from moto's typed values (moto converts
them to plain values, then walks the AttributeValue shape for every attribute: ~0.07 ms per item).
Left out: moto's seeding of request ids (`/moto-api/seed` seeds the rest).
"""
from __future__ import annotations

import base64
import functools
import json
import operator
import string
from decimal import Decimal
from typing import Any

from ... import ids

_REQUEST_ID_CHARS = string.ascii_letters + string.digits


def _request_id(headerdict: dict[str, Any] | None = None) -> str:
    """moto's 52-character `x-amzn-RequestId`, drawn in one call instead of 52 (~0.3 ms a request)."""
    request_id = ids.random_text(_REQUEST_ID_CHARS, 52)
    if isinstance(headerdict, dict):
        headerdict["x-amzn-requestid"] = request_id
    return request_id


def speed_up_moto() -> None:
    """Per-request costs in moto, with the same answers for less: the list of a handler class's methods
    (`inspect.getmembers` every request, though it depends only on the class: cached), the request id, and
    the key order of a Scan, a plain Scan's copies of its items, the serializer's key aliases for dicts, the
    `Items` of Scan/Query answers. Left out: moto's seeding of request ids
    (`/moto-api/seed` seeds the rest)."""
    import moto.core.responses as responses

    if not hasattr(responses.method_names_from_class, "cache_info"):
        responses.method_names_from_class = functools.lru_cache(maxsize=None)(responses.method_names_from_class)
    responses.gen_amzn_requestid_long = _request_id

    from moto.dynamodb.models.table import Table

    if not getattr(Table.all_items, "_harness", False):
        Table.all_items = _all_items_in_key_order  # type: ignore[method-assign]
    if not getattr(Table.scan, "_harness", False):
        Table.scan = _scan_without_copies(Table.scan)  # type: ignore[method-assign]

    from moto.core import serialize

    if not getattr(serialize.ResponseSerializer.get_value, "_harness", False):
        serialize.ResponseSerializer.get_value = _value_from_dicts_fast(serialize.ResponseSerializer.get_value)

    from moto.dynamodb.responses import DynamoResult

    if not getattr(DynamoResult.execute_result, "_harness", False):
        _write_items_directly(DynamoResult)


def _key_value(key: Any) -> Any:
    """`DynamoType.cast_value` for the only types a key can have (N, S, B), without its type probing."""
    return Decimal(key.value) if key.type == "N" else key.value


def _sort_key(item: Any) -> Any:
    hash_value = _key_value(item.hash_key)
    return (hash_value, _key_value(item.range_key)) if item.range_key else hash_value


def _all_items_in_key_order(self: Any) -> list[Any]:
    """moto's `Table.all_items` (every Scan) sorts by comparing key objects, each comparison re-deriving both
    values (~10 ms for 1,000 items); the same order from values derived once per item, and not derived again
    while the table holds the very same item objects in the same order (any put, overwrite or delete changes
    that, so the order is then worked out anew)."""
    if self.range_key_attr:
        current = [item for hash_set in self.items.values() for item in hash_set.values()]
    else:
        current = list(self.items.values())
    known = self.__dict__.get("_harness_key_order")
    if known is not None and len(known[0]) == len(current) and all(map(operator.is_, known[0], current)):
        return list(known[1])
    ordered = sorted(current, key=_sort_key)
    self.__dict__["_harness_key_order"] = (current, ordered)
    return list(ordered)


_all_items_in_key_order._harness = True  # type: ignore[attr-defined]


def _scan_without_copies(original: Any) -> Any:
    """moto's `Table.scan` for a plain Scan (no index, filter, projection or segment: the tutorial's GET), with
    the same items, counts and LastEvaluatedKey, without deep-copying every item it returns (~0.04 ms each)
    and working out each item's size once, not twice. The items are moto's own: the answer is written from
    them at once (`_write_items_directly`), and nothing on this path changes them. Any other Scan goes moto's
    way."""
    from moto.dynamodb.comparisons import OpDefault
    from moto.dynamodb.models.table import RESULT_SIZE_LIMIT

    def scan(self: Any, filters: Any, limit: Any, exclusive_start_key: Any, filter_expression: Any = None,
             index_name: Any = None, consistent_read: bool = False, projection_expression: Any = None,
             segments: Any = (None, None)) -> Any:
        no_filter = filter_expression is None or type(filter_expression) is OpDefault  # moto's "no expression"
        if filters or not no_filter or index_name or projection_expression \
                or tuple(segments) != (None, None):
            return original(self, filters, limit, exclusive_start_key, filter_expression, index_name,
                            consistent_read, projection_expression, segments)
        results: list[Any] = []
        result_size = scanned_count = 0
        last_evaluated_key = None
        keys = ([self.hash_key_attr], [self.range_key_attr])
        skipping = exclusive_start_key is not None
        for item in self.all_items():
            if skipping:  # the previous page, up to and including its last key
                if self._item_comes_before_dct(item, exclusive_start_key, *keys, True):
                    continue
                skipping = False
            size = item.size()
            if len(results) == limit or result_size + size > RESULT_SIZE_LIMIT:
                last_evaluated_key = self._get_last_evaluated_key(results[-1], None)
                break
            results.append(item)
            result_size += size
            scanned_count += 1
        return results, scanned_count, last_evaluated_key

    scan._harness = True  # type: ignore[attr-defined]
    scan.__wrapped__ = original  # type: ignore[attr-defined]
    return scan


_MISSING = object()
_KEYS_CACHE_LIMIT = 20000


def _value_from_dicts_fast(original: Any) -> Any:
    """moto's `ResponseSerializer.get_value`, with the keys to try remembered for plain dicts.

    moto builds a context and asks each alias provider whether it has an alias for the member, for every
    value it serializes (an item's attribute: ten AttributeValue members, each through the whole chain). For a
    `dict` (no `Meta`, class name `dict`) the answer depends only on the picker's providers, the member's shape,
    the shape's current parent (moto sets it while it walks) and the key, so it is worked out once. Anything
    else - objects, pickers with response transformers or of another kind - goes the original way.
    """
    from moto.core.serialize import AttributePickerContext, XFormedAttributePicker
    from moto.core.utils import get_value

    cache: dict[tuple[int, int, int, str], tuple[Any, Any, Any, tuple[str, ...]]] = {}

    def fast_get_value(self: Any, value: Any, key: str, shape: Any) -> Any:
        picker = self._value_picker
        if type(value) is not dict or type(picker) is not XFormedAttributePicker or picker.response_transformers:
            return original(self, value, key, shape)
        parent = getattr(shape, "parent", None)
        providers = picker.alias_providers
        slot = (id(providers), id(shape), id(parent), key)
        known = cache.get(slot)
        if known is None or known[0] is not providers or known[1] is not shape or known[2] is not parent:
            context = AttributePickerContext(obj=value, key=key, shape=shape, operation_model=self.operation_model,
                                             service_model=self.operation_model.service_model)
            known = (providers, shape, parent, tuple(picker.get_possible_keys(context)))
            if len(cache) > _KEYS_CACHE_LIMIT:
                cache.clear()
            cache[slot] = known
        for possible in known[3]:
            # moto's get_value on a dict: a dotted key walks a path, any other is `dict[key]` (here without
            # raising KeyError for each member the value does not have)
            found = get_value(value, possible, _MISSING) if "." in possible else value.get(possible, _MISSING)
            if found is not _MISSING:
                return found
        return None

    fast_get_value._harness = True  # type: ignore[attr-defined]
    fast_get_value.__wrapped__ = original  # type: ignore[attr-defined]
    return fast_get_value


def _b64(value: Any) -> str:
    """A binary value as DynamoDB writes it: base64 of the bytes (moto keeps what the client sent, base64
    text, or bytes; both come out as moto's own path writes them)."""
    return base64.b64encode(value if isinstance(value, bytes) else base64.b64decode(value)).decode("ascii")


def _wire(value: Any) -> dict[str, Any]:
    """One moto `DynamoType` as DynamoDB's JSON AttributeValue."""
    kind, inner = value.type, value.value
    if kind == "M":
        return {"M": {key: _wire(member) for key, member in inner.items()}}
    if kind == "L":
        return {"L": [_wire(member) for member in inner]}
    if kind == "B":
        return {"B": _b64(inner)}
    if kind == "BS":
        return {"BS": [_b64(member) for member in inner]}
    return {kind: inner}


def _write_items_directly(result_class: Any) -> None:
    """moto's `DynamoResult`, with a list of items (`Items`, as Scan and Query answer) kept as moto's typed
    values and written as JSON directly; the rest of the answer (counts, LastEvaluatedKey, ConsumedCapacity,
    added by moto's decorator to `result`) goes through moto's serializer as before. Other answers, and any
    protocol but DynamoDB's JSON, go moto's way."""
    from moto.core.serialize import JSONSerializer
    from moto.dynamodb.models.dynamo_type import DynamoType
    from moto.dynamodb.models.utilities import dynamo_to_dict

    original_init, original_execute = result_class.__init__, result_class.execute_result

    def typed(items: Any) -> bool:
        return type(items) is list and all(
            isinstance(item, dict) and all(type(value) is DynamoType for value in item.values()) for item in items)

    def __init__(self: Any, result: object) -> None:
        if type(result) is dict and typed(result.get("Items")):
            original_init(self, {key: value for key, value in result.items() if key != "Items"})
            self._harness_items = result["Items"]
        else:
            original_init(self, result)

    def execute_result(self: Any, context: Any) -> Any:
        items = self.__dict__.pop("_harness_items", None)
        if items is None:
            return original_execute(self, context)
        if not issubclass(context.serializer_class, JSONSerializer):
            self._result = {"Items": dynamo_to_dict(items), **self._result}
            return original_execute(self, context)
        status, headers, body = original_execute(self, context)
        rest = json.loads(body) if body else {}
        written = [{name: _wire(value) for name, value in item.items()} for item in items]
        return status, headers, json.dumps({"Items": written, **rest})

    execute_result._harness = True  # type: ignore[attr-defined]
    result_class.__init__ = __init__
    result_class.execute_result = execute_result
