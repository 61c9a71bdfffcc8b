"""API Gateway's own throttling: token buckets per stage and method setting, and the 429 through the chain."""
from __future__ import annotations

import dataclasses
from types import MappingProxyType

from harness.emulator.gateway.throttle import TokenBucket, setting_key
from harness.emulator.snapshots import Throttle
from tests.unit.test_gateway_chain import call, lines
from tests.unit.test_gateway_support import API, FakeSubmit, resource, standard_control


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_bucket_spends_its_burst_then_refills_at_its_rate():
    clock = Clock()
    bucket = TokenBucket(Throttle(rate=2.0, burst=3), clock)
    assert [bucket.take() for _ in range(4)] == [True, True, True, False]
    clock.now += 0.4  # 0.8 of a token
    assert not bucket.take()
    clock.now += 0.1  # one token
    assert bucket.take() and not bucket.take()
    clock.now += 60  # never more than the burst
    assert [bucket.take() for _ in range(4)] == [True, True, True, False]


def test_a_burst_of_zero_refuses_everything():
    bucket = TokenBucket(Throttle(rate=1000.0, burst=0), Clock())
    assert not any(bucket.take() for _ in range(5))


def test_a_method_s_own_setting_wins_over_the_stage_wide_one():
    stage = standard_control().stages[(API, "prod")]
    assert setting_key(stage, "/db-api", "GET") is None
    wide = dataclasses.replace(stage, throttling=MappingProxyType({"*/*": Throttle(1.0, 1)}))
    assert setting_key(wide, "/db-api", "GET") == "*/*"
    both = dataclasses.replace(stage, throttling=MappingProxyType({
        "*/*": Throttle(1.0, 1), "~1db-api/GET": Throttle(5.0, 5), "~1other/GET": Throttle(0.0, 0)}))
    assert setting_key(both, "/db-api", "GET") == "~1db-api/GET"
    assert setting_key(both, "/db-api", "POST") == "*/*"
    assert setting_key(both, "/", "GET") == "*/*"


def throttled_control(throttling):
    control = standard_control(resource("/db-api", "GET"))
    key = (API, "prod")
    control.stages[key] = dataclasses.replace(control.stages[key], throttling=MappingProxyType(throttling))
    return control


def test_over_the_limit_is_429_before_anything_runs():
    from harness.emulator.gateway.chain import Gateway, to_response
    from harness.emulator.gateway.parse import execute_api_target
    from tests.unit.test_gateway_support import make_request

    control = throttled_control({"*/*": Throttle(rate=0.0, burst=1)})
    submit = FakeSubmit({"statusCode": 200, "body": "ok"})
    gateway = Gateway(control=control, submit=submit)

    def get():
        request = make_request(f"/_aws/execute-api/{API}/prod/db-api")
        return to_response(gateway.answer(request, execute_api_target(request.path, request.host)))

    first, second = get(), get()
    assert first.status_code == 200
    assert second.status_code == 429
    assert second.get_json() == {"message": "Too Many Requests"}
    assert second.headers["x-amzn-ErrorType"] == "TooManyRequestsException"
    assert len(submit.calls) == 1  # the function never saw the throttled request
    assert len(control.log_writes) == 1  # and it wrote no execution log
    stage = control.stages[(API, "prod")]
    control.stages[(API, "prod")] = dataclasses.replace(stage, throttling=MappingProxyType(
        {"*/*": Throttle(rate=0.0, burst=2)}))  # a changed setting: a new, full bucket
    assert get().status_code == 200


def test_other_methods_and_unthrottled_stages_are_not_limited():
    control = throttled_control({"~1elsewhere/GET": Throttle(rate=0.0, burst=0)})
    submit = FakeSubmit({"statusCode": 200, "body": "ok"})
    assert all(call(control, submit).status_code == 200 for _ in range(3))
    assert not any("Too Many" in line for line in lines(control))


def test_quota_windows_are_utc_days_iso_weeks_and_months():
    from harness.emulator.gateway.throttle import quota_window

    thursday = 1795651200.0  # 2026-11-26T00:00:00Z
    assert quota_window("DAY", thursday) == "2026-11-26" and quota_window("DAY", thursday - 1) == "2026-11-25"
    assert quota_window("WEEK", thursday) == "2026-W48" == quota_window("WEEK", thursday + 3 * 86400)  # Sunday
    assert quota_window("WEEK", thursday + 4 * 86400) == "2026-W49"  # Monday starts the next
    assert quota_window("MONTH", thursday) == "2026-11" and quota_window("MONTH", thursday + 5 * 86400) == "2026-12"


def test_a_usage_plan_throttles_and_counts_per_key():
    from harness.emulator.gateway.throttle import UsagePlanLimits
    from harness.emulator.snapshots import ApiKeyUse, Throttle

    now = [0.0]
    wall = [1795651200.0]
    limits = UsagePlanLimits(clock=lambda: now[0], wall=lambda: wall[0])
    throttled = ApiKeyUse("k1", "p1", throttle=Throttle(rate=1.0, burst=2))
    assert [limits.check(throttled) for _ in range(2)] == [None, None]
    assert limits.check(throttled).message == "Too Many Requests"
    now[0] += 1.0  # one token back
    assert limits.check(throttled) is None
    assert limits.check(ApiKeyUse("k2", "p1", throttle=Throttle(rate=1.0, burst=2))) is None  # its own bucket

    quota = ApiKeyUse("k1", "p2", quota_limit=2, quota_period="DAY")
    assert [limits.check(quota) for _ in range(2)] == [None, None]
    refused = limits.check(quota)
    assert (refused.status, refused.message, refused.error_type) == (429, "Limit Exceeded", "LimitExceededException")
    wall[0] += 86400  # the next day
    assert limits.check(quota) is None
