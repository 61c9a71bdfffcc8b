"""The tutorial's function invoked through the embedded stack's Lambda API (boto3 over HTTP).

The function's own boto3 calls come back to the stack through AWS_ENDPOINT_URL, so a PutItem made by the
function is visible to the test's DynamoDB client.
"""
from __future__ import annotations

import base64
import json
import uuid

import pytest
from botocore.exceptions import ClientError

pytestmark = pytest.mark.functional


def proxy_event(method: str, table: str, body: dict | None = None) -> bytes:
    return json.dumps({
        "resource": "/db-api", "path": "/db-api", "httpMethod": method, "headers": None,
        "multiValueHeaders": None, "queryStringParameters": {"TableName": table} if method == "GET" else None,
        "multiValueQueryStringParameters": None, "pathParameters": None, "stageVariables": None,
        "requestContext": {}, "body": json.dumps(body) if body is not None else None, "isBase64Encoded": False,
    }).encode()


def test_invoke_the_tutorial_function(clients, tutorial_stack):
    lam = clients("lambda")
    table = tutorial_stack.tables[0]
    item_id = f"runtime-{uuid.uuid4().hex[:8]}"
    put = lam.invoke(FunctionName=tutorial_stack.function_name, LogType="Tail",
                     Payload=proxy_event("POST", table, {"TableName": table, "Item": {"id": item_id, "n": 1}}))
    assert put["StatusCode"] == 200 and "FunctionError" not in put
    assert json.loads(put["Payload"].read())["statusCode"] == 200
    tail = base64.b64decode(put["LogResult"]).decode()
    request_id = put["ResponseMetadata"]["RequestId"]
    assert f"START RequestId: {request_id} Version: $LATEST" in tail
    assert f"REPORT RequestId: {request_id}\tDuration:" in tail
    item = clients("dynamodb").get_item(TableName=table, Key={"id": {"S": item_id}}).get("Item")
    assert item == {"id": {"S": item_id}, "n": {"N": "1"}}


def test_invocation_types_and_errors(clients, tutorial_stack):
    lam = clients("lambda")
    name = tutorial_stack.function_name
    assert lam.invoke(FunctionName=name, InvocationType="DryRun")["StatusCode"] == 204
    assert lam.invoke(FunctionName=name, InvocationType="Event",
                      Payload=proxy_event("GET", tutorial_stack.tables[0]))["StatusCode"] == 202
    by_arn = lam.invoke(FunctionName=tutorial_stack.function_arn, Payload=proxy_event("GET", tutorial_stack.tables[0]))
    assert by_arn["StatusCode"] == 200 and by_arn["ExecutedVersion"] == "$LATEST"
    with pytest.raises(ClientError) as missing:
        lam.invoke(FunctionName="no-such-function", Payload=b"{}")
    assert missing.value.response["Error"]["Code"] == "ResourceNotFoundException"
    assert missing.value.response["Error"]["Message"].startswith("Function not found: arn:aws:lambda:")
    with pytest.raises(ClientError) as bad:
        lam.invoke(FunctionName=name, Payload=b"not json")
    assert bad.value.response["Error"]["Code"] == "InvalidRequestContentException"
