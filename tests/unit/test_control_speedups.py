"""The moto speed-ups in the control-plane adapter give moto's own answers."""
from __future__ import annotations

import random

from moto.dynamodb.models.dynamo_type import DynamoType

from harness.emulator.control import speedups as control


class _Item:
    def __init__(self, hash_key, range_key=None):
        self.hash_key, self.range_key = hash_key, range_key


class _Table:
    def __init__(self, range_key_attr, items):
        self.range_key_attr = range_key_attr
        self.items = items


def _moto_order(items, ranged):
    return sorted(items, key=lambda x: (x.hash_key, x.range_key) if x.range_key else x.hash_key) if ranged \
        else sorted(items, key=lambda x: x.hash_key)


def test_scan_order_matches_moto_for_string_and_number_keys():
    rng = random.Random(7)
    strings = [_Item(DynamoType({"S": f"k{rng.randrange(10**6)}"})) for _ in range(300)]
    numbers = [_Item(DynamoType({"N": str(rng.uniform(-1e6, 1e6))})) for _ in range(300)]
    for items in (strings, numbers):
        table = _Table(None, {id(i): i for i in items})
        assert control._all_items_in_key_order(table) == _moto_order(items, ranged=False)
    ranged = [_Item(DynamoType({"S": f"h{rng.randrange(20)}"}), DynamoType({"N": str(rng.randrange(100))}))
              for _ in range(300)]
    buckets: dict = {}
    for item in ranged:
        buckets.setdefault(item.hash_key.value, {})[id(item)] = item
    assert control._all_items_in_key_order(_Table("r", buckets)) == _moto_order(ranged, ranged=True)


def test_moto_is_patched_once_and_request_ids_look_like_moto_s():
    from moto.core import responses
    from moto.dynamodb.models.table import Table

    control.speed_up_moto()
    assert Table.all_items is control._all_items_in_key_order
    assert hasattr(responses.method_names_from_class, "cache_info")
    headers: dict = {}
    request_id = responses.gen_amzn_requestid_long(headers)
    assert len(request_id) == 52 and request_id.isalnum() and headers == {"x-amzn-requestid": request_id}
