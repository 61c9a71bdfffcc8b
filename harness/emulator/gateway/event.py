"""Step: build the Lambda proxy event (REST API, payload format 1.0) from the context.

Null versus empty as AWS: no query -> both query maps null; no path parameters -> null; no stage variables
-> null; no body -> null; no headers (TestInvokeMethod without headers) -> both header maps null.
Headers keep their case (but for the names parse.py re-cases, as API Gateway does: `Authorization`); the
single-value map holds a repeated header's LAST value (as for the query string, [I]), the multi-value map every
value, grouped case-insensitively under the first spelling seen. `Content-Length` and `Connection` are not passed
(as LocalStack recorded from AWS).

Body: base64 with `isBase64Encoded: true` when the request's Content-Type (default `application/json`)
matches one of the API's binaryMediaTypes (`image/png`, `image/*`, `*/*`; `~1` read as `/`); otherwise
UTF-8 text. Choice for invalid UTF-8 in a non-binary body: each bad byte becomes U+FFFD, which is what
Java's String decoding (and so, very likely, AWS) does; the event stays text with `isBase64Encoded: false`.

Identity: every field null except sourceIp and userAgent; TestInvokeMethod gets AWS's test values
(`test-invoke-source-ip`, `test-invoke-api-key`, domain `testPrefix.testDomainName`, path without stage).
An authorizer's output is `requestContext.authorizer` (principalId, context values, integrationLatency).
Left out: CloudFront-* / Via / X-Amz-Cf-Id headers, client certificates.
"""
from __future__ import annotations

import base64
import functools
import json
import re
from typing import Any, Iterable

from .context import InvocationContext
from .execution_log import request_time

DROPPED_HEADERS = frozenset({"content-length", "connection"})
_EXECUTE_API_HOST = re.compile(r"[A-Za-z0-9_-]+\.execute-api\.", re.I)


@functools.lru_cache(maxsize=1024)
def _media_patterns(binary_media_types: tuple[str, ...]) -> tuple[re.Pattern[str], ...]:
    out = []
    for raw in binary_media_types:
        text = (raw or "").replace("~1", "/").strip().lower()
        if text:
            out.append(re.compile(".*".join(re.escape(p) for p in text.split("*")), re.S))
    return tuple(out)


def media_type(header_value: str | None) -> str:
    """`image/png; q=1` -> `image/png` (lower case; empty when absent)."""
    if not header_value:
        return ""
    return header_value.split(";", 1)[0].strip().lower()


def is_binary(header_value: str | None, binary_media_types: tuple[str, ...], default: str = "") -> bool:
    """Does a Content-Type / Accept value match one of the API's binaryMediaTypes (`*` wildcards)?"""
    patterns = _media_patterns(tuple(binary_media_types))
    if not patterns:
        return False
    kind = media_type(header_value) or default
    return bool(kind) and any(p.fullmatch(kind) for p in patterns)


def header_maps(headers: Iterable[tuple[str, str]]) -> tuple[dict[str, str] | None, dict[str, list[str]] | None]:
    """(headers, multiValueHeaders) of the event; both None when there is no header."""
    single: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    spelling: dict[str, str] = {}
    for name, value in headers:
        lower = name.lower()
        if lower in DROPPED_HEADERS:
            continue
        key = spelling.setdefault(lower, name)
        single[key] = value
        multi.setdefault(key, []).append(value)
    if not single:
        return None, None
    return single, multi


def domain_name(ctx: InvocationContext, region: str) -> str:
    if ctx.test_invoke:
        return "testPrefix.testDomainName"
    if ctx.host and _EXECUTE_API_HOST.match(ctx.host):
        return ctx.host.split(":", 1)[0]
    return f"{ctx.api_id}.execute-api.{region}.amazonaws.com"


def _identity(ctx: InvocationContext, account_id: str) -> dict[str, Any]:
    identity: dict[str, Any] = {
        "accessKey": None,
        "accountId": None,
        "caller": None,
        "cognitoAuthenticationProvider": None,
        "cognitoAuthenticationType": None,
        "cognitoIdentityId": None,
        "cognitoIdentityPoolId": None,
        "principalOrgId": None,
        "sourceIp": ctx.source_ip,
        "user": None,
        "userAgent": ctx.user_agent,
        "userArn": None,
    }
    if ctx.test_invoke:
        identity.update(accountId=account_id, apiKey="test-invoke-api-key", apiKeyId="test-invoke-api-key-id")
    elif ctx.api_key is not None:
        identity.update(apiKey=ctx.api_key, apiKeyId=ctx.api_key_id)
    if ctx.iam_identity:
        identity.update(ctx.iam_identity)
    return identity


def request_context(ctx: InvocationContext) -> dict[str, Any]:
    assert ctx.deployed is not None and ctx.resource is not None
    stage = ctx.deployed
    domain = domain_name(ctx, stage.region)
    context: dict[str, Any] = {
        "accountId": stage.account_id,
        "apiId": ctx.api_id,
        "deploymentId": stage.deployment_id,
        "domainName": domain,
        "domainPrefix": domain.split(".", 1)[0],
        "extendedRequestId": ctx.extended_request_id,
        "httpMethod": ctx.http_method,
        "identity": _identity(ctx, stage.account_id),
        "path": ctx.path if ctx.test_invoke else f"/{ctx.stage}{ctx.sent_path or ctx.path}",
        "protocol": "HTTP/1.1",
        "requestId": ctx.request_id,
        "requestTime": request_time(ctx.request_time_ms),
        "requestTimeEpoch": ctx.request_time_ms,
        "resourceId": ctx.resource.id,
        "resourcePath": ctx.resource.path,
        "stage": ctx.stage,
    }
    if ctx.authorizer is not None:
        context["authorizer"] = dict(ctx.authorizer)
    return context


def event_body(ctx: InvocationContext) -> tuple[str | None, bool]:
    """(body, isBase64Encoded) of the event."""
    if not ctx.body:
        return None, False
    assert ctx.deployed is not None
    if is_binary(ctx.header("Content-Type"), ctx.deployed.binary_media_types, default="application/json"):
        return base64.b64encode(ctx.body).decode("ascii"), True
    return ctx.body.decode("utf-8", errors="replace"), False


def build_event(ctx: InvocationContext) -> None:
    """Set `ctx.event` and `ctx.event_bytes`."""
    assert ctx.resource is not None
    headers, multi_headers = header_maps(ctx.headers)
    body, is_b64 = event_body(ctx)
    ctx.event = {
        "resource": ctx.resource.path,
        "path": ctx.path,
        "httpMethod": ctx.http_method,
        "headers": headers,
        "multiValueHeaders": multi_headers,
        "queryStringParameters": ctx.query,
        "multiValueQueryStringParameters": ctx.multi_query,
        "pathParameters": ctx.path_parameters or None,
        "stageVariables": ctx.stage_variables or None,
        "requestContext": request_context(ctx),
        "body": body,
        "isBase64Encoded": is_b64,
    }
    ctx.event_bytes = json.dumps(ctx.event).encode()
