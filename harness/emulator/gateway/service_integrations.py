"""AWS service integrations (type `AWS`, not Lambda): the call API Gateway makes to a service the stack serves.

URIs (AWS "Integration" API reference, `uri`): `arn:aws:apigateway:{region}:{service}:action/{Action}` or
`arn:aws:apigateway:{region}:{service}:path/{path}` (`{x}` in the path from `integration.request.path.x`).
Served here, as the stack itself serves them (moto):
- DynamoDB actions (JSON protocol: `POST /` with `X-Amz-Target: DynamoDB_20120810.<Action>`, the body is the
  action's request);
- SQS and SNS actions (query protocol: `?Action=<Action>` with the mapped query string, the body as the template
  made it, e.g. `Action=SendMessage&MessageBody=...` form-encoded); SQS paths (`path/{account}/{queue}`);
- S3 paths (`path/{bucket}/{key}`: the integration's HTTP method on the object, e.g. GET -> GetObject, PUT ->
  PutObject; a bucket alone: ListBucket...).
The request is signed with SigV4 for the service and sent to the stack; the answer (status, headers, body) is
the endpoint response whose status selects the integration response. Before sending, the integration's
`credentials` role is assumed and its policies must allow the action on the resource (credentials_role.py); when
they do not, the answer is the service's own refusal: DynamoDB 400 `AccessDeniedException` (JSON), SQS 403
`AccessDenied`, SNS 403 `AuthorizationError` (query XML), S3 403 `AccessDenied` (XML) [I: the XML shapes are those
services' usual error documents; the message is IAM's wording].
Left out: other services (500 saying so), the `Version` parameter, cross-region calls (the stack has one endpoint).
"""
from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from typing import Mapping
from urllib.parse import parse_qsl, quote, unquote, urlencode

import requests

from . import gateway_responses
from .context import InvocationContext
from .credentials_role import RoleLookup, assume, dynamodb_resources, refusal
from .execution_log import body_text, java_map
from .gateway_responses import GatewayError

SERVICE_URI = re.compile(
    r"arn:aws[a-z-]*:apigateway:(?P<region>[^:/]+):(?P<service>[a-z0-9-]+):(?P<kind>action|path)/(?P<rest>.*)", re.S)
#: JSON-protocol services: X-Amz-Target prefix and Content-Type.
JSON_TARGETS = {"dynamodb": ("DynamoDB_20120810", "application/x-amz-json-1.0")}
QUERY_ACTIONS = frozenset({"sqs", "sns"})
PATHS = frozenset({"s3", "sqs"})
_S3_OBJECT_ACTIONS = {"GET": "GetObject", "HEAD": "GetObject", "PUT": "PutObject", "POST": "PutObject",
                      "DELETE": "DeleteObject"}
_S3_BUCKET_ACTIONS = {"GET": "ListBucket", "HEAD": "ListBucket", "PUT": "CreateBucket", "DELETE": "DeleteBucket"}
_PATH_VARIABLE = re.compile(r"\{([^{}]+?)\+?\}")


@dataclass(frozen=True)
class ServiceCall:
    """One request to a service, and what IAM authorizes it as."""

    service: str
    region: str
    verb: str
    path: str  # from the endpoint's root, starting with `/`, percent-encoded
    query: tuple[tuple[str, str], ...]
    headers: Mapping[str, str]
    body: bytes
    action: str  # IAM action, e.g. `sqs:SendMessage`
    resources: tuple[str, ...]
    shown_query: tuple[tuple[str, str], ...] = ()  # in the logged URI only (`?Action=` of a JSON-protocol action)

    @property
    def public_uri(self) -> str:
        """The URI as the execution log shows it (the service's public endpoint)."""
        shown = self.shown_query + self.query
        query = f"?{urlencode(shown)}" if shown else ""
        return f"https://{self.service}.{self.region}.amazonaws.com{self.path}{query}"


def _params(query: Mapping[str, str], body: bytes, content_type: str) -> dict[str, str]:
    """Query-protocol parameters: the query string's, then a form-encoded body's."""
    found = dict(query)
    if "x-www-form-urlencoded" in content_type.lower():
        found.update(parse_qsl(body.decode("utf-8", errors="replace"), keep_blank_values=True))
    return found


def _queue_arn(region: str, account_id: str, queue_url_or_path: str) -> str:
    parts = [p for p in queue_url_or_path.split("?")[0].split("/") if p]
    if len(parts) >= 2:
        return f"arn:aws:sqs:{region}:{parts[-2]}:{parts[-1]}"
    return f"arn:aws:sqs:{region}:{account_id}:*"


def plan(ctx: InvocationContext, uri: str, body: bytes, params: Mapping[str, Mapping[str, str]]) -> ServiceCall | GatewayError:
    """The call an `AWS` integration URI asks for (a 500 for what the stack does not serve)."""
    assert ctx.integration is not None and ctx.deployed is not None
    m = SERVICE_URI.fullmatch(uri)
    if m is None:
        return gateway_responses.unsupported_integration(f"AWS ({uri})")
    service, region, kind, rest = m.group("service"), m.group("region"), m.group("kind"), m.group("rest")
    account = ctx.deployed.account_id
    headers = dict(params.get("header", {}))
    query = dict(params.get("querystring", {}))
    verb = (ctx.integration.http_method or "POST").upper()
    if verb == "ANY":
        verb = ctx.http_method.upper()
    if kind == "action" and service in JSON_TARGETS:
        prefix, content_type = JSON_TARGETS[service]
        headers.update({"X-Amz-Target": f"{prefix}.{rest}", "Content-Type": content_type})
        return ServiceCall(service, region, "POST", "/", (), headers, body, f"{service}:{rest}",
                           tuple(dynamodb_resources(region, account, body)), shown_query=(("Action", rest),))
    if kind == "action" and service in QUERY_ACTIONS:
        headers.setdefault("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
        found = _params(query, body, headers["Content-Type"])
        if service == "sns":
            resources = (found.get("TopicArn") or found.get("TargetArn") or "*",)
        else:
            resources = (_queue_arn(region, account, found.get("QueueUrl", "")),)
        return ServiceCall(service, region, verb, "/", (("Action", rest), *query.items()), headers, body,
                           f"{service}:{rest}", resources)
    if kind == "path" and service in PATHS:
        path_values = params.get("path", {})
        path = _PATH_VARIABLE.sub(lambda v: quote(path_values.get(v.group(1), (ctx.path_parameters or {}).get(
            v.group(1), "")), safe="/"), rest)
        # `.` and `..` from a request are names, never steps up: the call stays on the resource IAM checked
        path = "/".join(part.replace(".", "%2E") if part in (".", "..") else part for part in path.split("/"))
        if service == "s3":
            bucket, _, key = unquote(path).partition("/")
            actions = _S3_OBJECT_ACTIONS if key else _S3_BUCKET_ACTIONS
            action = actions.get(verb, "GetObject" if key else "ListBucket")
            resource = f"arn:aws:s3:::{bucket}/{key}" if key else f"arn:aws:s3:::{bucket}"
            return ServiceCall(service, region, verb, "/" + path, tuple(query.items()), headers, body,
                               f"s3:{action}", (resource,))
        headers.setdefault("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
        found = _params(query, body, headers["Content-Type"])
        return ServiceCall(service, region, verb, "/" + path, tuple(query.items()), headers, body,
                           f"sqs:{found.get('Action', 'SendMessage')}", (_queue_arn(region, account, path),))
    return gateway_responses.unsupported_integration(f"AWS ({uri})")


def refusal_answer(call: ServiceCall, message: str) -> tuple[int, dict[str, str], bytes]:
    """The service's own answer to a caller its IAM refuses (status, headers, body)."""
    if call.service in JSON_TARGETS:
        document = {"__type": "com.amazon.coral.service#AccessDeniedException", "Message": message}
        return 400, {"Content-Type": JSON_TARGETS[call.service][1]}, json.dumps(document).encode()
    text = (message.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;"))
    if call.service == "s3":
        return 403, {"Content-Type": "application/xml"}, (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f"<Error><Code>AccessDenied</Code><Message>{text}</Message></Error>").encode()
    code = "AuthorizationError" if call.service == "sns" else "AccessDenied"
    return 403, {"Content-Type": "text/xml"}, (
        f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{text}</Message></Error>"
        "</ErrorResponse>").encode()


@dataclass(frozen=True)
class ServiceAnswer:
    status: int
    headers: dict[str, str]
    body: bytes


def call_service(ctx: InvocationContext, call: ServiceCall, *, endpoint: str, roles: RoleLookup,
                 http: requests.Session, timeout_s: float) -> ServiceAnswer | GatewayError:
    """Assume the integration's role, check its policies, then send the signed request to the stack."""
    from botocore.auth import S3SigV4Auth, SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    assert ctx.integration is not None
    ctx.log.extend((f"Endpoint request URI: {call.public_uri}",
                    f"Endpoint request headers: {java_map(dict(call.headers))}",
                    f"Endpoint request body after transformations: {body_text(call.body)}",
                    f"Sending request to {call.public_uri}"))
    if not ctx.integration.credentials:
        return gateway_responses.no_credentials()
    role = assume(roles, ctx.integration.credentials, ctx)
    if isinstance(role, GatewayError):
        return role
    denied = refusal(role, call.action, list(call.resources))
    if denied is not None:
        status, headers, body = refusal_answer(call, denied)
        ctx.log.extend((f"Received response. Status: {status}, Integration latency: 0 ms",
                        f"Endpoint response body before transformations: {body_text(body)}"))
        return ServiceAnswer(status, headers, body)
    query = f"?{urlencode(call.query)}" if call.query else ""
    url = f"{endpoint.rstrip('/')}{call.path}{query}"
    request = AWSRequest(method=call.verb, url=url, data=call.body, headers=dict(call.headers))
    signer = S3SigV4Auth if call.service == "s3" else SigV4Auth
    signer(Credentials("test", "test"), call.service, call.region).add_auth(request)  # the stack's own dummy keys
    started = time.monotonic()
    try:
        answer = http.request(call.verb, url, headers=dict(request.headers.items()), data=call.body or None,
                              timeout=timeout_s, allow_redirects=False)
    except requests.Timeout:
        return gateway_responses.endpoint_timeout()
    except requests.RequestException as exc:
        return gateway_responses.endpoint_unreachable(call.public_uri, type(exc).__name__)
    ctx.integration_latency_ms = int((time.monotonic() - started) * 1000)
    received = {k: v for k, v in answer.headers.items()}
    ctx.log.extend((f"Received response. Status: {answer.status_code}, Integration latency: {ctx.integration_latency_ms} ms",
                    f"Endpoint response headers: {java_map(received)}",
                    f"Endpoint response body before transformations: {body_text(answer.content)}"))
    return ServiceAnswer(answer.status_code, received, answer.content)
