"""Where a stack runs: the embedded emulator, LocalStack, real AWS, or any AWS-compatible endpoint.

A `Target` knows how to reach its endpoint (`Endpoint`), the shape of its invoke URLs, which AWS behaviours
it does not reproduce (`lacks`, so scenarios that depend on them are skipped with the reason), where it answers
otherwise (`differs`: named differences a scenario step declares with that target's expectation), and, for real
AWS, the name prefix and tags that keep its resources apart (`stack_settings`). Each kind of target has its
module (embedded.py, localstack.py, aws.py) with its constructor `target(...)` and what it lacks;
`sessions.resolve`/`sessions.open_target` make one ready. Left out: credential discovery beyond boto3's
default chain.
"""
from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Mapping
from urllib.parse import urlsplit

from ..clients import Endpoint
from ..defaults import DEFAULT_REGION
from ..deploy.settings import StackSettings

log = logging.getLogger(__name__)

NAMES = ("embedded", "localstack", "aws", "endpoint")

# Behaviours a scenario may require (`requires` in the scenario file) and which targets lack them.
FEATURES: Mapping[str, str] = {
    "invoke-permission": "API Gateway enforces the Lambda resource policy (500 without an invoke permission)",
    "throttle-500": "a throttled Lambda answers 500 through API Gateway",
    "test-invoke-method": "API Gateway's TestInvokeMethod runs the integration",
    "execution-logs": "API Gateway writes execution logs to CloudWatch Logs",
    "integration-timeout": "API Gateway answers 504 when the integration takes longer than its timeout",
    "fault-injection": "the stack can be redeployed with faults (always true where deploy works)",
    "unknown-api-404": "an unknown API id answers HTTP 404 (AWS has no DNS name for it)",
    "stage-throttling": "API Gateway applies a stage's throttling settings (429 Too Many Requests over them)",
    "memory-limits": "Lambda kills a function that passes its memory size (Runtime.OutOfMemory)",
    "lambda-authorizers": "API Gateway runs Lambda TOKEN/REQUEST authorizers (401/403 before the integration)",
    "cognito-authorizers": "API Gateway verifies Cognito user pool tokens (401 before the integration)",
}


@dataclass(frozen=True)
class Target:
    """An endpoint plus what the harness must know about it."""

    name: str  # embedded | localstack | aws | endpoint
    endpoint: Endpoint
    lacks: Mapping[str, str] = field(default_factory=dict)
    prefix: str = ""  # put before every resource name (real AWS: unique per user/CI run)
    tags: Mapping[str, str] = field(default_factory=dict)  # added to the stack's tags (real AWS: the owner)
    execution_logging: bool = False  # the stack turns on its stage's execution logs (real AWS, when asked)
    differs: Mapping[str, str] = field(default_factory=dict)  # difference name -> what it does instead of AWS

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

    def stack_settings(self, settings: StackSettings) -> StackSettings:
        """`settings` as deployed on this target: names prefixed, the target's tags added."""
        prefixed = settings.with_prefix(self.prefix) if self.prefix else settings
        if self.execution_logging and not prefixed.execution_logging:
            prefixed = dataclasses.replace(prefixed, execution_logging=True)
        if not self.tags:
            return prefixed
        return dataclasses.replace(prefixed, tags=MappingProxyType({**prefixed.tags, **self.tags}))

    def describe(self) -> str:
        """One line for humans: name and where (never credentials)."""
        return f"{self.name} ({safe_url(self.endpoint.url) if self.endpoint.url else 'AWS ' + self.region})"


def safe_url(url: str) -> str:
    """`url` without any user:password part."""
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return parts._replace(netloc=netloc).geturl()


def endpoint(url: str, region: str = DEFAULT_REGION) -> Target:
    """Any AWS-compatible endpoint (e.g. a running `harness serve`): assumed to behave like the embedded stack."""
    return Target("endpoint", Endpoint(url, region))
