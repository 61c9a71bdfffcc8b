"""API Gateway's own throttling: the stage's method settings as token buckets, one per stage and setting.

A method's own setting (`~1db-api/ANY`) wins over the stage-wide one (`*/*`); a request that finds its bucket
empty gets 429 `Too Many Requests` before anything runs (no execution log, no invocation). Buckets start
full and refill continuously; a changed setting starts a new bucket. `UsagePlanLimits`: a usage plan's
throttle (a bucket per plan and key: 429 `Too Many Requests`) and quota (requests per UTC day, ISO week from
Monday or month, per plan and key: 429 `Limit Exceeded`) [I for the quota's period start and wording].
Left out: the account-level limits (10,000 requests/s), a quota's `offset`.
"""
from __future__ import annotations

import threading
import time
from typing import Callable

from ..snapshots import ApiKeyUse, DeployedStage, Throttle
from .context import InvocationContext
from .gateway_responses import GatewayError, limit_exceeded, too_many_requests


class TokenBucket:
    """`burst` tokens at most, `rate` more per second; `take` spends one if there is one."""

    def __init__(self, throttle: Throttle, clock: Callable[[], float]) -> None:
        self.throttle = throttle
        self._clock = clock
        self._tokens = float(throttle.burst)
        self._last = clock()
        self._lock = threading.Lock()

    def take(self) -> bool:
        with self._lock:
            now = self._clock()
            burst = float(self.throttle.burst)
            self._tokens = min(burst, self._tokens + (now - self._last) * self.throttle.rate)
            self._last = now
            if self._tokens >= 1.0:
                self._tokens -= 1.0
                return True
            return False


def setting_key(stage: DeployedStage, resource_path: str, http_method: str) -> str | None:
    """The method-settings key that applies to a method of the stage, or None when none throttles it."""
    if not stage.throttling:
        return None
    own = f"{resource_path.replace('/', '~1')}/{http_method}"
    if own in stage.throttling:
        return own
    return "*/*" if "*/*" in stage.throttling else None


class Throttles:
    """Every stage's buckets (thread-safe)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._buckets: dict[tuple[str, str, str, str], TokenBucket] = {}
        self._lock = threading.Lock()

    def clear(self) -> None:
        """Forget every bucket (they start full again)."""
        with self._lock:
            self._buckets.clear()

    def check(self, ctx: InvocationContext) -> GatewayError | None:
        """429 when the request's method has a throttling setting and its bucket is empty."""
        stage, resource, method = ctx.deployed, ctx.resource, ctx.method
        if stage is None or resource is None or method is None or ctx.test_invoke:
            return None
        key = setting_key(stage, resource.path, method.http_method)
        if key is None or stage.throttling is None:
            return None
        throttle = stage.throttling[key]
        slot = (stage.account_id, stage.api_id, stage.stage, key)
        with self._lock:
            bucket = self._buckets.get(slot)
            if bucket is None or bucket.throttle != throttle:
                bucket = self._buckets[slot] = TokenBucket(throttle, self._clock)
        return None if bucket.take() else too_many_requests()


def quota_window(period: str, now_s: float) -> str:
    """Which quota period `now_s` (epoch seconds) falls in: `2026-11-27`, `2026-W48` or `2026-11` (UTC)."""
    import datetime

    day = datetime.datetime.fromtimestamp(now_s, datetime.timezone.utc).date()
    if period == "WEEK":
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    if period == "MONTH":
        return f"{day.year}-{day.month:02d}"
    return day.isoformat()


class UsagePlanLimits:
    """Every (usage plan, API key)'s throttle bucket and quota count (thread-safe)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic, wall: Callable[[], float] = time.time) -> None:
        self._clock, self._wall = clock, wall
        self._buckets: dict[tuple[str, str], TokenBucket] = {}
        self._counts: dict[tuple[str, str, str], int] = {}
        self._lock = threading.Lock()

    def clear(self) -> None:
        """Forget every bucket and quota count."""
        with self._lock:
            self._buckets.clear()
            self._counts.clear()

    def check(self, use: ApiKeyUse) -> GatewayError | None:
        """429 when the key's bucket in the plan is empty, or its quota for this period is used up."""
        slot = (use.plan_id, use.key_id)
        with self._lock:
            if use.throttle is not None:
                bucket = self._buckets.get(slot)
                if bucket is None or bucket.throttle != use.throttle:
                    bucket = self._buckets[slot] = TokenBucket(use.throttle, self._clock)
            else:
                bucket = None
            if use.quota_limit is not None:
                window = (*slot, quota_window(use.quota_period, self._wall()))
                if self._counts.get(window, 0) >= use.quota_limit:
                    return limit_exceeded()
        if bucket is not None and not bucket.take():
            return too_many_requests()
        if use.quota_limit is not None:
            with self._lock:
                self._counts[window] = self._counts.get(window, 0) + 1
        return None
