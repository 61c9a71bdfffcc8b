"""The Gateway facade: runs the steps in order over one context, renders the outcome once.

    size check -> locate stage -> route -> IAM / Lambda / Cognito authorization -> API key -> throttle ->
    [start execution log] -> request validation -> prepare integration -> AWS_PROXY: build event -> log
    endpoint request -> integration method check -> resolve function -> permission -> invoke -> convert
    response; MOCK, AWS, HTTP, HTTP_PROXY: integrations.py (mappings, templates, integration responses)

A step returns a `GatewayError` to stop the chain, rendered once (`_finish`). An unexpected exception is not
answered here: the execution log records it (`Execution failed due to an internal error`, status 500) and it
is raised to the stack's front, whose one catch-all answers API Gateway's 500 `Internal server error` and logs
the traceback. Real requests write their execution log to CloudWatch Logs; TestInvokeMethod returns it in its
answer. What the gateway remembers between requests (routers, permission decisions, throttle buckets, usage
plan counts) is part of the stack's memory (stack_memory.py), so a reset empties it.
API keys: a method with `apiKeyRequired` takes only an enabled `x-api-key` that a usage plan of the stage
holds (else 403 Forbidden), within the plan's throttle and quota (else 429); with the API's `apiKeySource`
AUTHORIZER the key is the Lambda authorizer's `usageIdentifierKey`. Authorizers run right after routing (IAM,
Lambda, Cognito), then the API key, throttling, the execution, request validation and the integration.
Left out: custom domains, API caching.
"""
from __future__ import annotations

import base64
import json
import logging
import time
import uuid
from typing import TYPE_CHECKING, Any, Callable

from werkzeug.datastructures import Headers
from werkzeug.wrappers import Request, Response

from .. import ids
from ..snapshots import ResourceSnapshot
from . import gateway_responses
from . import integrate
from .authorize import check_permission
from .authorizers import LambdaAuthorizers
from .cognito_auth import CognitoAuthorizer
from .credentials_role import may_invoke
from .iam_auth import IamAuthorizer
from .context import HttpAnswer, InvocationContext
from .custom_responses import render_error
from .gateway_responses import GatewayError
from .event import build_event, header_maps
from .integrate import Submit
from .execution_log import body_text, java_map, now_ms
from .parse import ExecuteApiTarget, execute_api_target, parse_request, parse_test_invoke, raw_request_path
from .respond import convert
from .route import Router, route
from .integrations import NonProxyIntegrations
from .validate import validate_request

if TYPE_CHECKING:  # the facade reads the control plane only through the methods it calls
    from ..control import ControlPlane
    from ..stack_memory import StackMemory

log = logging.getLogger(__name__)

Step = Callable[[InvocationContext], "GatewayError | None"]


def _uuid() -> str:
    return ids.request_id()


def extended_request_id() -> str:
    """16 characters like AWS's x-amz-apigw-id (`KO2fOEk4IAMF0hA=`)."""
    return base64.b64encode(ids.random_bytes(11)).decode("ascii")


def trace_id(incoming: str | None) -> str:
    """The request's X-Amzn-Trace-Id: an incoming one with a Root is kept whole (Root, Parent, Sampled and any
    other field, in its order), with a new `Parent=<16 hex>` after the Root when it has none (API Gateway is
    the next segment; AWS X-Ray docs, "Tracing header"); without one, a new `Root=1-<8 hex time>-<24 hex>`."""
    if incoming:
        parts = [part.strip() for part in incoming.split(";") if part.strip()]
        keys = [part.partition("=")[0].strip().lower() for part in parts]
        if "root" in keys and parts[keys.index("root")].partition("=")[2]:
            if "parent" not in keys:
                parts.insert(keys.index("root") + 1, f"Parent={ids.random_hex(16)}")
            return ";".join(parts)
    return f"Root=1-{int(time.time()):08x}-{ids.random_hex(24)}"


def _wire(value: str) -> str:
    """WSGI header values are latin-1 text: other characters travel as their UTF-8 bytes."""
    try:
        value.encode("latin-1")
        return value
    except UnicodeEncodeError:
        return value.encode("utf-8").decode("latin-1")


def _execution_start_lines(ctx: InvocationContext) -> list[str]:
    """The execution log's first lines (made when the log is read; the request fields no longer change)."""
    assert ctx.resource is not None and ctx.method is not None
    lines = []
    if not ctx.test_invoke:
        api_stage = f"{ctx.api_id}/{ctx.stage}"
        key = masked_key(ctx.api_key) if ctx.api_key else ""
        if not ctx.extended_id_logged:
            lines.append(f"Extended Request Id: {ctx.extended_request_id}")
        lines += [
            f"Verifying Usage Plan for request: {ctx.request_id}. API Key: {key} API Stage: {api_stage}",
        ]
        if ctx.api_key is None:
            lines.append(f"API Key  authorized because method '{ctx.method.http_method} {ctx.resource.path}' does "
                         "not require API Key. Request will not contribute to throttle or quota limits")
        lines.append(f"Usage Plan check succeeded for API Key {key} and API Stage {api_stage}")
    single_headers, _ = header_maps(ctx.headers)
    return lines + [
        f"Starting execution for request: {ctx.request_id}",
        f"HTTP Method: {ctx.http_method}, Resource Path: {ctx.path}",
        f"Method request path: {java_map(ctx.path_parameters)}",
        f"Method request query string: {java_map(ctx.query)}",
        f"Method request headers: {java_map(single_headers)}",
        f"Method request body before transformations: {body_text(ctx.body)}",
    ]


def masked_key(value: str) -> str:
    """An API key as execution logs show it: all but its last 4 characters starred [I]."""
    return "*" * max(len(value) - 4, 0) + value[-4:]


def on_the_wire(answer: HttpAnswer) -> HttpAnswer:
    """`answer` with header values as WSGI carries them (latin-1 text); ValueError for a value no HTTP header
    can carry (CR, LF)."""
    headers = tuple((name, _wire(value)) for name, value in answer.headers)
    if any("\n" in value or "\r" in value for _, value in headers):
        raise ValueError("a header value holds a line break")
    return HttpAnswer(answer.status, headers, answer.body)


def to_response(answer: HttpAnswer) -> Response:
    headers = Headers([(name, _wire(value)) for name, value in answer.headers])
    return Response(answer.body, status=answer.status, headers=headers)


class Gateway:
    """API Gateway REST (v1) data plane for AWS_PROXY Lambda integrations."""

    def __init__(
        self, *, control: ControlPlane, submit: Submit, request_id_factory: Callable[[], str] = _uuid,
        memory: StackMemory | None = None, aws_endpoint: str | None = None,
    ) -> None:
        if memory is None:
            from ..stack_memory import StackMemory

            memory = StackMemory()
        self._control = control
        self._submit = submit
        self._request_id = request_id_factory
        self._routers = memory.routers
        self._log_stream = uuid.uuid4().hex
        self._decisions: dict[tuple[Any, ...], tuple[list[dict[str, Any]], GatewayError | None]] = \
            memory.permission_decisions
        self._proxy: tuple[Step, ...] = (
            self._build_event,
            integrate.check_integration_method,
            lambda c: integrate.resolve_function(c, self._control.get_function),
            self._permit,
            lambda c: integrate.invoke(c, self._submit),
            convert,
        )
        self._non_proxy = NonProxyIntegrations(
            get_function=self._control.get_function, function_policy=self._control.function_policy,
            submit=self._submit, aws_endpoint=aws_endpoint, role_policies=self._control.role_policies)
        self._after_route: tuple[Step, ...] = (
            self._start_execution,
            validate_request,
            integrate.prepare,
            self._integrate,
        )
        self._throttles = memory.stage_throttles
        self._plan_limits = memory.usage_plans
        self._authorizers = LambdaAuthorizers(
            get_function=self._control.get_function, function_policy=self._control.function_policy,
            submit=self._submit, cache=memory.authorizer_results, role_policies=self._control.role_policies)
        self._cognito = CognitoAuthorizer(self._control.user_pool_keys)
        self._iam = IamAuthorizer(self._control.iam_caller)
        self._steps: tuple[Step, ...] = (self._route, self._iam.step, self._authorizers.step, self._cognito.step,
                                         self._check_api_key,
                                         self._throttles.check, *self._after_route)

    # ---- public API ----------------------------------------------------------------------------------

    def answer(self, request: Request, target: ExecuteApiTarget) -> HttpAnswer:
        """Answer one execute-api request (headers as WSGI carries them). An unexpected exception is written to
        the execution log, then raised."""
        ctx = self._new_context(target.api_id, target.stage, request.headers.get("X-Amzn-Trace-Id"))
        try:
            if (request.content_length or 0) > gateway_responses.MAX_REQUEST_BODY:
                ctx.error = gateway_responses.request_too_long()
            else:
                parse_request(ctx, request, self._path(request, target))
                ctx.error = self._locate(ctx) or self._run(ctx, self._steps)
            answer = on_the_wire(self._finish(ctx))
        except Exception as exc:  # recorded, then answered by the front's catch-all
            ctx.error, ctx.answer = gateway_responses.internal_error(f"{type(exc).__name__}: {exc}"), None
            self._finish(ctx)
            self._write_log(ctx)
            raise
        self._write_log(ctx)
        return answer

    def test_invoke(self, request: Request, api_id: str, resource_id: str, http_method: str) -> Response:
        """TestInvokeMethod: run a method of the live (undeployed) tree; 200 JSON with status, body, log...
        (an unexpected exception is raised: the front answers it)."""
        ctx = self._new_context(api_id, "test-invoke-stage", None, test_invoke=True)
        started = time.monotonic()
        failure = self._prepare_test_invoke(ctx, request, resource_id, http_method)
        if failure is not None:  # a control-plane error: the TestInvokeMethod call itself fails
            return to_response(gateway_responses.render(failure, ctx.request_id, ctx.extended_request_id))
        ctx.error = self._run(ctx, self._after_route)
        answer = self._finish(ctx)
        kept = [(k, v) for k, v in answer.headers if k.lower() not in ("x-amzn-requestid", "x-amz-apigw-id")]
        single, multi = header_maps(kept)
        document: dict[str, Any] = {
            "status": answer.status,
            "body": answer.body.decode("utf-8", errors="replace"),
            "headers": single or {},
            "multiValueHeaders": multi or {},
            "log": ctx.log.test_invoke_text(ctx.request_id),
            "latency": int((time.monotonic() - started) * 1000),
        }
        return Response(json.dumps(document), status=200, headers=Headers([
            ("Content-Type", "application/json"), ("x-amzn-RequestId", ctx.request_id),
        ]))

    def test_invoke_authorizer(self, request: Request, api_id: str, authorizer_id: str) -> Response:
        """TestInvokeAuthorizer: run a TOKEN/REQUEST authorizer of the live API on the request the body describes
        (headers, multiValueHeaders, pathWithQueryString, body, stageVariables); 200 JSON with clientStatus
        (200 when it answered a policy, 401, 500), log, latency, principalId and policy. The cache is not used."""
        ctx = self._new_context(api_id, "test-invoke-stage", None)
        started = time.monotonic()
        try:
            spec = json.loads(request.get_data() or b"{}")
        except ValueError:
            spec = None
        if not isinstance(spec, dict):
            return to_response(gateway_responses.render(
                gateway_responses.bad_request("Invalid request body"), ctx.request_id, ctx.extended_request_id))
        live = self._control.live_stage(api_id=api_id)
        auth = self._control.authorizer(api_id, authorizer_id) if live is not None else None
        if live is None or auth is None or auth.type not in ("TOKEN", "REQUEST"):
            message = "Invalid API identifier specified" if live is None else "Invalid Authorizer identifier specified"
            return to_response(gateway_responses.render(gateway_responses.not_found(message), ctx.request_id,
                                                        ctx.extended_request_id))
        ctx.deployed = live
        variables = spec.get("stageVariables")
        ctx.stage_variables = {str(k): str(v) for k, v in variables.items()} if isinstance(variables, dict) and variables else None
        parse_test_invoke(ctx, spec, "GET", "/")
        ctx.resource = ResourceSnapshot(id="test-invoke-resource", path=ctx.path, methods={})
        arn = f"arn:aws:execute-api:{live.region}:{live.account_id}:{api_id}/ESTestInvoke-stage/GET/"
        outcome = self._authorizers.answer(ctx, auth, arn, use_cache=False)
        document: dict[str, Any] = {"log": ctx.log.test_invoke_text(ctx.request_id),
                                    "latency": int((time.monotonic() - started) * 1000)}
        if isinstance(outcome, GatewayError):
            document["clientStatus"] = outcome.status
        else:
            document.update(clientStatus=200, principalId=outcome.principal_id,
                            policy=json.dumps({"Version": "2012-10-17", "Statement": list(outcome.statements)}),
                            authorization={k: [v] for k, v in outcome.context.items()}, claims={})
        return Response(json.dumps(document), status=200, headers=Headers([
            ("Content-Type", "application/json"), ("x-amzn-RequestId", ctx.request_id)]))

    # ---- steps owned by the facade ---------------------------------------------------------------------

    def _new_context(self, api_id: str, stage: str, incoming_trace: str | None, test_invoke: bool = False) -> InvocationContext:
        return InvocationContext(
            request_id=self._request_id(),
            extended_request_id=extended_request_id(),
            trace_id=trace_id(incoming_trace),
            request_time_ms=now_ms(),
            api_id=api_id,
            stage=stage,
            test_invoke=test_invoke,
        )

    @staticmethod
    def _path(request: Request, target: ExecuteApiTarget) -> str:
        """The path after the stage as sent (percent-encoded), re-read from the raw URI when possible."""
        raw = execute_api_target(raw_request_path(request), request.headers.get("Host"))
        if raw is not None and (raw.api_id, raw.stage) == (target.api_id, target.stage):
            return raw.path
        return target.path

    def _locate(self, ctx: InvocationContext) -> GatewayError | None:
        deployed = self._control.deployed_stage(ctx.api_id, ctx.stage) if ctx.stage else None
        if deployed is None:
            if not self._control.api_exists(ctx.api_id):
                return gateway_responses.api_not_found(ctx.api_id)
            return gateway_responses.stage_not_found()
        ctx.deployed = deployed
        ctx.stage_variables = dict(deployed.stage_variables) if deployed.stage_variables else None
        return None

    def _route(self, ctx: InvocationContext) -> GatewayError | None:
        assert ctx.deployed is not None
        return route(ctx, self._routers.get(ctx.deployed))

    def _check_api_key(self, ctx: InvocationContext) -> GatewayError | None:
        """A method that requires an API key takes only an enabled key (`x-api-key`) that a usage plan of this
        stage holds; anything else is 403 Forbidden before anything runs (no execution log [I]). Then the
        plan's throttle and quota for that key (429)."""
        assert ctx.method is not None
        if not ctx.method.api_key_required or ctx.test_invoke:
            return None
        from_authorizer = ctx.deployed is not None and ctx.deployed.api_key_source == "AUTHORIZER"
        value = (ctx.usage_identifier_key if from_authorizer else ctx.header("x-api-key")) or ""
        use = self._control.api_key_use(ctx.api_id, ctx.stage, value)
        if use is None:
            return gateway_responses.forbidden()
        ctx.api_key, ctx.api_key_id = value, use.key_id
        return self._plan_limits.check(use)

    @staticmethod
    def _run(ctx: InvocationContext, steps: tuple[Step, ...]) -> GatewayError | None:
        for step in steps:
            failure = step(ctx)
            if failure is not None:
                return failure
        return None

    @staticmethod
    def _start_execution(ctx: InvocationContext) -> None:
        assert ctx.resource is not None and ctx.method is not None
        ctx.log.defer(lambda: _execution_start_lines(ctx))
        ctx.executing = True

    def _integrate(self, ctx: InvocationContext) -> GatewayError | None:
        """AWS_PROXY runs the Lambda proxy steps; every other type the non-proxy flow (integrations.py)."""
        assert ctx.integration is not None
        if ctx.integration.type == "AWS_PROXY":
            return self._run(ctx, self._proxy)
        return self._non_proxy.step(ctx)

    def _permit(self, ctx: InvocationContext) -> GatewayError | None:
        """The permission step, remembered per (policy revision, source ARN, function) while the control plane
        hands back the same statements list (it does until the policy changes). An integration with a
        `credentials` role needs no resource policy: API Gateway calls Lambda as that role (which it must be able to
        assume, and which must allow lambda:InvokeFunction: credentials_role.py)."""
        assert ctx.function is not None and ctx.deployed is not None
        if ctx.integration is not None and ctx.integration.credentials:
            qualified = f"{ctx.function.arn}:{ctx.qualifier}" if ctx.qualifier else ctx.function.arn
            return may_invoke(self._control.role_policies, ctx.integration.credentials, qualified, ctx)
        statements = self._control.function_policy(ctx.function)
        key = (id(statements), ctx.source_arn, ctx.function.arn, ctx.qualifier, ctx.deployed.account_id)
        known = self._decisions.get(key)
        if known is not None and known[0] is statements:
            return known[1]
        decision = check_permission(ctx, statements)
        if len(self._decisions) > 4096:
            self._decisions.clear()
        self._decisions[key] = (statements, decision)
        return decision

    @staticmethod
    def _build_event(ctx: InvocationContext) -> None:
        build_event(ctx)
        integrate.log_endpoint_request(ctx)

    def _prepare_test_invoke(
        self, ctx: InvocationContext, request: Request, resource_id: str, http_method: str,
    ) -> GatewayError | None:
        try:
            spec = json.loads(request.get_data() or b"{}")
        except ValueError:
            return gateway_responses.bad_request("Invalid request body: not JSON")
        if not isinstance(spec, dict):
            return gateway_responses.bad_request("Invalid request body: not a JSON object")
        live = self._control.live_stage(api_id=ctx.api_id)
        if live is None:
            return gateway_responses.not_found("Invalid API identifier specified")
        resource = next((r for r in live.resources if r.id == resource_id), None)
        if resource is None:
            return gateway_responses.not_found("Invalid Resource identifier specified")
        # a verb the resource lacks runs its ANY method with that verb (the console tests ANY that way) [I]
        method = resource.methods.get(http_method.upper()) or resource.methods.get("ANY")
        if method is None:
            return gateway_responses.not_found("Invalid Method identifier specified")
        ctx.deployed, ctx.stage = live, live.stage
        variables = spec.get("stageVariables")
        ctx.stage_variables = {str(k): str(v) for k, v in variables.items()} if isinstance(variables, dict) and variables else None
        parse_test_invoke(ctx, spec, http_method, resource.path)
        ctx.user_agent = ctx.user_agent or request.headers.get("User-Agent")
        ctx.resource, ctx.method = resource, method
        ctx.path_parameters = Router((resource,)).parameters_for(resource.id, ctx.path) or None
        return None

    # ---- the one place outcomes are rendered ------------------------------------------------------------

    @staticmethod
    def _finish(ctx: InvocationContext) -> HttpAnswer:
        if ctx.error is None and ctx.answer is not None:
            return ctx.answer
        failure = ctx.error or gateway_responses.internal_error("no answer")
        if ctx.executing or (ctx.deployed is not None and failure.status >= 500):
            ctx.log.extend(failure.log_lines)
            ctx.log.add(f"Method completed with status: {failure.status}")
        ctx.answer = render_error(ctx, failure)
        return ctx.answer

    def _write_log(self, ctx: InvocationContext) -> None:
        if ctx.test_invoke or ctx.deployed is None or not ctx.log:
            return
        execution_log, request_id = ctx.log, ctx.request_id
        try:
            self._control.put_log_lines(  # formatted later, by the log shipper (see ExecutionLog.defer)
                ctx.deployed.region, ctx.deployed.account_id,
                f"API-Gateway-Execution-Logs_{ctx.api_id}/{ctx.stage}", self._log_stream,
                lambda: execution_log.cloudwatch_lines(request_id),
            )
        except Exception:  # a log line must never fail a request
            log.exception("could not write the execution log of request %s", ctx.request_id)
