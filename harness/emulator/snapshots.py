"""Plain data the emulator's parts exchange: functions, invocations and deployed API snapshots.

Everything here is a frozen dataclass read from moto through `control/` (the one moto adapter); nothing here imports moto.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Mapping

LOG_TAIL_BYTES = 4096


@dataclass(frozen=True)
class FunctionConfig:
    """What the runtime needs to run one version of a Lambda function."""

    name: str
    arn: str
    runtime: str
    handler: str
    timeout: int
    memory_size: int
    code_sha256: str
    role: str
    region: str
    account_id: str
    environment: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    reserved_concurrency: int | None = None
    version: str = "$LATEST"
    layers: tuple[str, ...] = ()  # layer version ARNs, in the function's order

    @property
    def log_group(self) -> str:
        return f"/aws/lambda/{self.name}"


@dataclass(frozen=True)
class InvokeResult:
    """The outcome of one invocation, as the Lambda API reports it.

    `status` is the Invoke API status (200, 202 for Event, 204 for DryRun); `function_error` is
    `"Unhandled"` when the function failed (payload then holds errorMessage/errorType/...).
    `log` is the invocation's whole log text (START ... REPORT lines included).
    """

    request_id: str
    status: int
    payload: bytes
    function_error: str | None = None
    log: str = ""
    executed_version: str = "$LATEST"
    duration_ms: float = 0.0

    @property
    def log_tail(self) -> str:
        """The last 4 KB of the log, as `LogType=Tail` returns it (before base64)."""
        raw = self.log.encode()
        return raw[-LOG_TAIL_BYTES:].decode(errors="ignore")




def _empty() -> Mapping[str, str]:
    return MappingProxyType({})



@dataclass(frozen=True)
class IntegrationResponseSnapshot:
    """One integration response: chosen when `selection_pattern` matches (None/empty: the default one)."""

    status_code: str
    selection_pattern: str | None = None
    parameters: Mapping[str, str] = field(default_factory=_empty)  # method.response.header.X -> integration.response... or 'literal'
    templates: Mapping[str, str] = field(default_factory=_empty)  # content type -> VTL template
    content_handling: str | None = None


@dataclass(frozen=True)
class IntegrationSnapshot:
    type: str  # AWS_PROXY, AWS, HTTP, HTTP_PROXY, MOCK
    http_method: str | None
    uri: str | None
    timeout_ms: int = 29000
    content_handling: str | None = None
    request_templates: Mapping[str, str] = field(default_factory=_empty)  # content type -> VTL template
    request_parameters: Mapping[str, str] = field(default_factory=_empty)  # integration.request.X.y -> method.request.X.y or 'literal'
    passthrough_behavior: str = "WHEN_NO_MATCH"  # WHEN_NO_MATCH | WHEN_NO_TEMPLATES | NEVER
    credentials: str | None = None  # role ARN API Gateway assumes to call the backend
    responses: tuple[IntegrationResponseSnapshot, ...] = ()


@dataclass(frozen=True)
class AuthorizerSnapshot:
    """A REST API authorizer. `ttl_s` defaults to 300 as on AWS when the authorizer sets none."""

    id: str
    name: str
    type: str  # TOKEN | REQUEST | COGNITO_USER_POOLS
    uri: str | None = None
    credentials: str | None = None
    identity_source: str | None = None
    validation_expression: str | None = None
    ttl_s: int = 300
    provider_arns: tuple[str, ...] = ()


@dataclass(frozen=True)
class ValidatorSnapshot:
    id: str
    name: str
    body: bool
    parameters: bool


@dataclass(frozen=True)
class MethodSnapshot:
    http_method: str
    authorization_type: str
    api_key_required: bool
    integration: IntegrationSnapshot | None
    authorizer: AuthorizerSnapshot | None = None
    authorization_scopes: tuple[str, ...] = ()
    request_parameters: Mapping[str, bool] = field(default_factory=lambda: MappingProxyType({}))  # method.request.header.X -> required
    validator: ValidatorSnapshot | None = None
    request_models: Mapping[str, str] = field(default_factory=_empty)  # content type -> model name
    response_codes: tuple[str, ...] = ()  # the method responses' status codes


@dataclass(frozen=True)
class GatewayResponseSnapshot:
    """A response type customised with PutGatewayResponse (status code None: the type's default status)."""

    type: str
    status_code: str | None = None
    parameters: Mapping[str, str] = field(default_factory=_empty)  # gatewayresponse.header.X -> 'literal' or method.request...
    templates: Mapping[str, str] = field(default_factory=_empty)  # content type -> VTL template


@dataclass(frozen=True)
class ApiTree:
    """What a deployment freezes: the resource tree, the models (name -> schema text) and the API's
    customised gateway responses."""

    resources: tuple[ResourceSnapshot, ...] = ()
    models: Mapping[str, str] = field(default_factory=_empty)
    gateway_responses: Mapping[str, GatewayResponseSnapshot] = field(default_factory=lambda: MappingProxyType({}))
    api_key_source: str = "HEADER"  # HEADER (x-api-key) | AUTHORIZER (a Lambda authorizer's usageIdentifierKey)


@dataclass(frozen=True)
class ResourceSnapshot:
    id: str
    path: str
    methods: Mapping[str, MethodSnapshot]


@dataclass(frozen=True)
class Throttle:
    """A stage's throttling for its methods: a token bucket of `burst` requests refilled at `rate` per second."""

    rate: float
    burst: int


@dataclass(frozen=True)
class AsyncConfig:
    """How a function's asynchronous invocations end: retries, maximum event age, destinations (ARNs)."""

    retries: int = 2
    max_age_s: float = 21600.0
    on_success: str | None = None
    on_failure: str | None = None


@dataclass(frozen=True)
class UserPoolKeys:
    """What verifies a Cognito user pool's tokens: issuer, public keys (a JWKS document), app client ids."""

    issuer: str
    jwks: Mapping[str, Any]
    client_ids: frozenset[str]


@dataclass(frozen=True)
class IamCaller:
    """An IAM user's access key, as AWS_IAM authorization needs it (the secret never leaves the emulator)."""

    access_key_id: str
    secret: str = field(repr=False)
    arn: str = ""
    account_id: str = ""
    user_id: str = ""
    statements: tuple[Mapping[str, Any], ...] = ()


@dataclass(frozen=True)
class RolePolicies:
    """An IAM role as a service that assumes it sees it: its trust policy's statements and its permission
    statements (inline and attached policies)."""

    arn: str
    name: str
    account_id: str
    trust_statements: tuple[Mapping[str, Any], ...] = ()
    statements: tuple[Mapping[str, Any], ...] = ()


@dataclass(frozen=True)
class ApiKeyUse:
    """An API key a usage plan of the stage holds, with that plan's limits (None: the plan sets none)."""

    key_id: str
    plan_id: str
    throttle: Throttle | None = None
    quota_limit: int | None = None
    quota_period: str = "DAY"  # DAY | WEEK | MONTH


@dataclass(frozen=True)
class DeployedStage:
    """One stage of a REST API as its deployment froze it (or the live tree for test-invoke). `throttling` is
    the stage's current method settings (not frozen by a deployment, as on AWS), keyed as AWS keys them:
    `*/*` for every method, `~1db-api/ANY` for one (the resource path with `/` as `~1`)."""

    api_id: str
    api_name: str
    stage: str
    deployment_id: str
    resources: tuple[ResourceSnapshot, ...]
    binary_media_types: tuple[str, ...]
    stage_variables: Mapping[str, str] | None
    region: str
    account_id: str
    throttling: Mapping[str, Throttle] | None = None
    models: Mapping[str, str] = field(default_factory=_empty)
    gateway_responses: Mapping[str, GatewayResponseSnapshot] = field(default_factory=lambda: MappingProxyType({}))
    api_key_source: str = "HEADER"  # HEADER (x-api-key) | AUTHORIZER (a Lambda authorizer's usageIdentifierKey)
