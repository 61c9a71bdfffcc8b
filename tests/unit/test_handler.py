"""Unit tests for handler/index.py: the real Lambda handler, run in process against moto.

Expected DynamoDB messages come from the shared AWS behaviour notes (aws-behaviors.md). Where moto answers
differently from AWS, the test pins moto's exact text and a comment names the AWS one.
"""
from __future__ import annotations

import base64
import decimal
import functools
import importlib
import json
import socket
import uuid
from typing import Any

import boto3
import pytest
from boto3.dynamodb.types import Binary
from botocore.exceptions import EndpointConnectionError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from moto import mock_aws

index = importlib.import_module("handler.index")

TABLE = "messages"
PROXY_KEYS = {"statusCode", "headers", "multiValueHeaders", "body", "isBase64Encoded"}


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    """Fake credentials and region, no endpoint override, no allow-list, a fresh handler client."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SECURITY_TOKEN": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
        "AWS_CONFIG_FILE": str(tmp_path / "no-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-credentials"),
    }.items():
        monkeypatch.setenv(name, value)
    for name in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB", "AWS_PROFILE", "ALLOWED_TABLES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(index, "_client", None)  # restored (to None) after the test as well
    monkeypatch.setattr(boto3, "DEFAULT_SESSION", None)  # no session (and cached credentials) leaks out


@functools.cache
def shared_session() -> boto3.Session:
    """One boto3 session for all tests: a new one re-reads botocore's JSON models (~0.1 s each time)."""
    return boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing")


@pytest.fixture
def ddb(aws_env: None) -> Any:
    """A moto DynamoDB with table `messages` (hash key `id`, S); yields a document-style client."""
    with mock_aws():  # each test starts from an empty moto and a handler with no client yet
        boto3.DEFAULT_SESSION = shared_session()  # moto restores boto3.DEFAULT_SESSION when it stops
        client = boto3.resource("dynamodb").meta.client
        client.create_table(
            TableName=TABLE,
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        yield client


def invoke(event: Any) -> tuple[int, Any]:
    """Run the handler, check the answer is a valid REST v1 proxy response, return (status, parsed body)."""
    response = index.handler(event, None)
    assert set(response) <= PROXY_KEYS
    assert type(response["statusCode"]) is int
    assert response["headers"] == {"Content-Type": "application/json"}
    assert isinstance(response["body"], str)
    return response["statusCode"], json.loads(response["body"])


def raw_body(event: Any) -> str:
    return index.handler(event, None)["body"]


def get(**query: str) -> dict[str, Any]:
    return {"httpMethod": "GET", "queryStringParameters": {"TableName": TABLE, **query}}


def call(method: str, body: Any, **extra: Any) -> dict[str, Any]:
    return {"httpMethod": method, "queryStringParameters": None, "body": body, **extra}


def put_item(item: dict[str, Any], method: str = "POST") -> dict[str, Any]:
    return call(method, json.dumps({"TableName": TABLE, "Item": item}))


def assert_error(event: Any, code: str, message: str, status: int = 400) -> None:
    assert invoke(event) == (status, {"error": code, "message": message})


# --- the four methods ---------------------------------------------------------------------------------

def test_get_on_empty_table_answers_exactly_the_scan_result(ddb: Any) -> None:
    assert raw_body(get()) == '{"Items": [], "Count": 0, "ScannedCount": 0}'
    assert invoke(get()) == (200, {"Items": [], "Count": 0, "ScannedCount": 0})


def test_tutorial_mock_post_with_object_body_then_get_sees_item(ddb: Any) -> None:
    item = {"id": "1", "author": "Neil Armstrong", "text": "That is one small step for (a) man"}
    event = {"httpMethod": "POST", "queryStringParameters": {"TableName": TABLE},
             "body": {"TableName": TABLE, "Item": item}}
    assert invoke(event) == (200, {})  # JSON.stringify of a plain PutItem result
    assert invoke(get()) == (200, {"Items": [item], "Count": 1, "ScannedCount": 1})


def test_post_with_json_string_body(ddb: Any) -> None:
    assert invoke(put_item({"id": "s", "text": "hi"})) == (200, {})
    assert ddb.get_item(TableName=TABLE, Key={"id": "s"})["Item"] == {"id": "s", "text": "hi"}


def test_post_with_base64_body(ddb: Any) -> None:
    text = json.dumps({"TableName": TABLE, "Item": {"id": "b64", "text": "héllo"}})
    event = call("POST", base64.b64encode(text.encode()).decode(), isBase64Encoded=True)
    assert invoke(event) == (200, {})
    assert ddb.get_item(TableName=TABLE, Key={"id": "b64"})["Item"]["text"] == "héllo"


def test_put_runs_update_expression(ddb: Any) -> None:
    ddb.put_item(TableName=TABLE, Item={"id": "1", "text": "old"})
    body = {"TableName": TABLE, "Key": {"id": "1"}, "UpdateExpression": "SET #t = :t, n = :n",
            "ExpressionAttributeNames": {"#t": "text"}, "ExpressionAttributeValues": {":t": "new", ":n": 2}}
    status, answer = invoke(call("PUT", json.dumps(body)))
    # moto adds ConsumedCapacity to every UpdateItem answer; AWS only when ReturnConsumedCapacity asks (-> {}).
    assert (status, answer) == (200, {"ConsumedCapacity": {"TableName": TABLE, "CapacityUnits": 0.5}})
    body = {"TableName": TABLE, "Key": {"id": "1"}, "UpdateExpression": "SET n = n + :n",
            "ExpressionAttributeValues": {":n": 2}, "ReturnValues": "ALL_NEW"}
    status, answer = invoke(call("PUT", body))
    assert status == 200 and answer["Attributes"] == {"id": "1", "text": "new", "n": 4}


def test_delete_by_key(ddb: Any) -> None:
    ddb.put_item(TableName=TABLE, Item={"id": "1"})
    assert invoke(call("DELETE", json.dumps({"TableName": TABLE, "Key": {"id": "1"}}))) == (200, {})
    assert invoke(get())[1]["Items"] == []


def test_conditional_check_failure_keeps_dynamodb_code_and_message(ddb: Any) -> None:
    body = {"TableName": TABLE, "Item": {"id": "1"}, "ConditionExpression": "attribute_not_exists(id)"}
    assert invoke(call("POST", body))[0] == 200
    assert_error(call("POST", body), "ConditionalCheckFailedException", "The conditional request failed")


# --- values -------------------------------------------------------------------------------------------

def test_numbers_come_back_as_int_or_float_also_nested(ddb: Any) -> None:
    big = 12345678901234567890123456789012345678  # 38 digits: more than a float holds
    text = ('{"TableName": "messages", "Item": {"id": "n", "i": 3, "f": 1.5, "neg": -7, "big": %d,'
            ' "m": {"l": [1, 2.25, {"x": 10}], "e": 1e2}}}' % big)
    assert invoke(call("POST", text)) == (200, {})
    body = raw_body(get())
    assert '"i": 3,' in body and '"f": 1.5,' in body and f'"big": {big}' in body and '"e": 100' in body
    item = json.loads(body)["Items"][0]
    assert item == {"id": "n", "i": 3, "f": 1.5, "neg": -7, "big": big, "m": {"l": [1, 2.25, {"x": 10}], "e": 100}}
    assert type(item["i"]) is int and type(item["big"]) is int and type(item["f"]) is float


def test_object_body_floats_are_accepted(ddb: Any) -> None:
    # `lambda invoke` hands the body over already parsed, so it may hold Python floats.
    assert invoke(call("POST", {"TableName": TABLE, "Item": {"id": "f", "f": 0.1}})) == (200, {})
    assert ddb.get_item(TableName=TABLE, Key={"id": "f"})["Item"]["f"] == decimal.Decimal("0.1")


def test_sets_become_sorted_lists_and_binary_becomes_base64(ddb: Any) -> None:
    ddb.put_item(TableName=TABLE, Item={
        "id": "x", "ss": {"b", "c", "a"}, "ns": {decimal.Decimal("2.5"), decimal.Decimal(1)},
        "bin": Binary(b"\x00\xff"), "bs": {Binary(b"b"), Binary(b"a")}, "null": None, "yes": True,
    })
    item = invoke(get())[1]["Items"][0]
    assert item == {"id": "x", "ss": ["a", "b", "c"], "ns": [1, 2.5], "bin": "AP8=", "bs": ["YQ==", "Yg=="],
                    "null": None, "yes": True}


def test_too_many_digits_answers_400(ddb: Any) -> None:
    assert_error(put_item({"id": "1", "n": 10**40}), "InvalidNumber",
                 "A number cannot be stored in DynamoDB (at most 38 significant digits, "
                 "magnitude 1E-130 to 1E+125): Rounded")


json_values = st.recursive(
    st.none() | st.booleans() | st.text(max_size=5) | st.integers(-10**20, 10**20)
    | st.floats(-1e9, 1e9, allow_nan=False).filter(lambda f: f == 0 or abs(f) > 1e-9),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text("abc", min_size=1, max_size=3), inner,
                                                                   max_size=3),
    max_leaves=8,
)


FAST = settings(max_examples=30, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])


@FAST
@given(value=json_values)
def test_any_json_value_round_trips(ddb: Any, value: Any) -> None:
    key = uuid.uuid4().hex
    assert invoke(put_item({"id": key, "v": value})) == (200, {})
    items = invoke(get())[1]["Items"]
    assert [item["v"] for item in items if item["id"] == key] == [value]


# --- paging -------------------------------------------------------------------------------------------

def test_limit_and_exclusive_start_key_page_through_the_table(ddb: Any) -> None:
    for key in "abc":
        ddb.put_item(TableName=TABLE, Item={"id": key})
    seen, query = [], {"Limit": "1"}
    for _ in range(5):
        status, page = invoke(get(**query))
        assert status == 200 and page["Count"] == len(page["Items"]) <= 1
        seen += [item["id"] for item in page["Items"]]
        if "LastEvaluatedKey" not in page:
            break
        assert page["LastEvaluatedKey"] == {"id": page["Items"][-1]["id"]}
        query["ExclusiveStartKey"] = json.dumps(page["LastEvaluatedKey"])
    assert sorted(seen) == ["a", "b", "c"]


@pytest.mark.parametrize("value", ["abc", "0", "-1", "1.5", ""])
def test_bad_limit_answers_400_naming_it(ddb: Any, value: str) -> None:
    assert_error(get(Limit=value), "InvalidParameter",
                 f'Query string parameter "Limit" must be a positive integer, got "{value}"')


@pytest.mark.parametrize(("value", "message"), [
    ("nope", 'Query string parameter "ExclusiveStartKey" is not valid JSON: Expecting value: line 1 column 1 (char 0)'),
    ('["a"]', 'Query string parameter "ExclusiveStartKey" must be a JSON object, got an array'),
])
def test_bad_exclusive_start_key_answers_400_naming_it(ddb: Any, value: str, message: str) -> None:
    assert_error(get(ExclusiveStartKey=value), "InvalidParameter", message)


# --- client mistakes ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("method", "shown"), [("PATCH", "PATCH"), ("HEAD", "HEAD"), ("get", "get"), (None, "")])
def test_unsupported_method(ddb: Any, method: str | None, shown: str) -> None:
    assert_error({"httpMethod": method, "body": "{}"}, "UnsupportedMethod", f'Unsupported method "{shown}"')


def test_missing_http_method_renders_as_empty_string(ddb: Any) -> None:
    assert_error({}, "UnsupportedMethod", 'Unsupported method ""')


@pytest.mark.parametrize("query", [None, {}, {"Limit": "1"}, {"TableName": ""}])
def test_get_without_table_name(ddb: Any, query: Any) -> None:
    assert_error({"httpMethod": "GET", "queryStringParameters": query}, "MissingParameter",
                 'Missing required query string parameter "TableName"')


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE"])
@pytest.mark.parametrize("event_body", [{"body": None}, {}, {"body": ""}])
def test_missing_body(ddb: Any, method: str, event_body: dict[str, Any]) -> None:
    assert_error({"httpMethod": method, **event_body}, "MissingBody",
                 f"{method} needs a request body: a JSON object with the DynamoDB call's parameters")


@pytest.mark.parametrize(("body", "detail"), [
    ("x", "Expecting value: line 1 column 1 (char 0)"),
    ("{", "Expecting property name enclosed in double quotes: line 1 column 2 (char 1)"),
    ('{"Item": {"id": "1", "n": NaN}}', "NaN is not a JSON value"),
])
def test_invalid_json(ddb: Any, body: str, detail: str) -> None:
    assert_error(call("POST", body), "InvalidJSON", f"Request body is not valid JSON: {detail}")


def test_invalid_base64_and_utf8(ddb: Any) -> None:
    assert_error(call("POST", "not base64!", isBase64Encoded=True), "InvalidJSON",
                 "Request body is not valid base64: Only base64 data is allowed")
    assert_error(call("POST", base64.b64encode(b"\xff{}").decode(), isBase64Encoded=True), "InvalidJSON",
                 "Request body is not valid UTF-8: 'utf-8' codec can't decode byte 0xff in position 0: "
                 "invalid start byte")


@pytest.mark.parametrize("depth", [100_000, 600])  # too deep for json.loads; parses but too deep for boto3
def test_deeply_nested_body_answers_400(ddb: Any, depth: int) -> None:
    nested = '{"a": ' * depth + "1" + "}" * depth
    body = '{"TableName": "messages", "Item": {"id": "1", "v": %s}}' % nested
    assert_error(call("POST", body), "InvalidJSON", "Request body is nested too deeply")


@pytest.mark.parametrize(("body", "kind"), [
    ('"{\\"TableName\\": \\"messages\\"}"', "a string"),  # a JSON string holding JSON: encoded twice
    ('[{"TableName": "messages"}]', "an array"),
    ("3", "a number"), ("true", "a boolean"), ("null", "null"),
    (["object", "body"], "an array"),
])
def test_body_that_is_not_an_object(ddb: Any, body: Any, kind: str) -> None:
    assert_error(call("POST", body), "UnexpectedParameter",
                 f"Expected a JSON object with the DynamoDB call's parameters, got {kind}")


@pytest.mark.parametrize(("body", "message"), [
    ({"TableName": TABLE, "Key": '{"id": "1"}'},
     "Parameter validation failed:\nInvalid type for parameter Key, value: {\"id\": \"1\"}, type: <class 'str'>, "
     "valid types: <class 'dict'>"),
    ({"Key": {"id": "1"}}, 'Parameter validation failed:\nMissing required parameter in input: "TableName"'),
    ({"TableName": TABLE, "Key": {"id": "1"}, "Bogus": 1},
     'Parameter validation failed:\nUnknown parameter in input: "Bogus", must be one of: TableName, Key, '
     "Expected, ConditionalOperator, ReturnValues, ReturnConsumedCapacity, ReturnItemCollectionMetrics, "
     "ConditionExpression, ExpressionAttributeNames, ExpressionAttributeValues, "
     "ReturnValuesOnConditionCheckFailure"),
])
def test_botocore_param_validation_error(ddb: Any, body: dict[str, Any], message: str) -> None:
    assert_error(call("DELETE", json.dumps(body)), "ParamValidationError", message)


@pytest.mark.parametrize(("body", "message"), [
    ({"TableName": ["messages"], "Key": {"id": "1"}},  # botocore's endpoint resolution would raise first
     "Invalid type for parameter TableName, value: ['messages'], type: <class 'list'>, valid types: <class 'str'>"),
    ({"TableName": {}, "Key": {"id": "1"}},
     "Invalid type for parameter TableName, value: {}, type: <class 'dict'>, valid types: <class 'str'>"),
    ({"TableName": TABLE, "Key": {"id": "1"}, "ExpressionAttributeValues": None},  # boto3 would crash first
     "Invalid type for parameter ExpressionAttributeValues, value: None, type: <class 'NoneType'>, "
     "valid types: <class 'dict'>"),
    ({"TableName": TABLE, "Key": {"id": "1"}, "ReturnValues": 5},
     "Invalid type for parameter ReturnValues, value: 5, type: <class 'int'>, valid types: <class 'str'>"),
])
def test_top_level_types_are_checked_in_botocores_words(ddb: Any, body: dict[str, Any], message: str) -> None:
    assert_error(call("PUT", body), "ParamValidationError", "Parameter validation failed:\n" + message)


PARAM_NAMES = ["TableName", "Item", "Key", "UpdateExpression", "ExpressionAttributeValues", "ReturnValues",
               "ExpressionAttributeNames", "Expected", "AttributeUpdates", "ConditionalOperator", "Bogus"]
weird_values = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 5) | st.floats(allow_nan=False)
    | st.sampled_from(["", "messages", "id", "ALL_NEW", "SET #n = :v", "{}"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(["id", "S", "x", ":v"]), inner,
                                                                   max_size=3),
    max_leaves=6,
)


@FAST
@given(method=st.sampled_from(["POST", "PUT", "DELETE"]),
       body=st.dictionaries(st.sampled_from(PARAM_NAMES), weird_values, max_size=4), as_text=st.booleans())
def test_odd_parameters_answer_a_proxy_response_and_never_raise(ddb: Any, method: str, body: dict[str, Any],
                                                                 as_text: bool) -> None:
    status, answer = invoke(call(method, json.dumps(body) if as_text else body))
    assert status == 200 or set(answer) == {"error", "message"}


def test_unknown_table(ddb: Any) -> None:
    assert_error({"httpMethod": "GET", "queryStringParameters": {"TableName": "nope"}},
                 "ResourceNotFoundException", "Requested resource not found")
    assert_error(call("POST", {"TableName": "nope", "Item": {"id": "1"}}),
                 "ResourceNotFoundException", "Requested resource not found")


def test_key_of_wrong_type(ddb: Any) -> None:
    assert_error(put_item({"id": 1}), "ValidationException",
                 "One or more parameter values were invalid: Type mismatch for key id expected: S actual: N")


def test_missing_key(ddb: Any) -> None:
    assert_error(put_item({"text": "no id"}), "ValidationException",
                 "One or more parameter values were invalid: Missing the key id in the item")


def test_empty_string_key(ddb: Any) -> None:
    # AWS: "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain
    # an empty string value. Key: id"; moto words it differently:
    assert_error(put_item({"id": ""}), "ValidationException",
                 "One or more parameter values were invalid: An AttributeValue may not contain an empty string. "
                 "Key: id")


@pytest.mark.parametrize("key", [{"idx": "1"}, {"id": "1", "extra": "2"}])
def test_delete_with_wrong_key(ddb: Any, key: dict[str, Any]) -> None:
    # moto also accepts a mistyped key ({"id": 1}) for DeleteItem, which AWS rejects with this message.
    assert_error(call("DELETE", {"TableName": TABLE, "Key": key}), "ValidationException",
                 "The provided key element does not match the schema")


@pytest.mark.parametrize("event", ["text", None, ["GET"], 42])
def test_event_that_is_not_an_object(ddb: Any, event: Any) -> None:
    status, answer = invoke(event)
    assert status == 400 and answer["error"] == "InvalidEvent"
    assert answer["message"].startswith("Expected the event to be a JSON object, got ")


# --- allow-list ---------------------------------------------------------------------------------------

def test_allowed_tables(ddb: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALLOWED_TABLES", " other ,messages ")
    assert invoke(get())[0] == 200
    assert invoke(put_item({"id": "1"}))[0] == 200
    monkeypatch.setenv("ALLOWED_TABLES", "other, more")  # read per invocation
    denied = 'Table "messages" is not in ALLOWED_TABLES'
    assert_error(get(), "AccessDenied", denied, status=403)
    for method in ("POST", "PUT", "DELETE"):
        assert_error(call(method, {"TableName": TABLE, "Key": {"id": "1"}}), "AccessDenied", denied, status=403)
    monkeypatch.setenv("ALLOWED_TABLES", "")  # set but empty: nothing is allowed
    assert_error(get(), "AccessDenied", denied, status=403)
    assert invoke(get())[1]["error"] == "AccessDenied"
    monkeypatch.delenv("ALLOWED_TABLES")
    assert invoke(get())[0] == 200


# --- client, environment, logging ---------------------------------------------------------------------

def test_client_is_created_once_and_reused(ddb: Any) -> None:
    assert index._client is None
    invoke(get())
    first = index._client
    invoke(get())
    assert first is not None and index._client is first


def test_client_honours_endpoint_and_region_from_environment(aws_env: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://localhost:4566")
    monkeypatch.setenv("AWS_REGION", "eu-west-3")
    client = index._dynamodb()
    assert client.meta.endpoint_url == "http://localhost:4566"
    assert client.meta.region_name == "eu-west-3"


def test_unreachable_endpoint_raises_instead_of_answering_400(aws_env: None, monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as closed:  # bound, never listening: connections are refused at once
        closed.bind(("127.0.0.1", 0))
        monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:%d" % closed.getsockname()[1])
        monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
        with pytest.raises(EndpointConnectionError):
            index.handler(get(), None)


def test_one_log_line_per_request_without_credentials(ddb: Any, capsys: pytest.CaptureFixture[str]) -> None:
    invoke(get())
    invoke({"httpMethod": "PATCH"})
    lines = capsys.readouterr().out.splitlines()
    assert [json.loads(line) for line in lines] == [
        {"method": "GET", "table": TABLE, "status": 200},
        {"method": "PATCH", "table": None, "status": 400},
    ]
    assert "testing" not in "".join(lines)
