"""Proxy response validation and conversion: each rule asserts status and body the client gets."""
from __future__ import annotations

import base64
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from harness.emulator.gateway.context import InvocationContext
from harness.emulator.gateway.respond import MalformedProxyResponse, convert, parse_proxy_response
from harness.emulator.snapshots import InvokeResult
from tests.unit.test_gateway_support import API, resource, stage

ISE = b'{"message": "Internal server error"}'


def run(payload, *, accept: str | None = None, binary: tuple[str, ...] = ()):
    """(status, body, headers list) as the client would see them (502 error rendered like the chain does)."""
    ctx = InvocationContext(request_id="rid", extended_request_id="ext", trace_id="Root=1-x-y", request_time_ms=0,
                            api_id=API, stage="prod")
    ctx.deployed = stage(resource("/db-api", "GET"), binary=binary)
    if accept is not None:
        ctx.headers = [("Accept", accept)]
    raw = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    ctx.invoke_result = InvokeResult(request_id="l1", status=200, payload=raw)
    failure = convert(ctx)
    if failure is not None:
        from harness.emulator.gateway.gateway_responses import render
        answer = render(failure, ctx.request_id, ctx.extended_request_id)
    else:
        answer = ctx.answer
    return answer.status, answer.body, list(answer.headers)


def test_minimal_valid():
    status, body, headers = run({"statusCode": 200, "body": "[]"})
    assert (status, body) == (200, b"[]")
    assert ("Content-Type", "application/json") in headers
    names = [k for k, _ in headers]
    assert {"x-amzn-RequestId", "x-amz-apigw-id", "X-Amzn-Trace-Id"} <= set(names)


def test_empty_object_is_200_with_empty_body():
    assert run({})[:2] == (200, b"")


def test_numeric_string_status():
    assert run({"statusCode": "201", "body": "x"})[:2] == (201, b"x")


def test_null_headers_and_body_are_fine():
    assert run({"statusCode": 204, "headers": None, "multiValueHeaders": None, "body": None})[:2] == (204, b"")


@pytest.mark.parametrize("payload", [
    {"statusCode": 200, "body": "x", "extra": 1},
    {"statusCode": "abc"},
    {"statusCode": "20 1"},
    {"statusCode": True},
    {"statusCode": 200.5},
    {"statusCode": 99},
    {"statusCode": 200, "body": {"a": 1}},
    {"statusCode": 200, "body": ["a"]},
    {"statusCode": 200, "headers": "x"},
    {"statusCode": 200, "headers": {"X-A": {"nested": 1}}},
    {"statusCode": 200, "multiValueHeaders": {"X-A": "not-a-list"}},
    {"statusCode": 200, "multiValueHeaders": ["x"]},
    {"statusCode": 200, "isBase64Encoded": "maybe"},
    "a bare string",
    ["a", "list"],
    42,
    None,
])
def test_malformed_is_502(payload):
    status, body, headers = run(payload)
    assert (status, body) == (502, ISE)
    assert ("x-amzn-ErrorType", "InternalServerErrorException") in headers


def test_not_json_is_502():
    assert run(b"not json")[:2] == (502, ISE)
    assert run(b"")[:2] == (502, ISE)
    assert run(b"\xff\xfe")[:2] == (502, ISE)


def test_function_content_type_kept_and_no_default_added():
    _, _, headers = run({"headers": {"content-type": "text/html"}, "body": "<p>"})
    types = [(k, v) for k, v in headers if k.lower() == "content-type"]
    assert types == [("content-type", "text/html")]


def test_boolean_and_number_header_values():
    _, _, headers = run({"headers": {"X-T": True, "X-F": False, "X-N": 3}, "body": ""})
    assert ("X-T", "true") in headers and ("X-F", "false") in headers and ("X-N", "3") in headers


def test_multi_value_headers_repeat_and_join_with_single():
    _, _, headers = run({"headers": {"X-Both": "solo", "X-Solo": "s"},
                         "multiValueHeaders": {"X-Both": ["multi"], "Set-Cookie": ["a=1", "b=2"],
                                               "X-Flags": [True]}})
    assert ("X-Both", "multi, solo") in headers
    assert [v for k, v in headers if k == "Set-Cookie"] == ["a=1", "b=2"]
    assert ("X-Solo", "s") in headers and ("X-Flags", "true") in headers


def test_join_is_case_insensitive():
    _, _, headers = run({"headers": {"x-both": "solo"}, "multiValueHeaders": {"X-Both": ["m1", "m2"]}})
    assert [(k, v) for k, v in headers if k.lower() == "x-both"] == [("X-Both", "m1, m2, solo")]


def test_framing_headers_from_the_function_are_remapped():
    _, _, headers = run({"headers": {"Content-Length": "999", "Connection": "close"}, "body": "x"})
    assert ("x-amzn-Remapped-Content-Length", "999") in headers
    assert ("x-amzn-Remapped-Connection", "close") in headers
    assert not any(k == "Content-Length" for k, _ in headers)


@pytest.mark.parametrize("headers", [{"X-A": "a\r\nSet-Cookie: x=1"}, {"X A": "1"}, {"": "1"}, {"X\nA": "1"},
                                     {"X-A": "nul\x00"}])
def test_headers_that_cannot_be_sent_are_malformed(headers):
    assert run({"headers": headers})[:2] == (502, ISE)


def test_base64_decoded_when_accept_matches_binary_media_types():
    raw = b"\x89PNG\x00"
    payload = {"isBase64Encoded": True, "body": base64.b64encode(raw).decode(), "headers": {"Content-Type": "image/png"}}
    assert run(payload, accept="image/png", binary=("image/png",))[:2] == (200, raw)
    assert run(payload, accept="image/png, text/html", binary=("image/*",))[:2] == (200, raw)


def test_base64_text_passed_when_accept_does_not_match():
    text = base64.b64encode(b"\x89PNG").decode()
    payload = {"isBase64Encoded": True, "body": text}
    assert run(payload, accept="text/html, image/png", binary=("image/png",))[:2] == (200, text.encode())
    assert run(payload, accept=None, binary=("image/png",))[:2] == (200, text.encode())
    assert run(payload, accept="image/png", binary=())[:2] == (200, text.encode())


def test_invalid_base64_when_decoding_is_502():
    payload = {"isBase64Encoded": True, "body": "***"}
    assert run(payload, accept="image/png", binary=("image/png",))[:2] == (502, ISE)


def test_is_base64_string_forms_accepted():
    assert parse_proxy_response(b'{"isBase64Encoded": "TRUE"}').is_base64 is True
    assert parse_proxy_response(b'{"isBase64Encoded": null}').is_base64 is False


def test_number_body_rendered_as_json_text():
    assert run({"body": 12})[:2] == (200, b"12")


def test_parse_reports_why():
    with pytest.raises(MalformedProxyResponse, match="unexpected keys"):
        parse_proxy_response(b'{"status": 200}')


json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
                           lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=5), c, max_size=3),
                           max_leaves=10)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(["statusCode", "headers", "multiValueHeaders", "body", "isBase64Encoded",
                                        "other"]), json_values, max_size=5))
def test_validation_never_raises_other_errors(payload):
    status, body, _ = run(payload, accept="image/png", binary=("image/png",))
    assert 100 <= status <= 599
    if status == 502:
        assert body == ISE
