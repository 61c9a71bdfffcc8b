"""Step: integrations other than AWS_PROXY — MOCK, AWS (Lambda custom integration), HTTP and HTTP_PROXY.

The non-proxy flow, in AWS's order ("Integration request", "Integration response" in the developer guide):
1. request parameters mapped (`integration.request.{header,querystring,path}.x`, see mapping.py);
2. the request template chosen by the request's Content-Type (`application/json` when none); no template for it:
   `passthroughBehavior` WHEN_NO_MATCH passes the body, WHEN_NO_TEMPLATES passes it only when the integration
   has no template at all, NEVER refuses: 415 `Unsupported Media Type`. Then the integration's `contentHandling`
   converts the payload (content_handling.py); a template that fails is 500 with
   `Execution failed due to configuration error: Unable to transform request`;
3. the backend: MOCK answers the `statusCode` of the transformed body (200 when none); AWS Lambda invokes the
   function synchronously with the body (a function error is not a failure: its `errorMessage` selects the
   response); HTTP calls the URI (`{x}` from `integration.request.path.x`, stage variables substituted; a
   value is URL-encoded into its place, see `url_path_value`);
4. the integration response chosen by `selectionPattern` (a regular expression matched in full against the
   Lambda `errorMessage`, or the HTTP/MOCK status code; the response without a pattern is the default); none
   matching and no default: 500 `No match for output mapping and no default output mapping configured`;
5. the integration response's `contentHandling` conversion (content_handling.py), response parameters
   (`method.response.header.x`) and the response template (`application/json`, else the
   first; none: the body passes), `$context.responseOverride.status/header.x` applied last. A response template
   that fails is 500 `Unable to transform response`.
HTTP_PROXY passes the request (verb, headers, query string, body) and the backend's answer unchanged.
An integration `credentials` role lets API Gateway call the function without a resource policy: the role must be
assumable by API Gateway and allow lambda:InvokeFunction (credentials_role.py).
AWS service integrations (DynamoDB, SQS and SNS actions; S3 and SQS paths) are called on the stack itself, as the
integration's `credentials` role (service_integrations.py); the answer's HTTP status selects the integration
response.
Left out: other AWS services (500 saying so), VPC links, mutual TLS, `integration.response.multivalueheader`.
"""
from __future__ import annotations

import concurrent.futures
import json
import re
import time
from dataclasses import dataclass
from typing import Any, Callable, Mapping
from urllib.parse import quote

import requests

from ..aws_errors import AwsError
from ..snapshots import FunctionConfig, IntegrationResponseSnapshot
from . import gateway_responses
from .authorize import execute_api_source_arn, invoked_arns, is_invoke_allowed
from .content_handling import ConversionFailure, is_text, request_payload, response_payload
from .context import Header, HttpAnswer, InvocationContext
from .credentials_role import RoleLookup, may_invoke
from .event import media_type
from .execution_log import body_text, java_map
from .gateway_responses import GatewayError
from .integrate import DEFAULT_TIMEOUT_MS, Submit, render_stage_variables, split_function
from .mapping import context_variables, mapped, template_variables
from .respond import complete, gateway_headers
from .service_integrations import call_service, plan
from .vtl import TemplateFailure, render

_LAMBDA_URI = re.compile(
    r"arn:aws[a-z-]*:apigateway:(?P<region>[^:/]+):lambda:path/(?P<version>[^/]+)/functions/(?P<fn>.+?)/invocations/?",
    re.S)
_PATH_VARIABLE = re.compile(r"\{([^{}]+?)\+?\}")
#: What a URL path keeps literally (RFC 3986 `pchar` and `/`); everything else of a value is percent-encoded.
_PATH_CHARACTERS = "/!$&'()*+,;=:@"
_HOP_BY_HOP = frozenset({"connection", "keep-alive", "transfer-encoding", "content-length", "host", "te",
                         "upgrade", "proxy-authorization", "proxy-authenticate", "trailer", "content-encoding"})


def _header(headers: Mapping[str, str], name: str) -> str | None:
    return next((v for k, v in headers.items() if k.lower() == name.lower()), None)


def url_path_value(value: str, source: str) -> str:
    """`value` as it goes into an HTTP integration's URI for `{x}`: a method request path parameter is still
    percent-encoded as the client sent it (route.py) and keeps its escapes; a value of any other source (query
    string, header, stage or context variable, literal) is text and is percent-encoded. Either way nothing that
    would end the path (`?`, `#`, a space) or leave UTF-8 unencoded reaches the URL; `/` stays a separator.
    Left out: dot segments (`..`) are passed as they are, as the backend URL is the API owner's own."""
    keep = _PATH_CHARACTERS + ("%" if source.startswith("method.request.path.") else "")
    return quote(value, safe=keep)


@dataclass(frozen=True)
class Backend:
    """The backend's answer: status, headers, body, and what selects the integration response."""

    status: int
    headers: dict[str, str]
    body: bytes
    selector: str


class NonProxyIntegrations:
    """The chain step for MOCK, AWS, HTTP and HTTP_PROXY integrations (`step`)."""

    def __init__(self, *, get_function: Callable[..., FunctionConfig | None],
                 function_policy: Callable[[FunctionConfig], list[dict[str, Any]]], submit: Submit,
                 aws_endpoint: str | None = None, role_policies: RoleLookup = lambda arn: None) -> None:
        self._aws_endpoint = aws_endpoint
        self._roles = role_policies
        self._get_function = get_function
        self._policy = function_policy
        self._submit = submit
        self._http = requests.Session()
        self._http.trust_env = False  # a proxy from the environment would not be API Gateway's network

    # ---- the step --------------------------------------------------------------------------------------

    def step(self, ctx: InvocationContext) -> GatewayError | None:
        integration = ctx.integration
        assert integration is not None
        if integration.type == "HTTP_PROXY":
            return self._http_proxy(ctx)
        params = mapped(ctx, integration.request_parameters, "integration.request")
        body_or_error = self._transform_request(ctx)
        if isinstance(body_or_error, GatewayError):
            return body_or_error
        body = body_or_error
        if integration.type == "MOCK":
            backend = self._mock(ctx, body)
        elif integration.type == "AWS":
            backend = self._aws(ctx, body, params)
        elif integration.type == "HTTP":
            backend = self._http_call(ctx, body, params)
        else:
            return gateway_responses.unsupported_integration(integration.type)
        if isinstance(backend, GatewayError):
            return backend
        return self._respond(ctx, backend)

    # ---- request ----------------------------------------------------------------------------------------

    def _transform_request(self, ctx: InvocationContext) -> bytes | GatewayError:
        integration = ctx.integration
        assert integration is not None
        templates = integration.request_templates
        content_type = media_type(ctx.header("Content-Type")) or "application/json"
        template = templates.get(content_type)
        if template is None:
            behavior = integration.passthrough_behavior
            if behavior == "NEVER" or (behavior == "WHEN_NO_TEMPLATES" and templates):
                return gateway_responses.unsupported_media_type()
        assert ctx.deployed is not None
        try:
            body = request_payload(ctx.body, ctx.header("Content-Type"), ctx.deployed.binary_media_types,
                                   integration.content_handling)
        except ConversionFailure as why:
            return gateway_responses.conversion_failure("request", str(why))
        if template is None:
            return body
        if not is_text(body):
            return gateway_responses.conversion_failure("request", "a mapping template cannot read binary data")
        try:
            return render(template, template_variables(ctx, body)).encode("utf-8")
        except TemplateFailure as why:
            return gateway_responses.template_failure("request", str(why))

    # ---- backends ---------------------------------------------------------------------------------------

    @staticmethod
    def _mock(ctx: InvocationContext, body: bytes) -> Backend:
        status = 200
        try:
            document = json.loads(body) if body.strip() else {}
            if isinstance(document, dict) and document.get("statusCode") is not None:
                status = int(document["statusCode"])
        except (ValueError, TypeError):
            pass
        ctx.log.add(f"Endpoint request body after transformations: {body_text(body)}")
        return Backend(status, {}, b"", str(status))

    def _aws(self, ctx: InvocationContext, body: bytes, params: dict[str, dict[str, str]]) -> Backend | GatewayError:
        integration = ctx.integration
        assert integration is not None and ctx.deployed is not None and ctx.resource is not None
        uri = render_stage_variables(integration.uri or "", ctx.stage_variables)
        m = _LAMBDA_URI.fullmatch(uri)
        if m is None:
            call = plan(ctx, uri, body, params)
            if isinstance(call, GatewayError) or not self._aws_endpoint:
                return call if isinstance(call, GatewayError) else gateway_responses.unsupported_integration(uri)
            answer = call_service(ctx, call, endpoint=self._aws_endpoint, roles=self._roles, http=self._http,
                                  timeout_s=(integration.timeout_ms or DEFAULT_TIMEOUT_MS) / 1000)
            if isinstance(answer, GatewayError):
                return answer
            return Backend(answer.status, answer.headers, answer.body, str(answer.status))
        base, qualifier = split_function(m.group("fn"), ctx.deployed.region, ctx.deployed.account_id)
        parts = base.split(":")
        function = self._get_function(base, parts[3], parts[4], qualifier) if len(parts) >= 7 else None
        endpoint = f"https://lambda.{m.group('region')}.amazonaws.com/{m.group('version')}/functions/{m.group('fn')}/invocations"
        ctx.log.extend((f"Endpoint request URI: {endpoint}",
                        f"Endpoint request body after transformations: {body_text(body)}",
                        f"Sending request to {endpoint}"))
        if function is None:
            return gateway_responses.function_not_found(m.group("fn"))
        source = execute_api_source_arn(ctx.deployed.region, ctx.deployed.account_id, ctx.api_id, ctx.stage,
                                        ctx.http_method, ctx.resource.path)
        if integration.credentials:
            refused = may_invoke(self._roles, integration.credentials, f"{base}:{qualifier}" if qualifier else base, ctx)
            if refused is not None:
                return refused
        elif not is_invoke_allowed(self._policy(function), source_arn=source, source_account=ctx.deployed.account_id,
                                   function_arns=invoked_arns(function.arn, qualifier)):
            return gateway_responses.invalid_permissions()
        timeout = (integration.timeout_ms or DEFAULT_TIMEOUT_MS) / 1000
        started = time.monotonic()
        try:
            result = self._submit(function, body, trace_id=ctx.trace_id).result(timeout=timeout)
        except concurrent.futures.TimeoutError:
            return gateway_responses.endpoint_timeout()
        except AwsError as refused:
            return gateway_responses.lambda_refused(refused.status, refused.message)
        ctx.integration_latency_ms = int((time.monotonic() - started) * 1000)
        ctx.log.extend((f"Received response. Status: {result.status}, Integration latency: {ctx.integration_latency_ms} ms",
                        f"Endpoint response body before transformations: {body_text(result.payload)}"))
        selector = ""
        if result.function_error:
            try:
                data = json.loads(result.payload)
                selector = str(data.get("errorMessage", "")) if isinstance(data, dict) else ""
            except ValueError:
                selector = result.payload.decode("utf-8", errors="replace")
        return Backend(200, {"Content-Type": "application/json"}, result.payload, selector)

    def _url(self, ctx: InvocationContext, path_values: Mapping[str, str]) -> str:
        assert ctx.integration is not None
        uri = render_stage_variables(ctx.integration.uri or "", ctx.stage_variables)
        sources = ctx.integration.request_parameters

        def value(m: re.Match[str]) -> str:
            name = m.group(1)
            if name in path_values:
                return url_path_value(path_values[name], sources.get(f"integration.request.path.{name}", ""))
            return url_path_value((ctx.path_parameters or {}).get(name, ""), f"method.request.path.{name}")

        return _PATH_VARIABLE.sub(value, uri)

    def _send(self, ctx: InvocationContext, verb: str, url: str, headers: dict[str, str], query: Any,
              body: bytes) -> Backend | GatewayError:
        assert ctx.integration is not None
        ctx.log.extend((f"Endpoint request URI: {url}", f"Endpoint request headers: {java_map(headers)}",
                        f"Endpoint request body after transformations: {body_text(body)}",
                        f"Sending request to {url}"))
        started = time.monotonic()
        try:
            answer = self._http.request(verb, url, headers=headers, params=query, data=body or None,
                                        timeout=(ctx.integration.timeout_ms or DEFAULT_TIMEOUT_MS) / 1000,
                                        allow_redirects=False)
        except requests.Timeout:
            return gateway_responses.endpoint_timeout()
        except requests.RequestException as exc:
            return gateway_responses.endpoint_unreachable(url, type(exc).__name__)
        ctx.integration_latency_ms = int((time.monotonic() - started) * 1000)
        received = {k: v for k, v in answer.headers.items()}
        ctx.log.extend((f"Received response. Status: {answer.status_code}, Integration latency: {ctx.integration_latency_ms} ms",
                        f"Endpoint response headers: {java_map(received)}",
                        f"Endpoint response body before transformations: {body_text(answer.content)}"))
        return Backend(answer.status_code, received, answer.content, str(answer.status_code))

    def _http_call(self, ctx: InvocationContext, body: bytes, params: dict[str, dict[str, str]]) -> Backend | GatewayError:
        assert ctx.integration is not None
        url = self._url(ctx, params.get("path", {}))
        headers = dict(params.get("header", {}))
        headers.setdefault("Content-Type", ctx.header("Content-Type") or "application/json")
        return self._send(ctx, (ctx.integration.http_method or ctx.http_method).upper(), url, headers,
                          params.get("querystring") or None, body)

    def _http_proxy(self, ctx: InvocationContext) -> GatewayError | None:
        integration = ctx.integration
        assert integration is not None
        params = mapped(ctx, integration.request_parameters, "integration.request")
        url = self._url(ctx, params.get("path", {}))
        headers = {k: v for k, v in ctx.headers if k.lower() not in _HOP_BY_HOP}
        headers.update(params.get("header", {}))
        query = [(k, v) for k, values in (ctx.multi_query or {}).items() for v in values]
        query += list(params.get("querystring", {}).items())
        verb = ctx.http_method if (integration.http_method or "ANY").upper() == "ANY" else integration.http_method
        backend = self._send(ctx, str(verb).upper(), url, headers, query or None, ctx.body)
        if isinstance(backend, GatewayError):
            return backend
        kept: list[Header] = [(k, v) for k, v in backend.headers.items() if k.lower() not in _HOP_BY_HOP]
        return complete(ctx, HttpAnswer(backend.status, (*kept, *gateway_headers(ctx)), backend.body))

    # ---- response ---------------------------------------------------------------------------------------

    @staticmethod
    def select(responses: tuple[IntegrationResponseSnapshot, ...], selector: str) -> IntegrationResponseSnapshot | None:
        """The integration response whose pattern matches `selector` in full, else the default one."""
        default = None
        for response in responses:
            pattern = response.selection_pattern
            if not pattern or pattern == "default":
                default = default or response
                continue
            try:
                if re.fullmatch(pattern, selector, re.S):
                    return response
            except re.error:
                continue
        return default

    def _respond(self, ctx: InvocationContext, backend: Backend) -> GatewayError | None:
        assert ctx.integration is not None
        chosen = self.select(ctx.integration.responses, backend.selector)
        if chosen is None:
            return gateway_responses.no_output_mapping(backend.status)
        try:
            status = int(chosen.status_code)
        except ValueError:
            status = 500
        response_params = mapped(ctx, chosen.parameters, "method.response", (backend.headers, backend.body))
        headers: list[Header] = list(response_params.get("header", {}).items())
        assert ctx.deployed is not None
        try:
            body = response_payload(backend.body, _header(backend.headers, "Content-Type"), ctx.header("Accept"),
                                    ctx.deployed.binary_media_types, chosen.content_handling)
        except ConversionFailure as why:
            return gateway_responses.conversion_failure("response", str(why))
        context = context_variables(ctx)
        templates = chosen.templates
        template = templates.get("application/json") if "application/json" in templates else next(iter(templates.values()), None)
        if template is not None:
            if not is_text(body):
                return gateway_responses.conversion_failure("response", "a mapping template cannot read binary data")
            try:
                body = render(template, template_variables(ctx, body, context)).encode("utf-8")
            except TemplateFailure as why:
                return gateway_responses.template_failure("response", str(why))
        override = context.get("responseOverride") or {}
        if override.get("status") is not None:
            try:
                status = int(override["status"])
            except (TypeError, ValueError):
                pass
        for name, value in (override.get("header") or {}).items():
            headers = [(k, v) for k, v in headers if k.lower() != str(name).lower()] + [(str(name), str(value))]
        if not any(k.lower() == "content-type" for k, _ in headers):
            headers.insert(0, ("Content-Type", "application/json"))
        return complete(ctx, HttpAnswer(status, (*headers, *gateway_headers(ctx)), body))

