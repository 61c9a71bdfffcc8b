"""API Gateway's own throttling: the stage's method settings as token buckets, one per stage and setting.

A method's own setting (`~1db-api/ANY`) wins over the stage-wide one (`*/*`); a request that finds its bucket
empty gets 429 `Too Many Requests` before anything runs (no execution log, no invocation). Buckets start
full and refill continuously; a changed setting starts a new bucket. Left out: the account-level limits
(10,000 requests/s), the throttle and quota of usage plans (API keys themselves are checked: chain.py).
"""
from __future__ import annotations

import threading
import time
from typing import Callable

from ..model import DeployedStage, Throttle
from .context import InvocationContext
from .errors import GatewayError, too_many_requests


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
