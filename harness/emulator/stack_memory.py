"""Everything the emulator keeps beside moto's backends, in one place, and the one reset that empties it.

moto keeps the control planes (functions, REST APIs, tables, log groups). The emulator keeps, here:

    deployments           the resource tree each API deployment serves (moto keeps none)   control plane
    api_homes             the account and region of each REST API id seen                 control plane
    policies              each function's policy statements while the policy is the same  control plane
    routers               each deployment's compiled routes                               gateway
    permission_decisions  what a policy decided for a source ARN                          gateway
    stage_throttles       the stages' token buckets                                       gateway
    usage_plans           usage plans' token buckets and quota counts                     gateway
    authorizer_results    Lambda authorizers' answers while their TTL lasts               gateway
    log_lines             log lines not yet written to CloudWatch Logs                    log shipper
    workers               the function pools: worker processes, waiting invocations       Lambda runtime

The parts read it through the object they are given (`ControlPlane`, `Gateway`, `LambdaRuntime` take a
`StackMemory`; each makes its own when given none, as unit tests do). `reset` (what `/moto-api/reset` runs) kills
every worker and waits until they are reaped (an invocation in flight ends as Runtime.ExitError; an asynchronous
one waiting for a retry is dropped), drops the waiting log lines, resets moto, then empties the rest.
Left out: the unzipped code cache (content-addressed: the same bytes unzip the same, so it outlives a reset) and
moto's applications per service (they hold no state).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from .gateway.authorizers import AuthorizerCache
from .gateway.route import RouterCache
from .gateway.throttle import Throttles, UsagePlanLimits
from .log_shipper import LogShipper
from .runtime.shared import FunctionPools
from .snapshots import ApiTree


@dataclass(frozen=True)
class StackMemory:
    """The emulator's own state (see the module's text for who uses which part)."""

    deployments: dict[tuple[str, str], ApiTree] = field(default_factory=dict)
    api_homes: dict[str, tuple[str, str]] = field(default_factory=dict)
    policies: dict[str, tuple[Any, Any, list[dict[str, Any]]]] = field(default_factory=dict)
    routers: RouterCache = field(default_factory=RouterCache)
    permission_decisions: dict[tuple[Any, ...], Any] = field(default_factory=dict)
    stage_throttles: Throttles = field(default_factory=Throttles)
    usage_plans: UsagePlanLimits = field(default_factory=UsagePlanLimits)
    authorizer_results: AuthorizerCache = field(default_factory=AuthorizerCache)
    log_lines: LogShipper = field(default_factory=LogShipper)
    workers: FunctionPools = field(default_factory=FunctionPools)

    def reset(self, reset_moto: Callable[[], None] = lambda: None) -> None:
        """Empty everything: workers first (none calls an API meanwhile), then the waiting log lines (none
        lands after the reset), then moto (`reset_moto`), then the rest."""
        self.workers.close_all()
        self.log_lines.drop()
        reset_moto()
        for kept in (self.deployments, self.api_homes, self.policies, self.permission_decisions):
            kept.clear()
        self.routers.clear()
        self.stage_throttles.clear()
        self.usage_plans.clear()
        self.authorizer_results.clear()
