"""The emulator's own state in one place (stack_memory.py), and the one reset that empties it."""
from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from harness.emulator.aws_errors import AwsError
from harness.emulator.gateway.authorizers import AuthorizerAnswer
from harness.emulator.runtime import LambdaRuntime
from harness.emulator.snapshots import ApiKeyUse, FunctionConfig, Throttle
from harness.emulator.stack_memory import StackMemory
from tests.unit.test_gateway_support import stage


class FakePool:
    def __init__(self, order: list[str]) -> None:
        self.order = order

    def close(self) -> list:
        self.order.append("workers")
        return []


def test_reset_kills_the_workers_first_drops_the_log_lines_then_resets_moto_then_empties_the_rest():
    memory = StackMemory()
    order: list[str] = []
    memory.workers.get(("arn", "$LATEST"), lambda: FakePool(order))
    memory.log_lines.put(("r", "a", "g", "s"), [(1, "waiting")])
    memory.deployments[("api", "dep")] = ()
    memory.api_homes["api"] = ("a", "r")
    memory.policies["arn"] = (None, None, [])
    memory.permission_decisions[("k",)] = ([], None)
    memory.routers.get(stage())
    memory.authorizer_results.put(("api", "prod", "auth", "token"), AuthorizerAnswer("p", (), {}), 300)
    use = ApiKeyUse(key_id="k", plan_id="p", throttle=Throttle(rate=1.0, burst=1), quota_limit=1, quota_period="DAY")
    assert memory.usage_plans.check(use) is None and memory.usage_plans.check(use) is not None  # used up

    def reset_moto() -> None:
        order.append(f"moto (log lines waiting: {memory.log_lines.pending()})")

    memory.reset(reset_moto)
    assert order == ["workers", "moto (log lines waiting: 0)"]
    assert memory.workers.items() == [] and memory.workers.epoch == 1 and not memory.workers.closed
    assert not (memory.deployments or memory.api_homes or memory.policies or memory.permission_decisions)
    assert memory.authorizer_results.get(("api", "prod", "auth", "token")) is None
    assert memory.routers._routers == {} and memory.usage_plans.check(use) is None  # counters start again


def test_every_field_is_emptied_by_reset():
    """A new kind of state added to StackMemory must be emptied by reset too (this test names them all)."""
    assert [f.name for f in dataclasses.fields(StackMemory)] == [
        "deployments", "api_homes", "policies", "routers", "permission_decisions", "stage_throttles",
        "usage_plans", "authorizer_results", "log_lines", "workers"]


def test_an_invocation_submitted_before_a_reset_is_not_retried_after_it(tmp_path: Path):
    memory = StackMemory()
    runtime = LambdaRuntime(endpoint_url="http://127.0.0.1:9", code_loader=lambda fn: b"", log_writer=print,
                            work_dir=tmp_path, pools=memory.workers)
    fn = FunctionConfig(name="f", arn="arn:aws:lambda:us-east-1:123456789012:function:f", runtime="python3.12",
                        handler="index.handler", timeout=3, memory_size=128, code_sha256="x", role="r",
                        region="us-east-1", account_id="123456789012")
    try:
        before = runtime.epoch
        memory.reset()
        assert runtime.epoch == before + 1
        with pytest.raises(AwsError) as refused:
            runtime.submit(fn, b"{}", epoch=before)
        assert refused.value.status == 404
    finally:
        runtime.shutdown()
    with pytest.raises(AwsError) as closed:
        runtime.submit(fn, b"{}")
    assert closed.value.status == 503
