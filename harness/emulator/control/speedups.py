"""Per-request costs in moto, cut with the same answers (applied once, when `control` is imported).

The list of a handler class's methods (`inspect.getmembers` every request, though it depends only on the
class: cached), the 52-character request id (drawn in one call), and the key order of a Scan (moto compares
key objects, re-deriving both values per comparison; here the values are derived once per item).
Left out: moto's seeding of request ids (`/moto-api/seed` seeds the rest).
"""
from __future__ import annotations

import functools
import random
import string
from decimal import Decimal
from typing import Any

_REQUEST_ID_CHARS = string.ascii_letters + string.digits
_ids = random.Random()


def _request_id(headerdict: dict[str, Any] | None = None) -> str:
    """moto's 52-character `x-amzn-RequestId`, drawn in one call instead of 52 (~0.3 ms a request)."""
    request_id = "".join(_ids.choices(_REQUEST_ID_CHARS, k=52))
    if isinstance(headerdict, dict):
        headerdict["x-amzn-requestid"] = request_id
    return request_id


def speed_up_moto() -> None:
    """Per-request costs in moto, with the same answers for less: the list of a handler class's methods
    (`inspect.getmembers` every request, though it depends only on the class: cached), the request id, and
    the key order of a Scan. Left out: moto's seeding of request ids (`/moto-api/seed` seeds the rest)."""
    import moto.core.responses as responses

    if not hasattr(responses.method_names_from_class, "cache_info"):
        responses.method_names_from_class = functools.lru_cache(maxsize=None)(responses.method_names_from_class)
    responses.gen_amzn_requestid_long = _request_id

    from moto.dynamodb.models.table import Table

    if not getattr(Table.all_items, "_harness", False):
        Table.all_items = _all_items_in_key_order  # type: ignore[method-assign]


def _key_value(key: Any) -> Any:
    """`DynamoType.cast_value` for the only types a key can have (N, S, B), without its type probing."""
    return Decimal(key.value) if key.type == "N" else key.value


def _sort_key(item: Any) -> Any:
    hash_value = _key_value(item.hash_key)
    return (hash_value, _key_value(item.range_key)) if item.range_key else hash_value


def _all_items_in_key_order(self: Any) -> list[Any]:
    """moto's `Table.all_items` (every Scan) sorts by comparing key objects, each comparison re-deriving both
    values (~10 ms for 1,000 items); the same order from values derived once per item."""
    if self.range_key_attr:
        items = [item for hash_set in self.items.values() for item in hash_set.values()]
    else:
        items = list(self.items.values())
    return sorted(items, key=_sort_key)


_all_items_in_key_order._harness = True  # type: ignore[attr-defined]


