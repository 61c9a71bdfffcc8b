"""The one mutable object the gateway's steps share: everything known about one invocation.

Each step of the chain (see `chain.py`) reads some fields and fills others; a step that fails returns a
`GatewayError` value instead of raising. Fields start empty (`None`, `{}`) and are filled in chain order:

    parse.py      -> request fields (method, path, query, headers, body, client identity)
    chain.py      -> deployed, stage_variables (stage lookup)
    route.py      -> resource, method, path_parameters
    integrate.py  -> integration, function_arn, qualifier, endpoint_uri, source_arn, function
    event.py      -> event, event_bytes (requestContext.domainName derived from `host` and the region)
    integrate.py  -> invoke_result, integration_latency_ms
    respond.py    -> answer
    gateway_responses.py -> answer (for an error, rendered once from `error`)

    authorizers.py -> authorizer (requestContext.authorizer)
    validate.py   -> nothing (stops the chain with 400)
    integrations.py -> answer (MOCK, AWS, HTTP, HTTP_PROXY integrations and their mappings)
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..snapshots import DeployedStage, FunctionConfig, IntegrationSnapshot, InvokeResult, MethodSnapshot, ResourceSnapshot
from .execution_log import ExecutionLog

if TYPE_CHECKING:
    from .gateway_responses import GatewayError

Header = tuple[str, str]


@dataclass(frozen=True)
class HttpAnswer:
    """What the client receives: status, ordered headers (names as written, repeats allowed) and body."""

    status: int
    headers: tuple[Header, ...]
    body: bytes

    def header(self, name: str) -> str | None:
        """First value of a header, matched case-insensitively."""
        wanted = name.lower()
        return next((v for k, v in self.headers if k.lower() == wanted), None)


@dataclass
class InvocationContext:
    """State of one API Gateway invocation (a real request or a TestInvokeMethod call)."""

    # ---- identity of this invocation (set at creation) ---------------------------------------------
    request_id: str
    """x-amzn-RequestId and requestContext.requestId (a uuid)."""
    extended_request_id: str
    """x-amz-apigw-id and requestContext.extendedRequestId (16 base64 characters)."""
    trace_id: str
    """X-Amzn-Trace-Id value (`Root=1-<hex time>-<24 hex>`), reused from the request when it sends one."""
    request_time_ms: int
    """When the request arrived, epoch milliseconds (requestContext.requestTimeEpoch)."""
    api_id: str
    """The REST API id from the URL or Host header."""
    stage: str
    """The stage name from the URL (`test-invoke-stage` for TestInvokeMethod)."""
    test_invoke: bool = False
    """True for TestInvokeMethod: live tree, no execution-log write, log returned in the answer."""

    # ---- the request as received (parse.py) --------------------------------------------------------
    http_method: str = "GET"
    """The request's verb, upper case."""
    path: str = "/"
    """Path after the stage, still percent-encoded as sent, leading `/` (event `path`; slashes right after the
    stage count as one)."""
    sent_path: str | None = None
    """The path after the stage exactly as sent, when it differs from `path` (`//db-api`: requestContext.path
    keeps it)."""
    headers: list[Header] = field(default_factory=list)
    """Request headers in arrival order, name case preserved, repeats kept."""
    query: dict[str, str] | None = None
    """Single-value query map (last value wins); None when the request has no query parameters."""
    multi_query: dict[str, list[str]] | None = None
    """Multi-value query map (every value in order); None when there are no query parameters."""
    body: bytes = b""
    """Raw request body (empty when none)."""
    source_ip: str = "127.0.0.1"
    """Client address for requestContext.identity.sourceIp."""
    user_agent: str | None = None
    """User-Agent header value for requestContext.identity.userAgent."""
    host: str | None = None
    """The Host header as sent (None when absent)."""
    raw_path: str = "/"
    """The whole request path as sent, percent-encoding kept (what a SigV4 signature covers)."""
    raw_query: str = ""
    """The query string as sent (without `?`)."""

    # ---- what the request targets (chain.py / route.py) --------------------------------------------
    deployed: DeployedStage | None = None
    """The stage as deployed (or the live tree for TestInvokeMethod)."""
    stage_variables: dict[str, str] | None = None
    """Stage variables; None when the stage has none (event `stageVariables`)."""
    resource: ResourceSnapshot | None = None
    """The matched resource (event `resource` is its path template)."""
    method: MethodSnapshot | None = None
    """The matched method (the verb itself or ANY)."""
    path_parameters: dict[str, str] | None = None
    """Values of `{param}` / `{proxy+}` parts; None when the resource has none."""
    api_key: str | None = None
    """The request's API key (`x-api-key`) when its method requires one and a usage plan of the stage holds it."""
    api_key_id: str | None = None
    """That key's id (requestContext.identity.apiKeyId)."""
    authorizer: dict[str, Any] | None = None
    """requestContext.authorizer once an authorizer allowed the request (authorizers.py)."""
    usage_identifier_key: str | None = None
    """The API key a Lambda authorizer named (`usageIdentifierKey`), used when the API's apiKeySource is AUTHORIZER."""
    iam_identity: dict[str, str] | None = None
    """requestContext.identity fields of an AWS_IAM caller (accessKey, accountId, caller, user, userArn)."""
    iam_statements: tuple[Any, ...] | None = None
    """The AWS_IAM caller's identity-policy statements (for an integration that passes the caller's credentials)."""
    extended_id_logged: bool = False
    """True once `Extended Request Id` is in the log (an authorizer writes it before its own lines)."""

    # ---- the integration (integrate.py, authorize.py) ---------------------------------------------
    integration: IntegrationSnapshot | None = None
    """The method's integration (AWS_PROXY only is supported)."""
    function_arn: str = ""
    """Function ARN from the integration URI after stage-variable substitution (qualifier included)."""
    qualifier: str | None = None
    """Version or alias from the function ARN, None when unqualified."""
    endpoint_uri: str = ""
    """`https://lambda.{region}.amazonaws.com/2015-03-31/functions/{arn}/invocations`, for the log."""
    source_arn: str = ""
    """`arn:aws:execute-api:{region}:{account}:{api}/{stage}/{VERB}/{resourcePath}` checked by the policy."""
    function: FunctionConfig | None = None
    """The function to invoke, once found."""
    event: dict[str, Any] | None = None
    """The proxy event (event.py)."""
    event_bytes: bytes = b""
    """The proxy event serialised as JSON, the Invoke payload."""
    invoke_result: InvokeResult | None = None
    """What the Lambda runtime answered."""
    integration_latency_ms: int = 0
    """Time spent waiting for the function, milliseconds."""

    # ---- the outcome ---------------------------------------------------------------------------------
    executing: bool = False
    """True once `Starting execution` was logged: errors then also log `Method completed with status`."""
    error: GatewayError | None = None
    """The failure, when a step failed (rendered once by `errors.render`)."""
    answer: HttpAnswer | None = None
    """The response for the client (from respond.py or from the error renderer)."""
    log: ExecutionLog = field(default_factory=ExecutionLog)
    """Execution log lines of this invocation."""

    def header(self, name: str) -> str | None:
        """First value of a request header, matched case-insensitively (None when absent)."""
        wanted = name.lower()
        return next((v for k, v in self.headers if k.lower() == wanted), None)
