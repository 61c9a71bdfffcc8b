"""Step: validate the function's proxy response and turn it into the client's answer.

Rules (aws-behaviors.md): a JSON object with only `statusCode`, `headers`, `multiValueHeaders`, `body`,
`isBase64Encoded`; anything else -> 502 malformed. `statusCode` int or numeric string, missing/null -> 200.
`body` a string (null -> empty); `headers`/`multiValueHeaders` null or objects, the latter of lists; a header
in both maps -> one header `"multi..., solo"`; booleans -> `true`/`false`; no Content-Type -> application/json.
`isBase64Encoded: true` bodies are decoded only when the request's first Accept value matches the API's
binaryMediaTypes; otherwise the client gets the base64 text.

Choices where AWS is unclear ([I], Jackson-like leniency): numbers in header values and in `body` are
rendered as their JSON text; `"true"`/`"false"` strings are accepted for `isBase64Encoded`; null header values
are skipped; a status outside 100-599, invalid base64 (when decoding), a header name that is not an HTTP
token and CR/LF/NUL in a header value are malformed. `Content-Length`,
`Connection`, `Date`, `Server` and the gateway's own id headers set by the function are renamed
`x-amzn-Remapped-<name>` (AWS remaps such headers; its exact list is longer).
Left out: method/integration response mappings (not used by proxy integrations), content encoding.
"""
from __future__ import annotations

import base64
import binascii
import json
import logging
import re
from dataclasses import dataclass
from typing import Any

from . import gateway_responses
from .context import Header, HttpAnswer, InvocationContext
from .gateway_responses import GatewayError
from .event import is_binary
from .execution_log import body_text, java_map

log = logging.getLogger(__name__)

ALLOWED_KEYS = frozenset({"statusCode", "headers", "multiValueHeaders", "body", "isBase64Encoded"})
REMAPPED = frozenset({"content-length", "connection", "date", "server", "x-amzn-requestid", "x-amz-apigw-id"})


class MalformedProxyResponse(ValueError):
    """The reason a proxy response breaks the rules (goes to the Python log, not to the client)."""


@dataclass(frozen=True)
class ProxyResult:
    """A validated proxy response, before base64 handling and gateway headers."""

    status: int
    headers: tuple[Header, ...]
    body: str
    is_base64: bool


_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_BAD_VALUE = re.compile(r"[\r\n\x00]")


def _checked(name: str, value: str) -> Header:
    """A header safe to send: the name an HTTP token, the value without CR, LF or NUL."""
    if not _TOKEN.fullmatch(name):
        raise MalformedProxyResponse(f"invalid header name {name!r}")
    if _BAD_VALUE.search(value):
        raise MalformedProxyResponse(f"invalid characters in header {name!r}")
    return name, value


def _scalar_text(value: Any, what: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)):
        return json.dumps(value)
    raise MalformedProxyResponse(f"{what} must be a string, got {type(value).__name__}")


def _status(value: Any) -> int:
    if value is None:
        return 200
    if isinstance(value, bool):
        raise MalformedProxyResponse("statusCode must be a number")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str) and value.isascii() and value.isdigit():
        value = int(value)
    if not isinstance(value, int):
        raise MalformedProxyResponse(f"statusCode is not numeric: {value!r}")
    if not 100 <= value <= 599:
        raise MalformedProxyResponse(f"statusCode out of range: {value}")
    return value


def _is_base64(value: Any) -> bool:
    if value is None or isinstance(value, bool):
        return bool(value)
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise MalformedProxyResponse(f"isBase64Encoded must be a boolean, got {value!r}")


def _headers(single: Any, multi: Any) -> list[Header]:
    if single is not None and not isinstance(single, dict):
        raise MalformedProxyResponse("headers must be an object")
    if multi is not None and not isinstance(multi, dict):
        raise MalformedProxyResponse("multiValueHeaders must be an object")
    multi_values: dict[str, tuple[str, list[str]]] = {}
    for name, values in (multi or {}).items():
        if values is None:
            continue
        if not isinstance(values, list):
            raise MalformedProxyResponse(f"multiValueHeaders[{name!r}] must be a list")
        texts = [t for t in (_scalar_text(v, f"multiValueHeaders[{name!r}] item") for v in values) if t is not None]
        entry = multi_values.setdefault(name.lower(), (name, []))
        entry[1].extend(texts)
    out: list[Header] = []
    joined: set[str] = set()
    for name, value in (single or {}).items():
        text = _scalar_text(value, f"headers[{name!r}]")
        if text is None:
            continue
        both = multi_values.get(name.lower())
        if both is not None:
            joined.add(name.lower())
            out.append((both[0], ", ".join([*both[1], text])))
        else:
            out.append((name, text))
    for lower, (name, values) in multi_values.items():
        if lower not in joined:
            out.extend((name, v) for v in values)
    return out


def parse_proxy_response(payload: bytes) -> ProxyResult:
    """Validate a function's result; raises MalformedProxyResponse saying what is wrong."""
    try:
        data = json.loads(payload)
    except ValueError as exc:
        raise MalformedProxyResponse(f"not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise MalformedProxyResponse(f"not a JSON object but {type(data).__name__}")
    extra = set(data) - ALLOWED_KEYS
    if extra:
        raise MalformedProxyResponse(f"unexpected keys {sorted(extra)}")
    body = data.get("body")
    if isinstance(body, (dict, list)):
        raise MalformedProxyResponse("body must be a string")
    return ProxyResult(
        status=_status(data.get("statusCode")),
        headers=tuple(_headers(data.get("headers"), data.get("multiValueHeaders"))),
        body=_scalar_text(body, "body") or "",
        is_base64=_is_base64(data.get("isBase64Encoded")),
    )


def gateway_headers(ctx: InvocationContext) -> tuple[Header, ...]:
    return (
        ("x-amzn-RequestId", ctx.request_id),
        ("x-amz-apigw-id", ctx.extended_request_id),
        ("X-Amzn-Trace-Id", ctx.trace_id),
    )


def to_answer(ctx: InvocationContext, result: ProxyResult) -> HttpAnswer:
    """The client's answer: decoded body when binary, default Content-Type, remapped and gateway headers."""
    assert ctx.deployed is not None
    body = result.body.encode("utf-8")
    if result.is_base64:
        accept = (ctx.header("Accept") or "").split(",", 1)[0]
        if is_binary(accept, ctx.deployed.binary_media_types):
            try:
                body = base64.b64decode(result.body, validate=True)
            except (binascii.Error, ValueError):
                raise MalformedProxyResponse("isBase64Encoded is true but body is not base64") from None
    headers: list[Header] = []
    has_type = False
    for name, value in result.headers:
        lower = name.lower()
        if lower in REMAPPED:
            name = f"x-amzn-Remapped-{name}"
        elif lower == "content-type":
            has_type = True
        headers.append(_checked(name, value))
    if not has_type:
        headers.insert(0, ("Content-Type", "application/json"))
    headers.extend(gateway_headers(ctx))
    return HttpAnswer(result.status, tuple(headers), body)


def convert(ctx: InvocationContext) -> GatewayError | None:
    """Set `ctx.answer` from the invoke result, or return the 502 malformed error."""
    assert ctx.invoke_result is not None
    try:
        answer = to_answer(ctx, parse_proxy_response(ctx.invoke_result.payload))
    except MalformedProxyResponse as why:
        log.info("request %s: malformed Lambda proxy response: %s", ctx.request_id, why)
        return gateway_responses.malformed_proxy_response()
    return complete(ctx, answer)


def complete(ctx: InvocationContext, answer: HttpAnswer) -> None:
    """The method's answer, and the execution log's closing lines (any integration type)."""
    ctx.answer = answer
    shown = {k: v for k, v in answer.headers if k not in ("x-amzn-RequestId", "x-amz-apigw-id")}
    ctx.log.extend((
        f"Method response body after transformations: {body_text(answer.body)}",
        f"Method response headers: {java_map(shown)}",
        "Successfully completed execution",
        f"Method completed with status: {answer.status}",
    ))
    return None
