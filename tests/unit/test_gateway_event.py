"""The proxy event (REST v1): every field, null versus empty, multi values, body encoding."""
from __future__ import annotations

import base64
import json
import re

import pytest

from harness.emulator.gateway.context import InvocationContext
from harness.emulator.gateway.event import build_event, header_maps, is_binary, media_type
from tests.unit.test_gateway_support import ACCOUNT, API, REGION, resource, stage

TOP_LEVEL = {"resource", "path", "httpMethod", "headers", "multiValueHeaders", "queryStringParameters",
             "multiValueQueryStringParameters", "pathParameters", "stageVariables", "requestContext", "body",
             "isBase64Encoded"}
REQUEST_CONTEXT = {"accountId", "apiId", "deploymentId", "domainName", "domainPrefix", "extendedRequestId",
                   "httpMethod", "identity", "path", "protocol", "requestId", "requestTime", "requestTimeEpoch",
                   "resourceId", "resourcePath", "stage"}
IDENTITY = {"accessKey", "accountId", "caller", "cognitoAuthenticationProvider", "cognitoAuthenticationType",
            "cognitoIdentityId", "cognitoIdentityPoolId", "principalOrgId", "sourceIp", "user", "userAgent", "userArn"}


def _ctx(binary: tuple[str, ...] = (), variables: dict[str, str] | None = None, **fields) -> InvocationContext:
    deployed = stage(resource("/db-api", "GET", rid="res1"), binary=binary, variables=variables)
    ctx = InvocationContext(request_id="req-1", extended_request_id="ext=", trace_id="Root=1-a-b",
                            request_time_ms=1583349317000, api_id=API, stage="prod")
    ctx.deployed = deployed
    ctx.stage_variables = dict(variables) if variables else None
    ctx.resource = next(r for r in deployed.resources if r.id == "res1")
    ctx.method = ctx.resource.methods["GET"]
    ctx.http_method = "GET"
    ctx.path = "/db-api"
    for k, v in fields.items():
        setattr(ctx, k, v)
    build_event(ctx)
    return ctx


def test_every_field_and_null_rules_for_a_bare_request():
    ctx = _ctx()
    event = ctx.event
    assert set(event) == TOP_LEVEL
    assert event["resource"] == "/db-api" and event["path"] == "/db-api" and event["httpMethod"] == "GET"
    for key in ("headers", "multiValueHeaders", "queryStringParameters", "multiValueQueryStringParameters",
                "pathParameters", "stageVariables", "body"):
        assert event[key] is None, key
    assert event["isBase64Encoded"] is False
    assert json.loads(ctx.event_bytes) == event


def test_request_context_fields():
    rc = _ctx(source_ip="10.1.2.3", user_agent="curl/8").event["requestContext"]
    assert set(rc) == REQUEST_CONTEXT
    assert rc["accountId"] == ACCOUNT and rc["apiId"] == API and rc["deploymentId"] == "dep1"
    assert rc["domainName"] == f"{API}.execute-api.{REGION}.amazonaws.com" and rc["domainPrefix"] == API
    assert rc["extendedRequestId"] == "ext=" and rc["requestId"] == "req-1"
    assert rc["httpMethod"] == "GET" and rc["protocol"] == "HTTP/1.1" and rc["stage"] == "prod"
    assert rc["path"] == "/prod/db-api"
    assert rc["requestTime"] == "04/Mar/2020:19:15:17 +0000" and rc["requestTimeEpoch"] == 1583349317000
    assert rc["resourceId"] == "res1" and rc["resourcePath"] == "/db-api"
    identity = rc["identity"]
    assert set(identity) == IDENTITY
    assert identity["sourceIp"] == "10.1.2.3" and identity["userAgent"] == "curl/8"
    assert all(v is None for k, v in identity.items() if k not in ("sourceIp", "userAgent"))


def test_request_time_format():
    rc = _ctx(request_time_ms=1700000000123).event["requestContext"]
    assert re.fullmatch(r"\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d \+0000", rc["requestTime"])
    assert rc["requestTimeEpoch"] == 1700000000123


def test_domain_name_from_execute_api_host():
    rc = _ctx(host="abc123.execute-api.localhost.localstack.cloud:4566").event["requestContext"]
    assert rc["domainName"] == "abc123.execute-api.localhost.localstack.cloud" and rc["domainPrefix"] == "abc123"
    assert _ctx(host="localhost:4566").event["requestContext"]["domainName"].endswith(".amazonaws.com")


def test_test_invoke_context():
    rc = _ctx(test_invoke=True, stage="test-invoke-stage", source_ip="test-invoke-source-ip").event["requestContext"]
    assert rc["stage"] == "test-invoke-stage" and rc["path"] == "/db-api"
    assert rc["domainName"] == "testPrefix.testDomainName" and rc["domainPrefix"] == "testPrefix"
    assert rc["identity"]["sourceIp"] == "test-invoke-source-ip" and rc["identity"]["apiKey"] == "test-invoke-api-key"


def test_query_maps_and_path_parameters_and_stage_variables():
    event = _ctx(query={"a": "2"}, multi_query={"a": ["1", "2"]}, path_parameters={"id": "7"},
                 variables={"table": "t"}).event
    assert event["queryStringParameters"] == {"a": "2"}
    assert event["multiValueQueryStringParameters"] == {"a": ["1", "2"]}
    assert event["pathParameters"] == {"id": "7"}
    assert event["stageVariables"] == {"table": "t"}


def test_empty_maps_become_null():
    event = _ctx(path_parameters={}, stage_variables={}).event
    assert event["pathParameters"] is None and event["stageVariables"] is None


def test_headers_case_preserved_and_multi_value():
    event = _ctx(headers=[("x-lower", "1"), ("X-Multi", "a"), ("x-multi", "b"), ("Content-Length", "3"),
                          ("Connection", "close"), ("User-Agent", "ua")]).event
    assert event["headers"] == {"x-lower": "1", "X-Multi": "b", "User-Agent": "ua"}
    assert event["multiValueHeaders"] == {"x-lower": ["1"], "X-Multi": ["a", "b"], "User-Agent": ["ua"]}


def test_header_maps_empty_is_null():
    assert header_maps([]) == (None, None)
    assert header_maps([("Content-Length", "0")]) == (None, None)


def test_text_body():
    event = _ctx(body=b'{"id": "1"}', headers=[("Content-Type", "application/json")]).event
    assert event["body"] == '{"id": "1"}' and event["isBase64Encoded"] is False


def test_invalid_utf8_text_body_replaced_not_base64():
    event = _ctx(body=b"ok\xff", headers=[("Content-Type", "text/plain")]).event
    assert event["body"] == "ok\ufffd" and event["isBase64Encoded"] is False


@pytest.mark.parametrize("binary, content_type, expected", [
    (("image/png",), "image/png", True),
    (("image/png",), "IMAGE/PNG; charset=x", True),
    (("image/*",), "image/jpeg", True),
    (("*/*",), "application/json", True),
    (("*/*",), None, True),
    (("image~1png",), "image/png", True),
    (("image/png",), "image/jpeg", False),
    (("image/png",), None, False),
    (("application/octet-stream",), "application/json", False),
    (("",), "application/json", False),
    ((), "image/png", False),
])
def test_binary_body_per_binary_media_types(binary, content_type, expected):
    raw = b"\x89PNG\x00\xff"
    headers = [("Content-Type", content_type)] if content_type else []
    event = _ctx(binary=binary, body=raw, headers=headers).event
    assert event["isBase64Encoded"] is expected
    if expected:
        assert base64.b64decode(event["body"]) == raw
    else:
        assert event["body"] == raw.decode("utf-8", errors="replace")


def test_media_type_helpers():
    assert media_type(" Text/HTML ; q=1") == "text/html"
    assert media_type(None) == ""
    assert is_binary("image/gif", ("image/*",)) and not is_binary("", ("image/*",))
