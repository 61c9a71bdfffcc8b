"""Steps: resolve the Lambda integration, then call the function and wait for it.

The integration URI is `arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{functionArn}/invocations`;
`${stageVariables.x}` in it is replaced first (an unknown variable by the empty string). `functionArn` may
end in `:qualifier`, or be a bare function name (then the API's region and account are used).

Order of checks, as Lambda makes them: integrationHttpMethod must be POST (else Lambda answers 403 XML and the
client gets 500); the function must exist; the resource policy must allow the call (authorize.py); Lambda
may refuse the invoke (429 -> 500); the function may fail (502). The wait is bounded by the integration's
timeout (29 s by default) -> 504; the function itself is never cancelled.

This module serves AWS_PROXY; `prepare` hands MOCK, AWS, HTTP and HTTP_PROXY to integrations.py. An integration
`credentials` role replaces the resource-policy check (chain.py's permission step).
Left out: asynchronous invocation (`X-Amz-Invocation-Type: 'Event'`).
"""
from __future__ import annotations

import concurrent.futures
import json
import re
import time
from email.utils import formatdate
from typing import Callable

from ..aws_errors import AwsError, check_invoke_size
from ..snapshots import FunctionConfig, InvokeResult
from . import gateway_responses
from .authorize import execute_api_source_arn
from .context import InvocationContext
from .gateway_responses import GatewayError
from .execution_log import body_text, java_map

#: LambdaRuntime.submit: (function, event, trace_id=the request's X-Amzn-Trace-Id, which the function's
#: `_X_AMZN_TRACE_ID` continues).
Submit = Callable[..., "concurrent.futures.Future[InvokeResult]"]

DEFAULT_TIMEOUT_MS = 29000
_URI = re.compile(
    r"arn:aws[a-z-]*:apigateway:(?P<region>[^:/]+):lambda:path/(?P<version>[^/]+)/functions/(?P<fn>.+?)/invocations/?",
    re.S,
)
_STAGE_VARIABLE = re.compile(r"\$\{stageVariables\.([^}]*)\}")


def render_stage_variables(text: str, variables: dict[str, str] | None) -> str:
    """Replace `${stageVariables.name}` (unknown names become the empty string)."""
    values = variables or {}
    return _STAGE_VARIABLE.sub(lambda m: str(values.get(m.group(1), "")), text)


def split_function(function: str, region: str, account_id: str) -> tuple[str, str | None]:
    """(unqualified function ARN, qualifier or None) of an ARN, a partial ARN or a bare name."""
    if function.startswith("arn:"):
        parts = function.split(":")
        if len(parts) >= 8:
            return ":".join(parts[:7]), ":".join(parts[7:]) or None
        return function, None
    name, _, qualifier = function.partition(":")
    return f"arn:aws:lambda:{region}:{account_id}:function:{name}", qualifier or None


def prepare(ctx: InvocationContext) -> GatewayError | None:
    """Check the integration and work out function ARN, endpoint URI and source ARN."""
    assert ctx.method is not None and ctx.resource is not None and ctx.deployed is not None
    integration = ctx.method.integration
    if integration is None:
        return gateway_responses.no_integration()
    ctx.integration = integration
    if (integration.type or "").upper() in ("MOCK", "AWS", "HTTP", "HTTP_PROXY"):
        return None  # the non-proxy flow (integrations.py) works out its own target
    if (integration.type or "").upper() != "AWS_PROXY":
        return gateway_responses.unsupported_integration(integration.type)
    uri = render_stage_variables(integration.uri or "", ctx.stage_variables)
    m = _URI.fullmatch(uri)
    if m is None:
        return gateway_responses.invalid_integration_uri(uri)
    ctx.function_arn = m.group("fn")
    _, ctx.qualifier = split_function(ctx.function_arn, ctx.deployed.region, ctx.deployed.account_id)
    ctx.endpoint_uri = (
        f"https://lambda.{m.group('region')}.amazonaws.com/{m.group('version')}/functions/{ctx.function_arn}/invocations"
    )
    ctx.source_arn = execute_api_source_arn(
        ctx.deployed.region, ctx.deployed.account_id, ctx.api_id, ctx.stage, ctx.http_method, ctx.resource.path
    )
    return None


def log_endpoint_request(ctx: InvocationContext) -> None:
    sent = time.time()
    ctx.log.defer(lambda: (
        f"Endpoint request URI: {ctx.endpoint_uri}",
        "Endpoint request headers: "
        + java_map({"X-Amz-Date": time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(sent)), "x-amzn-apigateway-api-id": ctx.api_id,
                    "Accept": "application/json", "User-Agent": "AmazonAPIGateway_" + ctx.api_id,
                    "Host": ctx.endpoint_uri.split("/")[2], "X-Amz-Source-Arn": ctx.source_arn}),
        f"Endpoint request body after transformations: {body_text(ctx.event_bytes)}",
        f"Sending request to {ctx.endpoint_uri}",
    ))


def check_integration_method(ctx: InvocationContext) -> GatewayError | None:
    """Lambda only knows POST .../invocations: any other integrationHttpMethod is refused with 403."""
    assert ctx.integration is not None
    if (ctx.integration.http_method or "").upper() == "POST":
        return None
    ctx.log.extend((
        "Received response. Status: 403, Integration latency: 0 ms",
        f"Endpoint response body before transformations: {gateway_responses.LAMBDA_ACCESS_DENIED_XML}",
    ))
    return gateway_responses.integration_method_not_post()


def resolve_function(ctx: InvocationContext, get_function: Callable[..., FunctionConfig | None]) -> GatewayError | None:
    """Find the function the integration names (`get_function` is ControlPlane.get_function)."""
    assert ctx.deployed is not None
    base, qualifier = split_function(ctx.function_arn, ctx.deployed.region, ctx.deployed.account_id)
    parts = base.split(":")
    if len(parts) < 7:
        return gateway_responses.function_not_found(ctx.function_arn)
    function = get_function(base, parts[3], parts[4], qualifier)
    if function is None:
        return gateway_responses.function_not_found(ctx.function_arn)
    ctx.function = function
    return None


def _endpoint_response_headers(ctx: InvocationContext, result: InvokeResult, received: float) -> str:
    headers = {
        "Date": formatdate(received, usegmt=True),
        "Content-Type": "application/json",
        "Content-Length": str(len(result.payload)),
        "Connection": "keep-alive",
        "x-amzn-RequestId": result.request_id,
    }
    if result.function_error:
        headers["X-Amz-Function-Error"] = result.function_error
    headers["X-Amz-Executed-Version"] = result.executed_version
    headers["X-Amzn-Trace-Id"] = ctx.trace_id
    return java_map(headers)


def _error_message(payload: bytes) -> str:
    try:
        data = json.loads(payload)
    except ValueError:
        return payload.decode("utf-8", errors="replace")
    if isinstance(data, dict) and "errorMessage" in data:
        return str(data["errorMessage"])
    return payload.decode("utf-8", errors="replace")


def invoke(ctx: InvocationContext, submit: Submit) -> GatewayError | None:
    """Call the function and wait at most the integration timeout; set `ctx.invoke_result`."""
    assert ctx.function is not None and ctx.integration is not None
    timeout_ms = ctx.integration.timeout_ms if ctx.integration.timeout_ms and ctx.integration.timeout_ms > 0 \
        else DEFAULT_TIMEOUT_MS
    started = time.monotonic()
    try:
        check_invoke_size(len(ctx.event_bytes))  # a body of 6-10 MB: Lambda refuses the event (413)
        future = submit(ctx.function, ctx.event_bytes, trace_id=ctx.trace_id)
        result = future.result(timeout=timeout_ms / 1000)
    except concurrent.futures.TimeoutError:
        ctx.integration_latency_ms = int((time.monotonic() - started) * 1000)
        return gateway_responses.endpoint_timeout()
    except AwsError as refused:
        ctx.integration_latency_ms = int((time.monotonic() - started) * 1000)
        ctx.log.extend((
            f"Received response. Status: {refused.status}, Integration latency: {ctx.integration_latency_ms} ms",
            f"Endpoint response body before transformations: {refused.lambda_body().decode()}",
        ))
        return gateway_responses.lambda_refused(refused.status, refused.message)
    ctx.integration_latency_ms = int((time.monotonic() - started) * 1000)
    ctx.invoke_result = result
    received, latency_ms = time.time(), ctx.integration_latency_ms
    ctx.log.defer(lambda: (
        f"Received response. Status: {result.status}, Integration latency: {latency_ms} ms",
        f"Endpoint response headers: {_endpoint_response_headers(ctx, result, received)}",
        f"Endpoint response body before transformations: {body_text(result.payload)}",
    ))
    if result.function_error:
        return gateway_responses.customer_function_error(_error_message(result.payload), result.request_id)
    if result.status >= 300:
        return gateway_responses.lambda_refused(result.status, _error_message(result.payload))
    return None
