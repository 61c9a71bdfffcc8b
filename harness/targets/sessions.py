"""A target made ready for one run: an embedded stack started (in process or as a child), LocalStack found or
started through Docker, or real AWS behind its opt-in. Used by the CLI and the pytest plugin.

An endpoint URL without a target name is taken to be an embedded stack (`harness serve`) running elsewhere;
every endpoint URL is checked first (endpoint_checks.py: its form, then that an AWS endpoint answers there), so
a mistake is one EndpointError or TargetUnavailable naming it. Left out: keeping a stack alive between runs (use
`harness serve` and `--endpoint`).
"""
from __future__ import annotations

import dataclasses
import logging
from contextlib import contextmanager
from typing import Iterator

from ..defaults import DEFAULT_REGION
from ..errors import TargetUnavailable, UsageError
from . import aws, embedded, localstack
from .endpoint_checks import check_endpoint, require_stack
from .target import Target, endpoint, safe_url

__all__ = ["TargetUnavailable", "open_target", "planned", "resolve"]

log = logging.getLogger(__name__)


def planned(name: str | None, endpoint_url: str | None = None, region: str = DEFAULT_REGION) -> Target:
    """The target's identity (name, what it lacks) before anything is started, for skip decisions."""
    if name == "localstack":
        return localstack.target(endpoint_url, region)
    if name == "aws":
        return aws.target(region)
    return embedded.target(endpoint_url or "http://127.0.0.1:0", region)


@contextmanager
def open_target(name: str | None, *, endpoint_url: str | None = None, region: str = DEFAULT_REGION,
                allow_real_aws: bool = False, in_process: bool = False,
                start_localstack: bool = True, prefix: str | None = None) -> Iterator[Target]:
    """Yield a usable target; stop what was started for it afterwards.

    `embedded` (the default) with no endpoint starts a stack: in this process (`in_process`, the CLI) or in a
    child process (pytest, where moto's `mock_aws` would reset an in-process stack's state). `prefix` (the CLI's
    --prefix) is put before every resource name deployed on the target; on real AWS it replaces the checkout's
    generated prefix.
    """
    with _opened(name, endpoint_url=endpoint_url, region=region, allow_real_aws=allow_real_aws,
                 in_process=in_process, start_localstack=start_localstack, prefix=prefix) as target:
        yield dataclasses.replace(target, prefix=prefix) if prefix else target


@contextmanager
def _opened(name: str | None, *, endpoint_url: str | None, region: str, allow_real_aws: bool, in_process: bool,
            start_localstack: bool, prefix: str | None) -> Iterator[Target]:
    if endpoint_url is not None:
        endpoint_url = check_endpoint(endpoint_url)
    if name == "aws":
        yield resolve("aws", region=region, allow_real_aws=allow_real_aws, prefix=prefix)
    elif name == "localstack":
        with localstack.session(endpoint_url or localstack.localstack_url(), start_if_needed=start_localstack) as found:
            if found.url is None:
                raise TargetUnavailable(found.reason)
            target = localstack.target(found.url, region)
            localstack.wait_ready(target)
            yield target
    elif endpoint_url:
        require_stack(endpoint_url, region)
        yield embedded.target(endpoint_url, region)
    elif in_process:
        from ..emulator.server import EmbeddedStack

        with EmbeddedStack(port=0, region=region) as stack:
            yield embedded.target(stack.url, region)
    else:
        from ..emulator.process import StackProcess

        with StackProcess(region=region) as proc:
            yield embedded.target(proc.url, region)


def resolve(name: str | None, *, endpoint_url: str | None = None, region: str, allow_real_aws: bool = False,
            prefix: str | None = None, wait: bool = True, wait_timeout: float = 180.0, check: bool = True) -> Target:
    """The target the CLI asked for, ready to use.

    `endpoint_url` wins (any endpoint; its form checked, then asked once unless `check` is false), except that with
    `localstack` it only says where LocalStack is. `localstack`: fails within seconds when nothing answers there
    (`localstack.wait_healthy`), else waits until its health endpoint reports the stack's services and its
    functions have left `Pending`. `aws`: refuses (RealAwsRefused, exit status 2) without `allow_real_aws` or
    HARNESS_ALLOW_REAL_AWS=1, then names everything with a unique prefix (unless `prefix` was given explicitly,
    already applied by the caller) and tags it with the owner.
    """
    if endpoint_url is not None:
        endpoint_url = check_endpoint(endpoint_url)
        if name != "localstack":
            if check:
                require_stack(endpoint_url, region)
            return endpoint(endpoint_url, region)
    if name == "localstack":
        target = localstack.target(endpoint_url, region=region)
        if wait:
            log.info("waiting for LocalStack at %s", safe_url(target.endpoint.url or ""))
            localstack.wait_ready(target, timeout=wait_timeout)
        return target
    if name == "aws":
        aws.require_opt_in(allow_real_aws)
        aws.refuse_endpoint_override()
        owner = aws.owner()
        chosen = "" if prefix else aws.stack_prefix()
        return aws.target(region, prefix=chosen, tags={aws.OWNER_TAG: owner})
    raise UsageError("give --endpoint URL (e.g. a running `harness serve`: http://127.0.0.1:4566) or --target "
                     "localstack|aws")
