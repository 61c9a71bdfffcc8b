"""Builders and fakes shared by the gateway tests (no tests here): snapshots, a fake control plane, fake submit."""
from __future__ import annotations

import concurrent.futures
import json
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Callable

from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from harness.emulator.aws_errors import AwsError
from harness.emulator.snapshots import (
    DeployedStage,
    FunctionConfig,
    IntegrationSnapshot,
    InvokeResult,
    MethodSnapshot,
    ResourceSnapshot,
)

REGION = "us-east-1"
ACCOUNT = "123456789012"
API = "abc123"
FN_ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:db-fn"
URI = f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{FN_ARN}/invocations"
TUTORIAL_SOURCE_ARN = f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{API}/*/*/db-api"


def integration(uri: str = URI, *, type: str = "AWS_PROXY", http_method: str | None = "POST",
                timeout_ms: int = 29000) -> IntegrationSnapshot:
    return IntegrationSnapshot(type=type, http_method=http_method, uri=uri, timeout_ms=timeout_ms)


def method(verb: str, integ: IntegrationSnapshot | None = None) -> MethodSnapshot:
    return MethodSnapshot(http_method=verb, authorization_type="NONE", api_key_required=False,
                          integration=integ if integ is not None else integration())


def resource(path: str, *verbs: str, rid: str | None = None, integ: IntegrationSnapshot | None = None,
             no_integration: bool = False) -> ResourceSnapshot:
    methods = {}
    for v in verbs:
        m = method(v, integ)
        if no_integration:
            m = MethodSnapshot(http_method=v, authorization_type="NONE", api_key_required=False, integration=None)
        methods[v] = m
    return ResourceSnapshot(id=rid or ("r" + str(abs(hash(path)) % 10**6)), path=path, methods=MappingProxyType(methods))


def stage(*resources: ResourceSnapshot, name: str = "prod", binary: tuple[str, ...] = (),
          variables: dict[str, str] | None = None, api_id: str = API, deployment_id: str = "dep1") -> DeployedStage:
    if not any(r.path == "/" for r in resources):
        resources = (ResourceSnapshot(id="root", path="/", methods=MappingProxyType({})), *resources)
    return DeployedStage(api_id=api_id, api_name="db-api", stage=name, deployment_id=deployment_id,
                         resources=tuple(resources), binary_media_types=binary,
                         stage_variables=MappingProxyType(variables) if variables else None,
                         region=REGION, account_id=ACCOUNT)


def function(arn: str = FN_ARN) -> FunctionConfig:
    name = arn.split(":")[6]
    return FunctionConfig(name=name, arn=arn, runtime="python3.12", handler="index.handler", timeout=3,
                          memory_size=128, code_sha256="x", role="arn:aws:iam::123456789012:role/r",
                          region=REGION, account_id=ACCOUNT)


def allow_statement(source_arn: str | None = TUTORIAL_SOURCE_ARN, *, resource_arn: str = FN_ARN,
                    effect: str = "Allow", sid: str = "s1") -> dict[str, Any]:
    """A statement in moto's stored shape (moto/awslambda/policy.py)."""
    st: dict[str, Any] = {"Action": "lambda:InvokeFunction", "Principal": {"Service": "apigateway.amazonaws.com"},
                          "Effect": effect, "Resource": resource_arn, "Sid": sid}
    if source_arn is not None:
        st["Condition"] = {"ArnLike": {"AWS:SourceArn": source_arn}}
    return st


@dataclass
class FakeControl:
    """The part of ControlPlane the gateway uses, over values the test builds."""

    stages: dict[tuple[str, str], DeployedStage] = field(default_factory=dict)
    live: dict[str, DeployedStage] = field(default_factory=dict)
    functions: dict[str, FunctionConfig] = field(default_factory=dict)
    policies: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    log_writes: list[tuple[str, str, str, str, list[tuple[int, str]]]] = field(default_factory=list)
    lookups: list[tuple[str, str, str, str | None]] = field(default_factory=list)

    def deployed_stage(self, api_id: str, stage_name: str) -> DeployedStage | None:
        return self.stages.get((api_id, stage_name))

    def live_stage(self, api_id: str) -> DeployedStage | None:
        return self.live.get(api_id)

    def api_exists(self, api_id: str) -> bool:
        return any(a == api_id for a, _ in self.stages) or api_id in self.live

    @staticmethod
    def user_pool_keys(pool_arn: str) -> None:
        return None

    @staticmethod
    def iam_caller(access_key_id: str) -> None:
        return None

    @staticmethod
    def role_policies(role_arn: str) -> None:
        return None

    def get_function(self, name_or_arn: str, region: str, account_id: str = ACCOUNT,
                     qualifier: str | None = None) -> FunctionConfig | None:
        self.lookups.append((name_or_arn, region, account_id, qualifier))
        return self.functions.get(name_or_arn)

    def function_policy(self, fn: FunctionConfig) -> list[dict[str, Any]]:
        return [dict(s) for s in self.policies.get(fn.arn, [])]

    def put_log_lines(self, region: str, account_id: str, group: str, stream: str, lines: Any) -> None:
        made = lines() if callable(lines) else lines  # the gateway defers formatting to the log shipper
        self.log_writes.append((region, account_id, group, stream, list(made)))

    def logged(self) -> list[str]:
        return [m for *_, lines in self.log_writes for _, m in lines]


def standard_control(*resources: ResourceSnapshot, statements: list[dict[str, Any]] | None = None,
                     **stage_kwargs: Any) -> FakeControl:
    st = stage(*(resources or (resource("/db-api", "GET", "POST", "DELETE"),)), **stage_kwargs)
    live = DeployedStage(**{**st.__dict__, "stage": "test-invoke-stage", "deployment_id": "test-invoke-deployment-id"})
    return FakeControl(
        stages={(st.api_id, st.stage): st}, live={st.api_id: live},
        functions={FN_ARN: function()},
        policies={FN_ARN: [allow_statement()] if statements is None else statements},
    )


class FakeSubmit:
    """Records payloads; answers with a ready future (or raises, or never completes)."""

    def __init__(self, payload: Any = None, *, function_error: str | None = None, raises: Exception | None = None,
                 never: bool = False, request_id: str = "lambda-req-1", status: int = 200) -> None:
        if payload is None:
            payload = {"statusCode": 200, "body": "[]"}
        self.payload = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        self.function_error = function_error
        self.raises = raises
        self.never = never
        self.request_id = request_id
        self.status = status
        self.calls: list[tuple[FunctionConfig, bytes]] = []
        self.trace_ids: list[str | None] = []

    def __call__(self, fn: FunctionConfig, payload: bytes, *, trace_id: str | None = None
                 ) -> concurrent.futures.Future[InvokeResult]:
        self.trace_ids.append(trace_id)
        self.calls.append((fn, payload))
        if self.raises is not None:
            raise self.raises
        future: concurrent.futures.Future[InvokeResult] = concurrent.futures.Future()
        if not self.never:
            future.set_result(InvokeResult(request_id=self.request_id, status=self.status, payload=self.payload,
                                           function_error=self.function_error))
        return future

    @property
    def event(self) -> dict[str, Any]:
        return json.loads(self.calls[-1][1])


def throttled() -> AwsError:
    return AwsError(429, "TooManyRequestsException", "Rate Exceeded.")


def make_request(path: str, method: str = "GET", *, query: str = "", headers: list[tuple[str, str]] | None = None,
                 body: bytes | None = None, raw_headers: list[tuple[str, str]] | None = None,
                 host: str = "localhost:4566") -> Request:
    builder = EnvironBuilder(path=path, method=method, query_string=query or None, headers=headers or [],
                             data=body, base_url=f"http://{host}")
    environ = builder.get_environ()
    if raw_headers is not None:
        environ["harness.raw_headers"] = raw_headers
    return Request(environ)


def submit_fn(result: Callable[[], InvokeResult]) -> Callable[[FunctionConfig, bytes], concurrent.futures.Future[InvokeResult]]:
    def submit(fn: FunctionConfig, payload: bytes, **_: Any) -> concurrent.futures.Future[InvokeResult]:
        f: concurrent.futures.Future[InvokeResult] = concurrent.futures.Future()
        f.set_result(result())
        return f
    return submit
