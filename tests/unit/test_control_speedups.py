"""The moto speed-ups in the control-plane adapter give moto's own answers."""
from __future__ import annotations

import random

from moto.dynamodb.models.dynamo_type import DynamoType

from harness.emulator.control.moto_changes import speedups as control


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


def test_serializer_fast_path_writes_what_moto_writes(monkeypatch):
    from moto.core import serialize
    from moto.core.utils import get_service_model

    control.speed_up_moto()
    patched = serialize.ResponseSerializer.get_value
    assert getattr(patched, "_harness", False)
    model = get_service_model("dynamodb")
    item = {"id": {"S": "a"}, "n": {"N": "1.5"}, "b": {"B": "AAE="}, "t": {"BOOL": True}, "z": {"NULL": True},
            "ss": {"SS": ["x", "y"]}, "ns": {"NS": ["1", "2"]},
            "m": {"M": {"l": {"L": [{"S": "in"}, {"M": {"deep": {"N": "3"}}}]}}}}
    results = {
        "Scan": {"Items": [item, {"id": {"S": "b"}}], "Count": 2, "ScannedCount": 2, "LastEvaluatedKey": {"id": {"S": "b"}},
                 "ConsumedCapacity": {"TableName": "t", "CapacityUnits": 0.5}},
        "GetItem": {"Item": item},
        "PutItem": {},
        "UpdateItem": {"Attributes": item},
        "ListTables": {"TableNames": ["a", "b"], "LastEvaluatedTableName": "b"},
    }

    def body(operation: str, result: dict) -> str:
        op = model.operation_model(operation)
        serializer = serialize.get_serializer_class("dynamodb", "json")(
            operation_model=op, value_picker=serialize.XFormedAttributePicker())
        return serializer.serialize(result)["body"]

    fast = {name: body(name, result) for name, result in results.items()}
    fast_again = {name: body(name, result) for name, result in results.items()}  # from the remembered keys
    monkeypatch.setattr(serialize.ResponseSerializer, "get_value", patched.__wrapped__)
    slow = {name: body(name, result) for name, result in results.items()}
    assert fast == slow == fast_again
    assert '"SS": ["x", "y"]' in fast["GetItem"] and '"deep": {"N": "3"}' in fast["Scan"]


def test_dynamodb_front_reads_requests_as_moto_would():
    import io

    from moto.core.request import Request as MotoRequest
    from werkzeug.test import EnvironBuilder

    from harness.emulator.control.moto_changes.dynamodb_front import _ServerRequest, _environ_headers

    body = b'{"TableName": "t", "Key": {"id": {"S": "a=b&c"}}}'
    for content_type in ("application/x-amz-json-1.0", "application/x-www-form-urlencoded"):
        environ = EnvironBuilder(method="POST", path="/", data=body, headers={
            "X-Amz-Target": "DynamoDB_20120810.GetItem", "Content-Type": content_type, "X-Amz-Date": "x",
            "Authorization": "AWS4-HMAC-SHA256 Credential=k/20260101/us-east-1/dynamodb/aws4_request"}).get_environ()
        theirs = MotoRequest(dict(environ, **{"wsgi.input": io.BytesIO(body)}))
        ours = _ServerRequest(dict(environ, **{"wsgi.input": io.BytesIO(body)}), body)
        assert _environ_headers(environ) == dict(theirs.headers)
        assert list(_environ_headers(environ)) == list(dict(theirs.headers))
        assert ours.data == theirs.data == (body if content_type.startswith("application/x-amz") else b"")
        assert ours.form == theirs.form and ours.files == theirs.files and ours.values == theirs.values


def test_scan_order_is_remembered_only_while_the_table_holds_the_same_items():
    rng = random.Random(11)
    items = {}
    for _ in range(200):
        item = _Item(DynamoType({"S": f"k{rng.randrange(10**6)}"}))
        items[item.hash_key.value] = item
    table = _Table(None, items)
    first = control._all_items_in_key_order(table)
    assert control._all_items_in_key_order(table) == first == _moto_order(list(items.values()), ranged=False)
    for change in ("add", "overwrite", "delete", "delete-and-add"):
        keys = list(items)
        if change in ("delete", "delete-and-add"):
            del items[keys[0]]
        if change in ("add", "delete-and-add"):
            fresh = _Item(DynamoType({"S": f"new-{change}"}))
            items[fresh.hash_key.value] = fresh
        if change == "overwrite":
            items[keys[5]] = _Item(DynamoType({"S": keys[5]}))
        assert control._all_items_in_key_order(table) == _moto_order(list(items.values()), ranged=False), change


RICH_ITEMS = [
    {"id": {"S": "a"}, "n": {"N": "1.50"}, "zero": {"N": "0"}, "b": {"B": "AAE="}, "empty_b": {"B": ""},
     "t": {"BOOL": True}, "f": {"BOOL": False}, "z": {"NULL": True}, "e": {"S": ""},
     "ss": {"SS": ["x", "y"]}, "ns": {"NS": ["1", "2.5"]}, "bs": {"BS": ["AAE=", "/w=="]},
     "m": {"M": {"l": {"L": [{"S": "in"}, {"M": {"deep": {"N": "3"}, "bin": {"B": "AQI="}}}, {"L": []}]},
                 "empty": {"M": {}}}}},
    {"id": {"S": "b"}, "text": {"S": "ünïcödé \u2603 \"quoted\" \\ back"}},
    {"id": {"S": "c"}},
]


def _answers(requests):
    """The stack's DynamoDB front's answers (status, JSON) to (operation, params) pairs, on a fresh backend."""
    import json as _json

    from moto import mock_aws
    from moto.core import DEFAULT_ACCOUNT_ID
    from werkzeug.test import EnvironBuilder

    from harness.emulator.control.moto_changes.dynamodb_front import dynamodb_call
    from harness.emulator.front.exchange import Exchange

    out = []
    with mock_aws():
        for operation, params in requests:
            environ = EnvironBuilder(method="POST", path="/", data=_json.dumps(params).encode(), headers={
                "X-Amz-Target": f"DynamoDB_20120810.{operation}", "Content-Type": "application/x-amz-json-1.0",
                "Authorization": "AWS4-HMAC-SHA256 Credential=k/20260101/us-east-1/dynamodb/aws4_request"},
            ).get_environ()
            status, _, answer = dynamodb_call(Exchange(environ, default_region="us-east-1",
                                                        accounts=lambda key: DEFAULT_ACCOUNT_ID))
            out.append((status, _json.loads(answer) if answer else None))
    return out


def test_scan_and_query_items_are_written_as_moto_writes_them(monkeypatch):
    from moto.dynamodb.responses import DynamoResult

    control.speed_up_moto()
    assert getattr(DynamoResult.execute_result, "_harness", False)
    table = {"TableName": "tbl", "BillingMode": "PAY_PER_REQUEST",
             "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
             "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}]}
    reads = [
        ("Scan", {"TableName": "tbl"}),
        ("Scan", {"TableName": "tbl", "Limit": 2}),
        ("Scan", {"TableName": "tbl", "ReturnConsumedCapacity": "TOTAL"}),
        ("Scan", {"TableName": "tbl", "ProjectionExpression": "id, m.l, bs"}),
        ("Scan", {"TableName": "tbl", "FilterExpression": "attribute_exists(n)"}),
        ("Scan", {"TableName": "tbl", "Select": "COUNT"}),
        ("Scan", {"TableName": "tbl", "FilterExpression": "attribute_exists(nope)"}),  # no item: "Items": []
        ("Query", {"TableName": "tbl", "KeyConditionExpression": "id = :id",
                   "ExpressionAttributeValues": {":id": {"S": "a"}}}),
        ("GetItem", {"TableName": "tbl", "Key": {"id": {"S": "a"}}}),
    ]
    script = [("CreateTable", table)] + [("PutItem", {"TableName": "tbl", "Item": item}) for item in RICH_ITEMS] + reads
    fast = _answers(script)
    from moto.core.responses import ActionResult
    from moto.dynamodb.models.utilities import dynamo_to_dict

    def moto_init(self, result):  # moto's own DynamoResult
        ActionResult.__init__(self, dynamo_to_dict(result))

    monkeypatch.setattr(DynamoResult, "__init__", moto_init)
    monkeypatch.setattr(DynamoResult, "execute_result", ActionResult.execute_result)
    slow = _answers(script)
    assert fast[-len(reads):] == slow[-len(reads):]  # the table's own description carries its creation time
    scanned = fast[len(RICH_ITEMS) + 1][1]
    assert scanned["Count"] == 3 and sorted(i["id"]["S"] for i in scanned["Items"]) == ["a", "b", "c"]
    first = next(i for i in scanned["Items"] if i["id"]["S"] == "a")
    assert first == {**RICH_ITEMS[0], "n": {"N": "1.5"}}  # what was put comes back (numbers in DynamoDB's form)


def test_a_plain_scan_pages_like_moto_limits_sizes_and_start_keys(monkeypatch):
    """The plain-Scan fast path (no copies) against moto's own Table.scan: pages by Limit, by the 1 MB page size,
    from ExclusiveStartKey, on a hash+range table; and scans with a filter or projection still go moto's way."""
    import json as _json

    from moto import mock_aws
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.core.responses import ActionResult
    from moto.dynamodb.models.table import Table
    from moto.dynamodb.models.utilities import dynamo_to_dict
    from moto.dynamodb.responses import DynamoResult
    from werkzeug.test import EnvironBuilder

    from harness.emulator.control.moto_changes.dynamodb_front import dynamodb_call
    from harness.emulator.front.exchange import Exchange

    control.speed_up_moto()
    assert getattr(Table.scan, "_harness", False)

    def call(operation, params):
        environ = EnvironBuilder(method="POST", path="/", data=_json.dumps(params).encode(), headers={
            "X-Amz-Target": f"DynamoDB_20120810.{operation}", "Content-Type": "application/x-amz-json-1.0",
            "Authorization": "AWS4-HMAC-SHA256 Credential=k/20260101/us-east-1/dynamodb/aws4_request"},
        ).get_environ()
        status, _, answer = dynamodb_call(Exchange(environ, default_region="us-east-1",
                                                   accounts=lambda key: DEFAULT_ACCOUNT_ID))
        return status, _json.loads(answer)

    def pages(params):
        out, start = [], None
        while True:
            status, answer = call("Scan", {**params, **({"ExclusiveStartKey": start} if start else {})})
            out.append((status, answer))
            start = answer.get("LastEvaluatedKey")
            if status != 200 or not start or len(out) > 50:
                return out

    reads = [
        {"TableName": "rng"}, {"TableName": "rng", "Limit": 7}, {"TableName": "rng", "Limit": 1},
        {"TableName": "rng", "ConsistentRead": True, "ReturnConsumedCapacity": "TOTAL"},
        {"TableName": "rng", "FilterExpression": "attribute_exists(big)"},
        {"TableName": "rng", "ProjectionExpression": "h, s", "Limit": 5},
        {"TableName": "rng", "Segment": 0, "TotalSegments": 2},
    ]
    with mock_aws():
        call("CreateTable", {"TableName": "rng", "BillingMode": "PAY_PER_REQUEST",
                             "KeySchema": [{"AttributeName": "h", "KeyType": "HASH"},
                                           {"AttributeName": "s", "KeyType": "RANGE"}],
                             "AttributeDefinitions": [{"AttributeName": "h", "AttributeType": "S"},
                                                      {"AttributeName": "s", "AttributeType": "N"}]})
        for n in range(40):
            item = {"h": {"S": f"h{n % 6}"}, "s": {"N": str(n)}}
            if n % 4 == 0:
                item["big"] = {"S": "x" * 300_000}  # ten of them: the 1 MB page limit ends pages
            assert call("PutItem", {"TableName": "rng", "Item": item})[0] == 200
        fast = [pages(params) for params in reads]

        def moto_init(self, result):
            ActionResult.__init__(self, dynamo_to_dict(result))

        monkeypatch.setattr(Table, "scan", Table.scan.__wrapped__)
        monkeypatch.setattr(DynamoResult, "__init__", moto_init)
        monkeypatch.setattr(DynamoResult, "execute_result", ActionResult.execute_result)
        slow = [pages(params) for params in reads]
    assert fast == slow
    whole = fast[0]
    assert len(whole) > 1 and sum(answer["Count"] for _, answer in whole) == 40  # the size limit paged it
    counts = [answer["Count"] for _, answer in fast[1]]  # Limit 7, or fewer where 1 MB ends the page first
    assert all(0 < count <= 7 for count in counts) and sum(counts) == 40 and len(counts) > 5
