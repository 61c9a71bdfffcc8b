"""Property test: hypothesis-generated DynamoDB requests never get a 500 or a traceback from the embedded stack.

Requests are sent as raw JSON (DynamoDB's wire protocol, no botocore validation) to every data-plane and
table operation, against a real table (hash `pk` S, range `sk` N), a missing one or no name at all. Parameters
mix valid and broken parts: AttributeValues (empty, two types, bad numbers, sets, nesting), expressions built
from DynamoDB's tokens in any order (names, `#names`, `:values`, comparators, functions, keywords, brackets),
names and values maps that do or do not match, limits, start keys, segments, batches and transactions, and
values of the wrong JSON type where objects are expected.

Properties, for every request: the status is 200 or 4xx (DynamoDB answers a client mistake with 400); a 4xx body
is a JSON object with `__type` and `message`; no answer holds a Python traceback; the stack stays healthy.
"""
from __future__ import annotations

import json
import uuid

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.functional

FUZZ = settings(max_examples=400, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                       HealthCheck.data_too_large])
OPERATIONS = ("PutItem", "GetItem", "UpdateItem", "DeleteItem", "Query", "Scan", "BatchWriteItem", "BatchGetItem",
              "TransactWriteItems", "TransactGetItems", "CreateTable", "DescribeTable", "ListTables")
AUTH = ("AWS4-HMAC-SHA256 Credential=testing/20240101/us-west-1/dynamodb/aws4_request, SignedHeaders=host, "
        "Signature=0000")
TABLE = f"fuzz-{uuid.uuid4().hex[:8]}"

junk = st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.text(max_size=5), st.just([]), st.just({}))
numbers = st.sampled_from(["1", "-0", "1.50", "1e3", "abc", "", "1" * 40, "9E+200", "NaN", " 1"])
scalar_values = st.one_of(
    st.builds(lambda s: {"S": s}, st.text(max_size=6)),
    st.builds(lambda n: {"N": n}, numbers),
    st.builds(lambda b: {"B": b}, st.sampled_from(["", "AAE=", "not base64!"])),
    st.builds(lambda b: {"BOOL": b}, st.one_of(st.booleans(), st.just("yes"))),
    st.builds(lambda b: {"NULL": b}, st.one_of(st.booleans(), st.just(1))),
    st.builds(lambda m: {"SS": m}, st.lists(st.sampled_from(["a", "b", ""]), max_size=3)),
    st.builds(lambda m: {"NS": m}, st.lists(numbers, max_size=3)),
    st.builds(lambda m: {"BS": m}, st.lists(st.sampled_from(["AA==", "AQ=="]), max_size=3)),
    st.just({}), st.just({"S": "a", "N": "1"}), st.just({"X": "1"}), junk,
)
values = st.recursive(scalar_values, lambda inner: st.one_of(
    st.builds(lambda m: {"M": m}, st.dictionaries(st.sampled_from(["a", "b", "pk"]), inner, max_size=3)),
    st.builds(lambda l: {"L": l}, st.lists(inner, max_size=3))), max_leaves=6)
attribute_names = st.sampled_from(["pk", "sk", "a", "b", "size", "status", "m", "l"])
items = st.one_of(st.dictionaries(attribute_names, values, max_size=4),
                  st.builds(lambda p, s, rest: {"pk": p, "sk": s, **rest}, values, values,
                            st.dictionaries(attribute_names, values, max_size=2)),
                  junk)
TOKENS = ["pk", "sk", "a", "m.b", "l[0]", "#n", "#x", ":v", ":w", ":z", "=", "<>", "<", ">=", "AND", "OR", "NOT",
          "BETWEEN", "IN", "(", ")", ",", "[", "]", ".", "+", "-", "SET", "REMOVE", "ADD", "DELETE",
          "attribute_exists", "attribute_not_exists", "begins_with", "contains", "size", "if_not_exists",
          "list_append", "attribute_type", "status", "1", "!", ""]
expressions = st.one_of(
    st.lists(st.sampled_from(TOKENS), max_size=8).map(" ".join),
    st.sampled_from(["pk = :v", "pk = :v AND sk > :w", "SET a = :v", "SET a = a + :v", "REMOVE a",
                     "ADD a :v", "attribute_not_exists(pk)", "size(a) > :v", "pk = :v OR sk = :w",
                     "begins_with(sk, :v)", "#n = :v", "a, m.b, l[0]"]),
    junk)
names_maps = st.one_of(st.dictionaries(st.sampled_from(["#n", "#x", "n"]), st.sampled_from(["a", "pk", "", "size"]),
                                       max_size=2), junk)
values_maps = st.one_of(st.dictionaries(st.sampled_from([":v", ":w", ":z", "v"]), values, max_size=3), junk)
table_names = st.sampled_from([TABLE, TABLE, TABLE, "missing-table", "", "a b", None])


def _optional(draw, strategy, chance: float = 0.5):
    return draw(strategy) if draw(st.floats(0, 1)) < chance else None


@st.composite
def requests_(draw) -> tuple[str, dict]:
    operation = draw(st.sampled_from(OPERATIONS))
    body: dict = {}
    name = draw(table_names)
    if name is not None:
        body["TableName"] = name
    fields = {
        "Item": items, "Key": items, "ExclusiveStartKey": items,
        "ConditionExpression": expressions, "UpdateExpression": expressions, "KeyConditionExpression": expressions,
        "FilterExpression": expressions, "ProjectionExpression": expressions,
        "ExpressionAttributeNames": names_maps, "ExpressionAttributeValues": values_maps,
        "ReturnValues": st.sampled_from(["NONE", "ALL_OLD", "ALL_NEW", "UPDATED_OLD", "UPDATED_NEW", "X"]),
        "ReturnConsumedCapacity": st.sampled_from(["TOTAL", "INDEXES", "NONE", "X"]),
        "Limit": st.one_of(st.integers(-2, 30), junk), "Select": st.sampled_from(["COUNT", "ALL_ATTRIBUTES",
                                                                                   "SPECIFIC_ATTRIBUTES", "X"]),
        "Segment": st.integers(-1, 3), "TotalSegments": st.integers(-1, 3), "ScanIndexForward": junk,
        "IndexName": st.sampled_from(["nope", "", "by-a"]), "ConsistentRead": junk,
        "AttributeUpdates": st.one_of(st.dictionaries(attribute_names, st.fixed_dictionaries(
            {"Action": st.sampled_from(["PUT", "ADD", "DELETE", "X"]), "Value": values}), max_size=2), junk),
        "KeySchema": st.one_of(st.lists(st.fixed_dictionaries({"AttributeName": attribute_names, "KeyType":
                                                               st.sampled_from(["HASH", "RANGE", "X"])}),
                                        max_size=3), junk),
        "AttributeDefinitions": st.one_of(st.lists(st.fixed_dictionaries(
            {"AttributeName": attribute_names, "AttributeType": st.sampled_from(["S", "N", "B", "X"])}),
            max_size=3), junk),
        "BillingMode": st.sampled_from(["PAY_PER_REQUEST", "PROVISIONED", "X"]),
    }
    for field, strategy in fields.items():
        value = _optional(draw, strategy, 0.25)
        if value is not None:
            body[field] = value
    if operation == "BatchWriteItem":
        write = st.one_of(st.builds(lambda i: {"PutRequest": {"Item": i}}, items),
                          st.builds(lambda k: {"DeleteRequest": {"Key": k}}, items), junk)
        body = {"RequestItems": draw(st.one_of(st.dictionaries(table_names.filter(bool), st.lists(write, max_size=27),
                                                               max_size=2), junk))}
    elif operation == "BatchGetItem":
        body = {"RequestItems": draw(st.one_of(st.dictionaries(table_names.filter(bool), st.fixed_dictionaries(
            {"Keys": st.lists(items, max_size=4)}, optional={"ProjectionExpression": expressions}), max_size=2),
            junk))}
    elif operation in ("TransactWriteItems", "TransactGetItems"):
        part = st.fixed_dictionaries({"TableName": table_names}, optional={
            "Key": items, "Item": items, "ConditionExpression": expressions, "UpdateExpression": expressions,
            "ProjectionExpression": expressions, "ExpressionAttributeNames": names_maps,
            "ExpressionAttributeValues": values_maps})
        kinds = ["Get"] if operation == "TransactGetItems" else ["Put", "Update", "Delete", "ConditionCheck"]
        entry = st.dictionaries(st.sampled_from(kinds), part, min_size=1, max_size=2)
        body = {"TransactItems": draw(st.one_of(st.lists(entry, max_size=4), junk))}
    return operation, body


@pytest.fixture(scope="module")
def dynamodb_url(clients, stack_url):
    dynamodb = clients("dynamodb")
    dynamodb.create_table(TableName=TABLE, BillingMode="PAY_PER_REQUEST",
                          KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                                     {"AttributeName": "sk", "KeyType": "RANGE"}],
                          AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                                {"AttributeName": "sk", "AttributeType": "N"}])
    dynamodb.put_item(TableName=TABLE, Item={"pk": {"S": "a"}, "sk": {"N": "1"}, "a": {"S": "x"}})
    yield stack_url
    dynamodb.delete_table(TableName=TABLE)


@pytest.mark.slow
@FUZZ
@given(request=requests_())
def test_generated_dynamodb_requests_never_fail_the_stack(dynamodb_url, request):
    operation, body = request
    answer = requests.post(dynamodb_url + "/", data=json.dumps(body), timeout=30, headers={
        "X-Amz-Target": f"DynamoDB_20120810.{operation}", "Content-Type": "application/x-amz-json-1.0",
        "Authorization": AUTH})
    assert answer.status_code < 500, (operation, body, answer.text)
    assert "Traceback" not in answer.text, answer.text
    if answer.status_code >= 400:
        error = answer.json()
        assert isinstance(error, dict) and "__type" in error and "message" in error, answer.text
