"""Where a stack runs: the embedded emulator, LocalStack, real AWS, or any AWS-compatible endpoint.

A `Target` knows how to reach its endpoint (`Endpoint`), the shape of its invoke URLs, and which AWS
behaviours it does not reproduce (`lacks`), so scenarios that depend on them are skipped with the reason.
Left out here: starting LocalStack (see the pytest plugin / compose) and credential discovery beyond boto3's.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Mapping

from .aws import Endpoint

# Behaviours a scenario may require (`requires` in the scenario file) and which targets lack them.
FEATURES: Mapping[str, str] = {
    "invoke-permission": "API Gateway enforces the Lambda resource policy (500 without an invoke permission)",
    "throttle-500": "a throttled Lambda answers 500 through API Gateway",
    "test-invoke-method": "API Gateway's TestInvokeMethod runs the integration",
    "execution-logs": "API Gateway writes execution logs to CloudWatch Logs",
    "integration-timeout": "API Gateway answers 504 when the integration takes longer than its timeout",
    "fault-injection": "the stack can be redeployed with faults (always true where deploy works)",
    "unknown-api-404": "an unknown API id answers HTTP 404 (AWS has no DNS name for it)",
}

LOCALSTACK_LACKS: Mapping[str, str] = {
    "invoke-permission": "LocalStack community does not enforce Lambda invoke permissions",
    "throttle-500": "LocalStack answers a throttled Lambda with 502",
    "test-invoke-method": "LocalStack community does not run TestInvokeMethod integrations",
    "execution-logs": "LocalStack does not write API Gateway execution logs",
    "integration-timeout": "LocalStack has no API Gateway integration timeout",
}

AWS_LACKS: Mapping[str, str] = {
    "unknown-api-404": "on AWS an unknown API id has no DNS name, so there is no HTTP answer",
}


@dataclass(frozen=True)
class Target:
    """An endpoint plus what the harness must know about it."""

    name: str  # embedded | localstack | aws | endpoint
    endpoint: Endpoint
    lacks: Mapping[str, str] = field(default_factory=dict)

    @property
    def region(self) -> str:
        return self.endpoint.region

    def invoke_url(self, api_id: str, stage: str, path: str = "") -> str:
        """The URL a client calls for `path` under the stage."""
        tail = path.lstrip("/")
        if self.endpoint.url is None:
            return f"https://{api_id}.execute-api.{self.region}.amazonaws.com/{stage}/{tail}"
        return f"{self.endpoint.url.rstrip('/')}/_aws/execute-api/{api_id}/{stage}/{tail}"

    def skip_reason(self, requires: list[str] | tuple[str, ...]) -> str | None:
        """Why a scenario needing `requires` cannot run here, or None when it can."""
        for feature in requires:
            if feature in self.lacks:
                return f"{self.name}: {self.lacks[feature]}"
        return None


def embedded(url: str, region: str = "us-west-1") -> Target:
    return Target("embedded", Endpoint(url, region))


def localstack(url: str | None = None, region: str | None = None) -> Target:
    """LocalStack at `url`, else AWS_ENDPOINT_URL, else http://$LOCALSTACK_HOST (default localhost:4566)."""
    if url is None:
        url = os.environ.get("AWS_ENDPOINT_URL")
    if url is None:
        host = os.environ.get("LOCALSTACK_HOST", "localhost:4566")
        url = host if "://" in host else f"http://{host}"
    region = region or os.environ.get("AWS_DEFAULT_REGION") or os.environ.get("AWS_REGION") or "us-east-1"
    return Target("localstack", Endpoint(url, region), LOCALSTACK_LACKS)


def aws(region: str | None = None) -> Target:
    region = region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-west-1"
    return Target("aws", Endpoint(None, region), AWS_LACKS)


def endpoint(url: str, region: str = "us-west-1") -> Target:
    """Any AWS-compatible endpoint (e.g. a running `harness serve`): assumed to behave like the embedded stack."""
    return Target("endpoint", Endpoint(url, region))
