"""Property tests: arbitrary events thrown at handler/index.py in process (moto's DynamoDB).

Whatever the event (not a dict, missing or odd keys, bodies of every JSON type, huge, deeply nested, base64 or
not), the handler answers a valid REST v1 proxy response: `statusCode` an int, `headers` with Content-Type,
`body` a JSON string; 200 or a client error (400, or 403 with ALLOWED_TABLES) whose body says
`{"error", "message"}`; it never raises, except where moto itself fails (in process, moto's own crashes on
e.g. a list as an UpdateItem key reach the handler as exceptions: a server-side failure, which the handler lets
raise by design; the embedded stack answers those requests as AWS does); and the table changes only when the
answer is a 200 to a write. test_handler.py holds the example-based tests and a
smaller property test of odd DynamoDB parameters.
"""
from __future__ import annotations

import base64
import decimal
import importlib
import json
import os
import traceback
from typing import Any

import pytest
from hypothesis import HealthCheck, event as note, given, settings
from hypothesis import strategies as st

from .test_handler import TABLE, aws_env, ddb  # noqa: F401 - fixtures used by name

index = importlib.import_module("handler.index")

PROXY_KEYS = {"statusCode", "headers", "multiValueHeaders", "body", "isBase64Encoded"}
EVENT_KEYS = ["resource", "path", "httpMethod", "headers", "multiValueHeaders", "queryStringParameters",
              "multiValueQueryStringParameters", "pathParameters", "stageVariables", "requestContext", "body",
              "isBase64Encoded"]
WRITES = {"POST", "PUT", "DELETE"}
SEEDED = [{"id": f"seed-{i}", "n": i, "text": "seeded"} for i in range(3)]

FUZZ = settings(max_examples=120, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                       HealthCheck.data_too_large])

# ---- strategies ----------------------------------------------------------------------------------------

scalars = (st.none() | st.booleans() | st.integers(-2**70, 2**70) | st.floats(allow_nan=True, allow_infinity=True)
           | st.text(max_size=12) | st.sampled_from(["", TABLE, "id", "seed-0", "ALL_NEW", "SET n = :n", "{}", "[]"]))
json_like = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                         | st.dictionaries(st.text(max_size=6) | st.sampled_from(["id", "TableName", "Item", "Key"]),
                                           inner, max_size=4), max_leaves=12)


def _deep(depth: int, kind: str) -> str:
    if kind == "list":
        return "[" * depth + "]" * depth
    if kind == "object":
        return '{"a":' * depth + "1" + "}" * depth
    # a deep value inside an otherwise well-formed write
    return json.dumps({"TableName": TABLE, "Item": {"id": "deep"}})[:-2] + ', "d": ' + "[" * depth + "]" * depth + "}}"


deep_bodies = st.builds(_deep, st.integers(1, 30) | st.integers(900, 1100) | st.integers(5000, 100_000),
                        st.sampled_from(["list", "object", "write"]))
huge_bodies = st.builds(lambda n, c: c * n, st.sampled_from([100_000, 1_000_000]), st.sampled_from(["x", "{", "\u00e9", "\"", "\\"]))
VALID_WRITES = {
    "POST": [{"TableName": TABLE, "Item": {"id": "new", "n": 1}},
             {"TableName": TABLE, "Item": {"id": "seed-0", "text": "replaced"}}],
    "PUT": [{"TableName": TABLE, "Key": {"id": "seed-1"}, "UpdateExpression": "SET n = :n",
             "ExpressionAttributeValues": {":n": 9}}],
    "DELETE": [{"TableName": TABLE, "Key": {"id": "seed-2"}}],
}


def _mutate(params: dict[str, Any], how: str, value: Any) -> Any:
    """A copy of a valid write's parameters broken in one way (a client mistake by construction)."""
    broken = json.loads(json.dumps(params))
    target = "Item" if "Item" in broken else "Key"
    if how == "unknown parameter":
        broken["Bogus"] = value
    elif how == "key type":
        broken[target]["id"] = value if not isinstance(value, str) else [value]
    elif how == "empty key":
        broken[target]["id"] = ""
    elif how == "no key":
        broken[target].pop("id")
        broken[target]["other"] = value
    elif how == "extra key attribute" and target == "Key":
        broken["Key"]["extra"] = "x"
    elif how == "not an object":
        broken[target] = value if not isinstance(value, dict) else [value]
    elif how == "no table":
        broken.pop("TableName")
    elif how == "table type":
        broken["TableName"] = value if not isinstance(value, str) else {"name": value}
    elif how == "huge number":
        broken.setdefault("Item", {"id": "n"})["big"] = decimal.Decimal("1" * 60)
    elif how == "failed condition":
        broken[target]["id"] = "seed-0"
        broken["ConditionExpression"] = "attribute_not_exists(id)"
    else:  # "wrapped"
        return [broken]
    return broken


MUTATIONS = ["unknown parameter", "key type", "empty key", "no key", "extra key attribute", "not an object",
             "no table", "table type", "huge number", "failed condition", "wrapped"]


@st.composite
def write_bodies(draw: Any, method: str) -> Any:
    """A valid write for `method` (as text or object), a broken one, or any body at all."""
    choice = draw(st.integers(0, 5))
    valid = draw(st.sampled_from(VALID_WRITES.get(method, VALID_WRITES["POST"])))
    if choice == 0:
        params: Any = valid
    elif choice <= 2:
        params = _mutate(valid, draw(st.sampled_from(MUTATIONS)), draw(json_like))
    else:
        return draw(any_body)
    if draw(st.booleans()):
        return params  # not a string: the handler re-reads it
    text = json.dumps(params, default=str)
    if draw(st.booleans()) and choice != 0:  # a valid write's text is never cut here
        text = text[:draw(st.integers(0, max(len(text) - 1, 0)))]
    return text


any_body = (
    st.none()
    | json_like
    | json_like.map(json.dumps)
    | st.text(max_size=40)
    | st.binary(max_size=40).map(lambda b: b.decode("latin-1"))
    | deep_bodies
    | huge_bodies
    | json_like.map(lambda v: base64.b64encode(json.dumps(v).encode()).decode())
    | st.binary(max_size=40).map(lambda b: base64.b64encode(b).decode())
)
odd_methods = st.sampled_from(["PATCH", "HEAD", "OPTIONS", "get", "post", "delete", "", "G\u00c9T", "POST ",
                               "CONNECT"]) | st.none() | scalars | st.lists(st.just("GET"), max_size=2)
query_values = st.text(max_size=8) | st.sampled_from([TABLE, "no-such-table", "0", "-1", "1", "2", "abc",
                                                      '{"id": "seed-0"}', '{"id": 1}', "[]", "{", "1e999"])
with_table = st.fixed_dictionaries({"TableName": st.sampled_from([TABLE, TABLE, "no-such-table", ""])},
                                  optional={"Limit": query_values, "ExclusiveStartKey": query_values})
queries = (
    with_table
    | with_table
    | st.dictionaries(st.sampled_from(["TableName", "Limit", "ExclusiveStartKey", "x", ""]), query_values, max_size=4)
    | st.dictionaries(st.sampled_from(["TableName", "Limit", "ExclusiveStartKey"]), json_like, max_size=3)
    | st.none()
    | scalars
)


@st.composite
def events(draw: Any) -> Any:
    if draw(st.integers(0, 9)) == 0:  # not an object at all
        return draw(json_like | st.binary(max_size=8))
    method = draw(st.sampled_from(["GET", "POST", "PUT", "DELETE"])) if draw(st.integers(0, 4)) else draw(odd_methods)
    event: dict[str, Any] = {"httpMethod": method}
    if method == "GET" or draw(st.integers(0, 3)) == 0:
        event["queryStringParameters"] = draw(queries)
    if method != "GET" or draw(st.integers(0, 3)) == 0:
        event["body"] = draw(write_bodies(str(method).upper()))
    b64 = draw(st.integers(0, 5))
    if b64 == 0 and isinstance(event.get("body"), str):  # the same body, base64 as API Gateway sends binary
        event["body"] = base64.b64encode(event["body"].encode("utf-8", "surrogatepass")).decode()
        event["isBase64Encoded"] = True
    elif b64 == 1:
        event["isBase64Encoded"] = draw(st.sampled_from([True, False, "true", 1, None]))
    if draw(st.integers(0, 2)) == 0:  # noise, or odd types where the handler looks
        for key in draw(st.lists(st.sampled_from(EVENT_KEYS), min_size=1, max_size=3, unique=True)):
            event[key] = draw(json_like)
    if draw(st.integers(0, 5)) == 0:
        event.pop(draw(st.sampled_from(sorted(event))))
    return event


# ---- the property --------------------------------------------------------------------------------------

def snapshot(client: Any) -> list[dict[str, Any]]:
    items = client.scan(TableName=TABLE)["Items"]
    return sorted(items, key=lambda item: str(item.get("id")))


@pytest.fixture
def seeded(ddb: Any) -> Any:  # noqa: F811 - the fixture imported above
    for item in SEEDED:
        ddb.put_item(TableName=TABLE, Item=item)
    return ddb


def server_side(exc: BaseException) -> bool:
    """True when the exception was raised inside moto: the stand-in DynamoDB failed (in process, moto's own
    errors reach the caller as exceptions; the embedded stack checks item keys before moto, see
    dynamodb_values.key_problem, and answers what AWS does). Such a failure is not the client's; the handler lets
    server-side failures raise, by design."""
    frames = traceback.extract_tb(exc.__traceback__)
    return bool(frames) and f"{os.sep}moto{os.sep}" in frames[-1].filename


def check(event: Any, client: Any, allowed: bool = True) -> tuple[int, Any]:
    before = snapshot(client)
    try:
        response = index.handler(event, None)
    except Exception as exc:  # nothing but a failure of the stand-in server may come out
        if not server_side(exc):
            raise
        note(f"moto failed: {type(exc).__name__}")
        assert snapshot(client) == before
        return 0, None
    assert isinstance(response, dict) and set(response) <= PROXY_KEYS, response
    status = response["statusCode"]
    assert type(status) is int and status in ((200, 400) if allowed else (200, 400, 403)), response
    assert response["headers"] == {"Content-Type": "application/json"}
    assert isinstance(response["body"], str)
    body = json.loads(response["body"])
    if status != 200:
        assert isinstance(body, dict) and set(body) == {"error", "message"}, body
        assert isinstance(body["error"], str) and body["error"] and isinstance(body["message"], str) and body["message"]
    after = snapshot(client)
    method = event.get("httpMethod") if isinstance(event, dict) else None
    note(f"{str(method).upper() if isinstance(method, str) else type(method).__name__} -> {status} "
         f"{body.get('error') if isinstance(body, dict) and status != 200 else ''}")
    if status != 200 or str(method).upper() not in WRITES:
        assert after == before, (event if len(repr(event)) < 2000 else repr(event)[:2000], response)
    return status, body


@FUZZ
@given(event=events())
def test_any_event_gets_a_proxy_response_and_only_a_valid_write_changes_the_table(seeded: Any, event: Any) -> None:
    status, body = check(event, seeded)
    restore(seeded)


@settings(FUZZ, max_examples=40)
@given(event=events())
def test_with_an_allow_list_other_tables_are_403_and_nothing_changes(seeded: Any, monkeypatch: pytest.MonkeyPatch,
                                                                     event: Any) -> None:
    monkeypatch.setenv("ALLOWED_TABLES", "some-other-table")
    status, body = check(event, seeded, allowed=False)
    method = event.get("httpMethod") if isinstance(event, dict) else None
    assert status != 200 or str(method).upper() not in WRITES  # a write never gets through
    restore(seeded)


def restore(client: Any) -> None:
    """Back to the seeded items (a valid write changed them)."""
    if snapshot(client) != sorted(SEEDED, key=lambda item: item["id"]):
        for item in client.scan(TableName=TABLE)["Items"]:
            client.delete_item(TableName=TABLE, Key={"id": item["id"]})
        for item in SEEDED:
            client.put_item(TableName=TABLE, Item=item)
