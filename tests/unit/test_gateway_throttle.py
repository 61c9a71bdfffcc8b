"""API Gateway's own throttling: token buckets per stage and method setting, and the 429 through the chain."""
from __future__ import annotations

import dataclasses
from types import MappingProxyType

from harness.emulator.gateway.throttle import TokenBucket, setting_key
from harness.emulator.model import Throttle
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
    from harness.emulator.gateway.chain import Gateway
    from harness.emulator.gateway.parse import execute_api_target
    from tests.unit.test_gateway_support import make_request

    control = throttled_control({"*/*": Throttle(rate=0.0, burst=1)})
    submit = FakeSubmit({"statusCode": 200, "body": "ok"})
    gateway = Gateway(control=control, submit=submit)

    def get():
        request = make_request(f"/_aws/execute-api/{API}/prod/db-api")
        return gateway.handle(request, execute_api_target(request.path, request.host))

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
