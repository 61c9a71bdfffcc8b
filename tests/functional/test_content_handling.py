"""contentHandling (CONVERT_TO_BINARY / CONVERT_TO_TEXT) with binaryMediaTypes on non-proxy integrations, over HTTP.

AWS: developer guide "Content type conversions in API Gateway" (both tables: integration request payload by the
request's Content-Type, method response payload by the client's first Accept media type), and LocalStack's
AWS-validated S3 tests (`test_apigw_s3_binary_support_request*`): CONVERT_TO_BINARY on a text that is not
base64 is 500; a request template that would read the decoded binary is 500.

An HTTP integration to a local echo server shows what the integration received: it answers the bytes it got
with the Content-Type named by `X-Reply-Type`.
"""
from __future__ import annotations

import base64
import gzip
from http.server import BaseHTTPRequestHandler

import pytest
import requests

from .apikit import Kit, execution_log, json_body, local_http_server

pytestmark = pytest.mark.functional

RAW = gzip.compress(b"compressed data, should be invalid UTF-8 string", mtime=1676569620)
ENCODED = base64.b64encode(RAW)
HANDLINGS = {"none": None, "bin": "CONVERT_TO_BINARY", "text": "CONVERT_TO_TEXT"}


class _Echo(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        self.send_response(200)
        self.send_header("Content-Type", self.headers.get("X-Reply-Type") or "application/octet-stream")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:  # quiet
        pass


@pytest.fixture(scope="module")
def echo_url():
    with local_http_server(_Echo) as url:
        yield f"{url}/echo"


def _echo_method(apigw, api_id, resource, echo_url, request_handling, response_handling, templates=None,
                 response_templates=None):
    apigw.put_method(restApiId=api_id, resourceId=resource, httpMethod="POST", authorizationType="NONE")
    extra = {"contentHandling": request_handling} if request_handling else {}
    if templates:
        extra["requestTemplates"] = templates
    apigw.put_integration(restApiId=api_id, resourceId=resource, httpMethod="POST", type="HTTP",
                          integrationHttpMethod="POST", uri=echo_url, **extra,
                          requestParameters={"integration.request.header.X-Reply-Type": "method.request.header.X-Reply-Type",
                                             "integration.request.header.Content-Type": "method.request.header.Content-Type"})
    apigw.put_method_response(restApiId=api_id, resourceId=resource, httpMethod="POST", statusCode="200",
                              responseParameters={"method.response.header.Content-Type": False})
    extra = {"contentHandling": response_handling} if response_handling else {}
    if response_templates:
        extra["responseTemplates"] = response_templates
    apigw.put_integration_response(restApiId=api_id, resourceId=resource, httpMethod="POST", statusCode="200",
                                   responseParameters={"method.response.header.Content-Type":
                                                       "integration.response.header.Content-Type"}, **extra)


@pytest.fixture(scope="module")
def apis(clients, echo_url):
    kit = Kit(clients, "ch")
    apigw = clients("apigateway")
    try:
        binary, root = kit.api("binary", binary_media_types=["image/png"])
        for req in HANDLINGS:
            for resp in HANDLINGS:
                _echo_method(apigw, binary, kit.resource(binary, root, f"{req}-{resp}"), echo_url,
                             HANDLINGS[req], HANDLINGS[resp])
        _echo_method(apigw, binary, kit.resource(binary, root, "resp-template"), echo_url, None, "CONVERT_TO_BINARY",
                     response_templates={"application/json": '{"data": "$input.body"}'})
        kit.deploy(binary, "prod")
        plain, root = kit.api("plain")
        for req in ("none", "bin"):
            _echo_method(apigw, plain, kit.resource(plain, root, f"{req}-none"), echo_url, HANDLINGS[req], None)
        _echo_method(apigw, plain, kit.resource(plain, root, "req-template"), echo_url, "CONVERT_TO_BINARY", None,
                     templates={"application/json": '{"data": "$input.body"}'})
        kit.deploy(plain, "prod")
        yield {"kit": kit, "binary": binary, "plain": plain, "http": requests.Session(), "clients": clients}
    finally:
        kit.teardown()


def post(apis, which, path, body, content_type, accept="application/json", reply_type=None):
    headers = {"Content-Type": content_type, "Accept": accept, "X-Reply-Type": reply_type or content_type}
    return apis["http"].post(apis["kit"].url(apis[which], "prod", path), data=body, headers=headers, timeout=30)


# ---- integration request (the echo answers what it received; image/png + Accept image/png passes it back) ------

@pytest.mark.parametrize("path, body, content_type, received", [
    ("none-none", b"caf\xc3\xa9 \xff", "text/plain", "café \ufffd".encode()),  # text: UTF-8, bad bytes replaced
    ("bin-none", ENCODED, "text/plain", RAW),                                   # text + CONVERT_TO_BINARY: decoded
    ("text-none", b"plain text", "text/plain", b"plain text"),                  # text + CONVERT_TO_TEXT: the text
    ("none-none", RAW, "image/png", RAW),                                       # binary: unchanged
    ("bin-none", RAW, "image/png", RAW),                                        # binary + CONVERT_TO_BINARY: unchanged
    ("text-none", RAW, "image/png", ENCODED),                                   # binary + CONVERT_TO_TEXT: base64
])
def test_the_integration_request_payload_follows_aws_table(apis, path, body, content_type, received):
    response = post(apis, "binary", path, body, content_type, accept="image/png", reply_type="image/png")
    assert response.status_code == 200, response.content
    assert response.content == received
    assert response.headers["Content-Type"] == "image/png"


def test_without_binary_media_types_a_binary_body_reaches_the_integration_as_utf8_text(apis):
    response = post(apis, "plain", "none-none", RAW, "image/png", reply_type="text/plain")
    assert response.status_code == 200
    assert response.content == RAW.decode("utf-8", errors="replace").encode()
    decoded = post(apis, "plain", "bin-none", ENCODED, "image/png", reply_type="text/plain")
    assert decoded.content == RAW.decode("utf-8", errors="replace").encode()  # decoded, then shown as text


def test_convert_to_binary_of_a_text_that_is_not_base64_is_500_with_the_log_line(apis):
    response = post(apis, "binary", "bin-none", b"this is a UTF8 text typed object", "text/plain")
    assert response.status_code == 500
    assert json_body(response) == {"message": "Internal server error"}
    assert response.headers["x-amzn-ErrorType"] == "InternalServerErrorException"
    lines = execution_log(apis["clients"], apis["binary"], "prod", response.headers["x-amzn-RequestId"])
    assert "Execution failed due to configuration error: Unable to transform request" in lines
    assert lines[-1] == "Method completed with status: 500"


def test_a_request_template_cannot_read_the_decoded_binary(apis):
    """LocalStack's AWS-validated test (an API without binaryMediaTypes, CONVERT_TO_BINARY): the base64 body passes
    as image/png (no template for it: decoded), and is 500 as application/json (its template would read binary)."""
    passed = post(apis, "plain", "req-template", ENCODED, "image/png", reply_type="text/plain")
    assert passed.status_code == 200
    assert passed.content == RAW.decode("utf-8", errors="replace").encode()  # the decoded blob, answered as text
    refused = post(apis, "plain", "req-template", ENCODED, "application/json")
    assert refused.status_code == 500
    assert json_body(refused) == {"message": "Internal server error"}


# ---- integration response (the request passes unchanged: the echo's Content-Type makes it text or binary) ----

@pytest.mark.parametrize("path, body, reply_type, accept, answered", [
    ("none-none", RAW, "image/png", "application/json", ENCODED),       # binary, text Accept: base64-encoded
    ("none-none", RAW, "image/png", "image/png,text/html", RAW),        # binary, binary (first) Accept: binary
    ("none-text", RAW, "image/png", "image/png", ENCODED),              # binary + CONVERT_TO_TEXT: base64-encoded
    ("none-bin", RAW, "image/png", "application/json", RAW),            # binary + CONVERT_TO_BINARY: binary
    ("none-none", ENCODED, "text/plain", "image/png", RAW),             # text, binary Accept: base64-decoded
    ("none-none", ENCODED, "text/plain", "text/html,image/png", ENCODED),  # only the first Accept type counts
    ("none-bin", ENCODED, "text/plain", "application/json", RAW),       # text + CONVERT_TO_BINARY: decoded
    ("none-text", ENCODED, "text/plain", "image/png", ENCODED),         # text + CONVERT_TO_TEXT: the text
])
def test_the_method_response_payload_follows_aws_table(apis, path, body, reply_type, accept, answered):
    content_type = "image/png" if reply_type == "image/png" else "text/plain"
    response = post(apis, "binary", path, body, content_type, accept=accept, reply_type=reply_type)
    assert response.status_code == 200, response.content
    assert response.content == answered


def test_a_response_text_that_is_not_base64_is_500_when_converted_to_binary(apis):
    response = post(apis, "binary", "none-bin", b"not base64 at all!", "text/plain")
    assert response.status_code == 500
    assert json_body(response) == {"message": "Internal server error"}
    lines = execution_log(apis["clients"], apis["binary"], "prod", response.headers["x-amzn-RequestId"])
    assert "Execution failed due to configuration error: Unable to transform response" in lines


def test_a_response_template_cannot_read_a_binary_payload(apis):
    response = post(apis, "binary", "resp-template", ENCODED, "text/plain")
    assert response.status_code == 500
    assert json_body(response) == {"message": "Internal server error"}
