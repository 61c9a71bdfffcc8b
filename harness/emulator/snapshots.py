"""Plain data the emulator's parts exchange: functions, invocations and deployed API snapshots.

Everything here is a frozen dataclass read from moto through `control/` (the one moto adapter); nothing here imports moto.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Mapping

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


@dataclass(frozen=True)
class IntegrationSnapshot:
    type: str  # AWS_PROXY, AWS, HTTP, HTTP_PROXY, MOCK
    http_method: str | None
    uri: str | None
    timeout_ms: int = 29000
    content_handling: str | None = None


@dataclass(frozen=True)
class MethodSnapshot:
    http_method: str
    authorization_type: str
    api_key_required: bool
    integration: IntegrationSnapshot | None


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
