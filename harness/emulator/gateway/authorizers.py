"""Step: Lambda authorizers (TOKEN and REQUEST) of a method whose authorizationType is CUSTOM.

As on AWS ("Use API Gateway Lambda authorizers", "Output from an API Gateway Lambda authorizer"):
- TOKEN: the identity is the header its `identitySource` names (`method.request.header.Authorization`); a missing
  or empty value, or one `identityValidationExpression` does not fully match, is 401 `Unauthorized` without
  calling the function. The event is `{"type": "TOKEN", "methodArn", "authorizationToken"}`.
- REQUEST: the identity is every source named (`method.request.header.X`, `method.request.querystring.x`,
  `stageVariables.x`, `context.x`, comma separated); with caching on, any missing one is 401 without a call.
  The event carries the request as a proxy event does (`type: REQUEST`, `methodArn`, headers, query, path
  parameters, stage variables, requestContext).
- The function raising `Unauthorized` is 401; any other failure, a missing invoke permission (source ARN
  `.../{apiId}/authorizers/{authorizerId}`, unless the authorizer has `authorizerCredentials`), or an answer
  without `principalId` and a policy document of statements is 500 `{"message": null}`
  (AuthorizerConfigurationException).
- The policy is evaluated against the method ARN `arn:aws:execute-api:{region}:{account}:{api}/{stage}/{VERB}/
  {path}` (`*` and `?` wildcards; Action `execute-api:Invoke`, `execute-api:*` or `*`): an explicit Deny is 403
  `... with an explicit deny`, no Allow is 403 `User is not authorized to access this resource`.
- The answer is cached per stage, authorizer and identity for `authorizerResultTtlInSeconds` (default 300, 0 off):
  a cached policy is evaluated against each new method ARN (a policy for one method refuses another, as on AWS).
- `${stageVariables.x}` in the authorizer URI is replaced (stage variables also serve as REQUEST identity sources).
- `requestContext.authorizer` holds `principalId`, the context's values as strings and `integrationLatency`.
Log wording for authorizer failures is our reading of AWS's execution logs [I].
- `usageIdentifierKey` is the request's API key when the API's apiKeySource is AUTHORIZER (chain.py).
- `authorizerCredentials`: a role API Gateway may not assume, or one without lambda:InvokeFunction on the function,
  is 500 `{"message": null}` with `API Gateway does not have permission to assume the provided role <arn>` (as a
  real execution log shows it) or `Invalid permissions on Lambda function`, then `Authorizer error`.
Cognito and IAM authorization are cognito_auth.py and iam_auth.py.
"""
from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from ..aws_errors import AwsError
from ..snapshots import AuthorizerSnapshot, FunctionConfig
from . import gateway_responses
from .authorize import execute_api_source_arn, invoked_arns, is_invoke_allowed
from .context import InvocationContext
from .credentials_role import RoleLookup, may_invoke
from .event import header_maps, request_context
from .execution_log import body_text
from .gateway_responses import GatewayError
from .iam_policy import decision
from .integrate import Submit, render_stage_variables, split_function

AUTHORIZER_TIMEOUT_S = 30.0
_URI = re.compile(r"arn:aws[a-z-]*:apigateway:(?P<region>[^:/]+):lambda:path/(?P<version>[^/]+)/functions/(?P<fn>.+?)"
                  r"/invocations/?", re.S)


@dataclass(frozen=True)
class AuthorizerAnswer:
    """What an authorizer function answered, once parsed."""

    principal_id: str
    statements: tuple[Mapping[str, Any], ...]
    context: Mapping[str, str]
    usage_identifier_key: str | None = None


@dataclass
class AuthorizerCache:
    """Answers kept per (api, stage, authorizer, identity) until their TTL runs out (part of the stack memory)."""

    entries: dict[tuple[str, ...], tuple[float, AuthorizerAnswer]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def get(self, key: tuple[str, ...]) -> AuthorizerAnswer | None:
        with self.lock:
            found = self.entries.get(key)
            if found is None:
                return None
            if found[0] <= time.monotonic():
                del self.entries[key]
                return None
            return found[1]

    def put(self, key: tuple[str, ...], answer: AuthorizerAnswer, ttl_s: int) -> None:
        with self.lock:
            if len(self.entries) > 10000:
                self.entries.clear()
            self.entries[key] = (time.monotonic() + ttl_s, answer)

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()


class MalformedAnswer(ValueError):
    """The authorizer's answer is not a valid authorizer output (the message says why)."""


def parse_answer(payload: bytes) -> AuthorizerAnswer:
    """Validate an authorizer function's output; MalformedAnswer when it is not one."""
    try:
        data = json.loads(payload)
    except ValueError:
        raise MalformedAnswer("not JSON") from None
    if not isinstance(data, dict):
        raise MalformedAnswer("not a JSON object")
    principal = data.get("principalId")
    if principal is None or isinstance(principal, (dict, list)):
        raise MalformedAnswer("no principalId")
    policy = data.get("policyDocument")
    if isinstance(policy, str):
        try:
            policy = json.loads(policy)
        except ValueError:
            raise MalformedAnswer("policyDocument is not JSON") from None
    if not isinstance(policy, dict):
        raise MalformedAnswer("no policyDocument")
    statements = policy.get("Statement")
    if isinstance(statements, dict):
        statements = [statements]
    if not isinstance(statements, list) or not statements or not all(isinstance(s, dict) for s in statements):
        raise MalformedAnswer("policyDocument has no Statement")
    for st in statements:
        if st.get("Effect") not in ("Allow", "Deny") or "Action" not in st or "Resource" not in st:
            raise MalformedAnswer("a statement lacks Effect, Action or Resource")
    context = data.get("context") or {}
    if not isinstance(context, dict):
        raise MalformedAnswer("context is not an object")
    texts = {}
    for key, value in context.items():
        if isinstance(value, (dict, list)):
            raise MalformedAnswer(f"context value {key!r} is not a string, number or boolean")
        texts[str(key)] = "true" if value is True else "false" if value is False else "" if value is None else str(value)
    usage = data.get("usageIdentifierKey")
    return AuthorizerAnswer(principal_id=str(principal), statements=tuple(statements), context=texts,
                            usage_identifier_key=None if usage is None else str(usage))


def evaluate_policy(statements: tuple[Mapping[str, Any], ...], method_arn: str) -> str:
    """`allow`, `deny` (an explicit Deny applies) or `none` (no Allow applies) for execute-api:Invoke."""
    return decision(statements, "execute-api:Invoke", method_arn)


def masked(value: str) -> str:
    """An identity as the execution log shows it: all but its last 4 characters starred [I]."""
    return "*" * max(len(value) - 4, 0) + value[-4:]


def _source_value(ctx: InvocationContext, source: str) -> str | None:
    source = source.strip()
    if source.startswith("method.request.header."):
        return ctx.header(source[len("method.request.header."):])
    if source.startswith("method.request.querystring."):
        return (ctx.query or {}).get(source[len("method.request.querystring."):])
    if source.startswith("method.request.path."):
        return (ctx.path_parameters or {}).get(source[len("method.request.path."):])
    if source.startswith("stageVariables."):
        return (ctx.stage_variables or {}).get(source[len("stageVariables."):])
    if source.startswith("context."):
        known = {"httpMethod": ctx.http_method, "stage": ctx.stage, "requestId": ctx.request_id,
                 "resourcePath": ctx.resource.path if ctx.resource else None, "path": ctx.path,
                 "identity.sourceIp": ctx.source_ip, "identity.userAgent": ctx.user_agent}
        return known.get(source[len("context."):])
    return None


def identity(ctx: InvocationContext, auth: AuthorizerSnapshot) -> list[str] | None:
    """The identity values in source order; None when one is missing and the request must stop (401)."""
    sources = [s for s in (auth.identity_source or "").split(",") if s.strip()]
    if auth.type == "TOKEN" and not sources:
        sources = ["method.request.header.Authorization"]
    values = [_source_value(ctx, s) for s in sources]
    if auth.type == "TOKEN" or auth.ttl_s > 0:
        if any(not v for v in values):
            return None
    return [v or "" for v in values]


def method_arn(ctx: InvocationContext) -> str:
    assert ctx.deployed is not None
    return execute_api_source_arn(ctx.deployed.region, ctx.deployed.account_id, ctx.api_id, ctx.stage,
                                  ctx.http_method, ctx.path)


def _event(ctx: InvocationContext, auth: AuthorizerSnapshot, arn: str, values: list[str]) -> dict[str, Any]:
    if auth.type == "TOKEN":
        return {"type": "TOKEN", "methodArn": arn, "authorizationToken": values[0]}
    assert ctx.resource is not None
    headers, multi = header_maps(ctx.headers)
    return {
        "type": "REQUEST", "methodArn": arn, "resource": ctx.resource.path, "path": ctx.path,
        "httpMethod": ctx.http_method, "headers": headers, "multiValueHeaders": multi,
        "queryStringParameters": ctx.query, "multiValueQueryStringParameters": ctx.multi_query,
        "pathParameters": ctx.path_parameters or None, "stageVariables": ctx.stage_variables or None,
        "requestContext": request_context(ctx),
    }


class LambdaAuthorizers:
    """Runs a method's TOKEN/REQUEST authorizer: `step(ctx)` is the chain step."""

    def __init__(self, *, get_function: Callable[..., FunctionConfig | None],
                 function_policy: Callable[[FunctionConfig], list[dict[str, Any]]], submit: Submit,
                 cache: AuthorizerCache, role_policies: RoleLookup = lambda arn: None) -> None:
        self._get_function = get_function
        self._roles = role_policies
        self._policy = function_policy
        self._submit = submit
        self.cache = cache

    def step(self, ctx: InvocationContext) -> GatewayError | None:
        method = ctx.method
        assert method is not None
        if ctx.test_invoke or method.authorization_type != "CUSTOM" or method.authorizer is None:
            return None
        auth = method.authorizer
        if auth.type not in ("TOKEN", "REQUEST"):
            return None
        ctx.log.add(f"Extended Request Id: {ctx.extended_request_id}")
        ctx.extended_id_logged = True
        started = time.monotonic()
        outcome = self.answer(ctx, auth, method_arn(ctx))
        if isinstance(outcome, GatewayError):
            return outcome
        decision = evaluate_policy(outcome.statements, method_arn(ctx))
        if decision != "allow":
            ctx.log.add("The client is not authorized to perform this operation.")  # the recorded line (docs)
            return gateway_responses.access_denied(decision == "deny")
        ctx.log.add("Successfully completed authorizer execution")
        ctx.usage_identifier_key = outcome.usage_identifier_key
        ctx.authorizer = {"principalId": outcome.principal_id, **outcome.context,
                          "integrationLatency": int((time.monotonic() - started) * 1000)}
        return None

    def answer(self, ctx: InvocationContext, auth: AuthorizerSnapshot, arn: str,
               use_cache: bool = True) -> AuthorizerAnswer | GatewayError:
        """The authorizer's answer for this request (from the cache while its TTL lasts), or the 401/500 error."""
        lines = _Lines(ctx)
        values = identity(ctx, auth)
        if values is None or (auth.type == "TOKEN" and auth.validation_expression
                               and not _full_match(auth.validation_expression, values[0])):
            lines.append(f"Unauthorized request: {ctx.request_id}")
            return gateway_responses.unauthorized()
        key = (ctx.api_id, ctx.stage, auth.id, *values)
        cached = self.cache.get(key) if use_cache and auth.ttl_s > 0 else None
        if cached is not None:
            lines.append(f"Using cached authorizer policy for principal: {masked(cached.principal_id)}")
            return cached
        lines += [f"Starting authorizer: {auth.id} for request: {ctx.request_id}",
                  f"Incoming identity: {masked(','.join(values))}"]
        outcome = self._call(ctx, auth, _event(ctx, auth, arn, values))
        if isinstance(outcome, GatewayError):
            return outcome
        if use_cache and auth.ttl_s > 0:
            self.cache.put(key, outcome, auth.ttl_s)
        lines.append(f"Using valid authorizer policy for principal: {masked(outcome.principal_id)}")
        return outcome

    def _call(self, ctx: InvocationContext, auth: AuthorizerSnapshot, event: dict[str, Any]) -> AuthorizerAnswer | GatewayError:
        assert ctx.deployed is not None
        lines = _Lines(ctx)
        m = _URI.fullmatch(render_stage_variables(auth.uri or "", ctx.stage_variables))
        if m is None:
            return gateway_responses.authorizer_configuration_error(
                f"Execution failed due to configuration error: Invalid authorizer URI: {auth.uri}")
        base, qualifier = split_function(m.group("fn"), ctx.deployed.region, ctx.deployed.account_id)
        parts = base.split(":")
        function = self._get_function(base, parts[3], parts[4], qualifier) if len(parts) >= 7 else None
        uri = f"https://lambda.{m.group('region')}.amazonaws.com/{m.group('version')}/functions/{m.group('fn')}/invocations"
        payload = json.dumps(event).encode()
        lines += [f"Endpoint request URI: {uri}", f"Endpoint request body after transformations: {body_text(payload)}",
                  f"Sending request to {uri}"]
        source = f"arn:aws:execute-api:{ctx.deployed.region}:{ctx.deployed.account_id}:{ctx.api_id}/authorizers/{auth.id}"
        if function is not None and auth.credentials:
            refused = may_invoke(self._roles, auth.credentials, f"{base}:{qualifier}" if qualifier else base)
            if refused is not None:
                return gateway_responses.authorizer_configuration_error(
                    *refused.log_lines, "Execution failed due to configuration error: Authorizer error")
        if function is None or (auth.credentials is None and not is_invoke_allowed(
                self._policy(function), source_arn=source, source_account=ctx.deployed.account_id,
                function_arns=invoked_arns(function.arn, qualifier))):
            return gateway_responses.authorizer_configuration_error(
                "Execution failed due to configuration error: Invalid permissions on Lambda function",
                "Execution failed due to configuration error: Authorizer error")
        try:
            result = self._submit(function, payload).result(timeout=AUTHORIZER_TIMEOUT_S)
        except AwsError as refused:
            return gateway_responses.authorizer_configuration_error(
                f"Lambda invocation failed with status: {refused.status}",
                "Execution failed due to configuration error: Authorizer error")
        except Exception:  # a timeout: the authorizer did not answer in time
            return gateway_responses.authorizer_configuration_error(
                "Execution failed due to a timeout error", "Execution failed due to configuration error: Authorizer error")
        lines.append(f"Authorizer result body before parsing: {body_text(result.payload)}")
        if result.function_error:
            if _error_message(result.payload) == "Unauthorized":
                lines.append(f"Unauthorized request: {ctx.request_id}")
                return gateway_responses.unauthorized()
            return gateway_responses.authorizer_configuration_error(
                f"Execution failed due to configuration error: Authorizer error: {_error_message(result.payload)}")
        try:
            return parse_answer(result.payload)
        except MalformedAnswer as why:
            return gateway_responses.authorizer_configuration_error(
                f"Execution failed due to configuration error: Invalid JSON in response: {why}",
                "Execution failed due to configuration error: Authorizer error")


class _Lines:
    """Appends to the invocation's execution log."""

    def __init__(self, ctx: InvocationContext) -> None:
        self._log = ctx.log

    def append(self, line: str) -> None:
        self._log.add(line)

    def __iadd__(self, lines: list[str]) -> "_Lines":
        self._log.extend(lines)
        return self


def _full_match(expression: str, value: str) -> bool:
    try:
        return re.fullmatch(expression, value) is not None
    except re.error:
        return False


def _error_message(payload: bytes) -> str:
    try:
        data = json.loads(payload)
    except ValueError:
        return payload.decode("utf-8", errors="replace")
    return str(data.get("errorMessage")) if isinstance(data, dict) else str(data)
