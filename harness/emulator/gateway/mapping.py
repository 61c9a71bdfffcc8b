"""Parameter mappings and the variables templates see (pure functions over the invocation context).

Sources (AWS "Parameter mapping for REST APIs"): `method.request.{path,querystring,header}.x`,
`method.request.multivalue{querystring,header}.x` (joined with `,`), `method.request.body` and
`method.request.body.<JSONPath>`, `stageVariables.x`, `context.x` (dotted, e.g. `context.authorizer.principalId`),
`'literal'`; in responses `integration.response.header.x`, `integration.response.body[.<JSONPath>]`.
A source with no value maps to nothing (the target is left out).
Left out: `integration.response.multivalueheader.x`.
"""
from __future__ import annotations

import json
from typing import Any, Mapping

from .context import InvocationContext
from .event import domain_name, header_maps
from .execution_log import request_time
from .vtl import InputVariable, JavaMap, response_override, wrap


def method_params(ctx: InvocationContext) -> dict[str, dict[str, str]]:
    """`$input.params()`: path, querystring and header maps of the method request."""
    single, _ = header_maps(ctx.headers)
    return {"path": dict(ctx.path_parameters or {}), "querystring": dict(ctx.query or {}), "header": dict(single or {})}


def context_variables(ctx: InvocationContext) -> JavaMap:
    """`$context` for templates and mappings (a fresh `responseOverride` each time)."""
    assert ctx.deployed is not None
    stage = ctx.deployed
    domain = domain_name(ctx, stage.region)
    resource = ctx.resource
    identity = {"sourceIp": ctx.source_ip, "userAgent": ctx.user_agent, "apiKey": ctx.api_key,
                "apiKeyId": ctx.api_key_id, "accountId": None, "caller": None, "user": None, "userArn": None}
    values: dict[str, Any] = {
        "accountId": stage.account_id, "apiId": ctx.api_id, "deploymentId": stage.deployment_id,
        "domainName": domain, "domainPrefix": domain.split(".", 1)[0], "extendedRequestId": ctx.extended_request_id,
        "httpMethod": ctx.http_method, "identity": identity, "path": f"/{ctx.stage}{ctx.path}",
        "protocol": "HTTP/1.1", "requestId": ctx.request_id, "requestTime": request_time(ctx.request_time_ms),
        "requestTimeEpoch": ctx.request_time_ms, "resourceId": resource.id if resource else None,
        "resourcePath": resource.path if resource else None, "stage": ctx.stage,
        "authorizer": dict(ctx.authorizer or {}),
    }
    out = wrap(values)
    out["responseOverride"] = response_override()
    return out


def template_variables(ctx: InvocationContext, body: bytes, context: JavaMap | None = None) -> dict[str, Any]:
    """What a mapping template sees: `$input` over `body`, `$context`, `$stageVariables`."""
    return {"input": InputVariable(body, method_params(ctx)),
            "context": context if context is not None else context_variables(ctx),
            "stageVariables": JavaMap(ctx.stage_variables or {})}


def _dotted(value: Any, path: str) -> Any:
    for part in path.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


def _json_path(body: bytes, path: str) -> str | None:
    from .vtl import _select

    try:
        document = json.loads(body or b"null")
        found = _select(document, path)
    except Exception:  # not JSON, or a bad path: nothing to map
        return None
    if found is None:
        return None
    return found if isinstance(found, str) else json.dumps(found, separators=(",", ":"))


def source_value(ctx: InvocationContext, source: str, response: tuple[Mapping[str, str], bytes] | None = None) -> str | None:
    """The value a mapping source names (None when it has none); `response` is the integration response's
    (headers, body) for `integration.response.*` sources."""
    source = source.strip()
    if len(source) >= 2 and source[0] == source[-1] == "'":
        return source[1:-1]
    if source.startswith("method.request."):
        where, _, name = source[len("method.request."):].partition(".")
        if where == "path":
            return (ctx.path_parameters or {}).get(name)
        if where == "querystring":
            return (ctx.query or {}).get(name)
        if where == "header":
            return ctx.header(name)
        if where == "multivaluequerystring":
            values = (ctx.multi_query or {}).get(name)
            return ",".join(values) if values else None
        if where == "multivalueheader":
            found = [v for k, v in ctx.headers if k.lower() == name.lower()]
            return ",".join(found) if found else None
        if where == "body":
            return ctx.body.decode("utf-8", errors="replace") if not name else _json_path(ctx.body, "$." + name)
        return None
    if source.startswith("stageVariables."):
        return (ctx.stage_variables or {}).get(source[len("stageVariables."):])
    if source.startswith("context."):
        found = _dotted(context_variables(ctx), source[len("context."):])
        return None if found is None or isinstance(found, Mapping) else str(found)
    if source.startswith("integration.response.") and response is not None:
        headers, body = response
        where, _, name = source[len("integration.response."):].partition(".")
        if where == "header":
            return next((v for k, v in headers.items() if k.lower() == name.lower()), None)
        if where == "body":
            return body.decode("utf-8", errors="replace") if not name else _json_path(body, "$." + name)
    return None


def mapped(ctx: InvocationContext, mappings: Mapping[str, str], prefix: str,
           response: tuple[Mapping[str, str], bytes] | None = None) -> dict[str, dict[str, str]]:
    """Targets `<prefix>.<where>.<name>` grouped by where (`header`, `querystring`, `path`), with their values."""
    out: dict[str, dict[str, str]] = {}
    for target, source in mappings.items():
        if not target.startswith(prefix + "."):
            continue
        where, _, name = target[len(prefix) + 1:].partition(".")
        value = source_value(ctx, source, response)
        if value is not None and name:
            out.setdefault(where, {})[name] = value
    return out
