"""Where a stack runs: the embedded emulator, LocalStack, real AWS, or any AWS-compatible endpoint.

A `Target` knows how to reach its endpoint (`Endpoint`), the shape of its invoke URLs, which AWS behaviours
it does not reproduce (`lacks`, so scenarios that depend on them are skipped with the reason), and, for real
AWS, the name prefix and tags that keep its resources apart (`stack_settings`). `resolve` is what the CLI
calls: it also waits for LocalStack to be healthy and refuses real AWS without an explicit opt-in.

LocalStack is reached with plain boto3 settings (an `endpoint_url` and fake credentials): since LocalStack 0.12
every service answers on one edge port, so the `localstack-client` package (a per-service port map and the
same fake credentials) would add nothing. Left out: starting LocalStack (`harness.localstack`, compose) and
credential discovery beyond boto3's default chain.
"""
from __future__ import annotations

import dataclasses
import logging
import os
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Mapping
from urllib.parse import urlsplit

from .aws import Endpoint
from .deploy.settings import StackSettings

log = logging.getLogger(__name__)

LOCALSTACK_DEFAULT_HOST = "localhost:4566"
LOCALSTACK_DEFAULT_REGION = "us-east-1"
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
}

LOCALSTACK_LACKS: Mapping[str, str] = {
    "invoke-permission": "LocalStack community does not enforce Lambda invoke permissions",
    "throttle-500": "LocalStack answers a throttled Lambda with 502",
    "test-invoke-method": "LocalStack community does not run TestInvokeMethod integrations",
    "execution-logs": "LocalStack does not write API Gateway execution logs",
    "integration-timeout": "LocalStack has no API Gateway integration timeout",
    "stage-throttling": "LocalStack community does not apply API Gateway stage throttling",
    "memory-limits": "LocalStack runs functions without their memory size as a limit (unless LAMBDA_DOCKER_FLAGS "
                     "sets one)",
}

AWS_LACKS: Mapping[str, str] = {
    "unknown-api-404": "on AWS an unknown API id has no DNS name, so there is no HTTP answer",
    "execution-logs": "API Gateway writes execution logs only where the account has a CloudWatch Logs role for it; "
                      "once it has, set HARNESS_AWS_EXECUTION_LOGS=1 (the stack then turns them on for its stage)",
}
#: Real AWS with execution logs turned on (HARNESS_AWS_EXECUTION_LOGS=1): only the unknown API id stays out.
AWS_LACKS_WITH_LOGS: Mapping[str, str] = {k: v for k, v in AWS_LACKS.items() if k != "execution-logs"}


@dataclass(frozen=True)
class Target:
    """An endpoint plus what the harness must know about it."""

    name: str  # embedded | localstack | aws | endpoint
    endpoint: Endpoint
    lacks: Mapping[str, str] = field(default_factory=dict)
    prefix: str = ""  # put before every resource name (real AWS: unique per user/CI run)
    tags: Mapping[str, str] = field(default_factory=dict)  # added to the stack's tags (real AWS: the owner)
    execution_logging: bool = False  # the stack turns on its stage's execution logs (real AWS, when asked)

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


def embedded(url: str, region: str = "us-west-1") -> Target:
    return Target("embedded", Endpoint(url, region))


def localstack_url(env: Mapping[str, str] | None = None) -> str:
    """LocalStack's edge URL by its conventions: AWS_ENDPOINT_URL, else http://$LOCALSTACK_HOST, else localhost:4566.

    LOCALSTACK_HOST is `host[:port]` (LocalStack's own variable; port 4566 when left out).
    """
    env = os.environ if env is None else env
    url = (env.get("AWS_ENDPOINT_URL") or "").strip()
    if url:
        return url.rstrip("/")
    host = (env.get("LOCALSTACK_HOST") or "").strip() or LOCALSTACK_DEFAULT_HOST
    if "://" not in host:
        host = f"http://{host}"
    parts = urlsplit(host)
    if parts.port is None:
        host = parts._replace(netloc=f"{parts.netloc}:4566").geturl()
    return host.rstrip("/")


def localstack(url: str | None = None, region: str | None = None,
               env: Mapping[str, str] | None = None) -> Target:
    """LocalStack at `url`, else by its conventions (`localstack_url`); region from the environment."""
    env = os.environ if env is None else env
    url = url or localstack_url(env)
    region = region or env.get("AWS_DEFAULT_REGION") or env.get("AWS_REGION") or LOCALSTACK_DEFAULT_REGION
    return Target("localstack", Endpoint(url, region), LOCALSTACK_LACKS)


def localstack_invoke_urls(endpoint_url: str, api_id: str, stage: str, path: str = "") -> dict[str, str]:
    """LocalStack's invoke URL forms for one API: `path` (works from anywhere, the default), `host` (only
    where `*.localhost.localstack.cloud` resolves, i.e. with DNS) and `legacy` (`_user_request_`)."""
    tail = path.lstrip("/")
    base = endpoint_url.rstrip("/")
    parts = urlsplit(base)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return {
        "path": f"{base}/_aws/execute-api/{api_id}/{stage}/{tail}",
        "host": f"{parts.scheme}://{api_id}.execute-api.localhost.localstack.cloud:{port}/{stage}/{tail}",
        "legacy": f"{base}/restapis/{api_id}/{stage}/_user_request_/{tail}",
    }


def aws(region: str | None = None, *, prefix: str = "", tags: Mapping[str, str] | None = None,
        env: Mapping[str, str] | None = None) -> Target:
    """Real AWS through boto3's default credential chain. Use `resolve` to get the opt-in check and prefix.
    HARNESS_AWS_EXECUTION_LOGS=1: the account has API Gateway's CloudWatch Logs role, so the stack turns on its
    stage's execution logs and scenarios that read them run."""
    env = os.environ if env is None else env
    region = region or env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "us-west-1"
    from .realaws import execution_logs

    logs = execution_logs(env)
    return Target("aws", Endpoint(None, region), AWS_LACKS_WITH_LOGS if logs else AWS_LACKS, prefix=prefix,
                  tags=MappingProxyType(dict(tags or {})), execution_logging=logs)


def endpoint(url: str, region: str = "us-west-1") -> Target:
    """Any AWS-compatible endpoint (e.g. a running `harness serve`): assumed to behave like the embedded stack."""
    return Target("endpoint", Endpoint(url, region))


class TargetError(SystemExit):
    """A target that cannot be used as asked; a SystemExit carrying the message (exit status 1)."""


def resolve(name: str | None, *, endpoint_url: str | None = None, region: str, allow_real_aws: bool = False,
            prefix: str | None = None, wait: bool = True, wait_timeout: float = 180.0) -> Target:
    """The target the CLI asked for, ready to use.

    `endpoint_url` wins (any endpoint). `localstack`: waits until its health endpoint reports the stack's
    services and its functions have left `Pending`. `aws`: refuses (exit status 2) without `allow_real_aws` or
    HARNESS_ALLOW_REAL_AWS=1, then names everything with a unique prefix (unless `prefix` was given
    explicitly, already applied by the caller) and tags it with the owner.
    """
    if endpoint_url:
        return endpoint(endpoint_url, region)
    if name == "localstack":
        target = localstack(region=region)
        if wait:
            from . import localstack as ls

            log.info("waiting for LocalStack at %s", safe_url(target.endpoint.url or ""))
            ls.wait_ready(target, timeout=wait_timeout)
        return target
    if name == "aws":
        from . import realaws

        realaws.require_opt_in(allow_real_aws)
        realaws.refuse_endpoint_override()
        owner = realaws.owner()
        chosen = "" if prefix else realaws.stack_prefix()
        return aws(region, prefix=chosen, tags={realaws.OWNER_TAG: owner})
    raise TargetError("harness: give --endpoint URL (e.g. a running `harness serve`) or --target localstack|aws")
