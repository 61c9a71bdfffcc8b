"""The whole scenario suite on a real LocalStack, and the skips it takes checked by forcing them (skipped, with the
reason, when no LocalStack answers; see conftest.py).

What it proves there: every item passes or is skipped for a behaviour LocalStack lacks (`requires`), the steps
that declare a LocalStack difference (`differs`) get LocalStack's pinned answer, and every skipped item fails
when forced, so each skip reason is true. Timing bounds are reported, not enforced (LocalStack starts a
container per cold start). Left out: the compose file itself (no image registry where this was written).
"""
from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from harness import targets
from harness.deploy import StackSettings
from harness.load.step_driver import drive
from harness.replay import load_items, runner_for, skip_reason
from harness.replay.results import FAILED, PASSED, SKIPPED
from harness.replay.scenario import runtime_key
from harness.targets import localstack as ls

pytestmark = [pytest.mark.localstack, pytest.mark.slow]

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


def _run(target: targets.Target, items):
    with runner_for(target, settings=StackSettings(region=target.region).with_prefix("lssuite-"),
                    destroy_base=True, enforce_timing=False, load=drive) as runner:
        return [runner.run_item(item) for item in items]


def test_health_says_community_edition_and_the_pinned_version(localstack_endpoint):
    health = ls.probe(localstack_endpoint)
    pinned = ls.DEFAULT_IMAGE.rsplit(":", 1)[1]
    assert (health.edition, health.version) == ("community", pinned), health


def test_every_scenario_passes_or_is_skipped_for_what_localstack_lacks(localstack_target):
    results = _run(localstack_target, load_items([SCENARIOS]))
    failed = [r.item_id for r in results if r.outcome == FAILED]
    assert failed == [], failed
    reasons = {r.skip_reason for r in results if r.outcome == SKIPPED}
    assert all(reason.startswith("localstack: LocalStack ") for reason in reasons), reasons
    assert {reason.split(": ", 1)[1] for reason in reasons} <= set(ls.LOCALSTACK_LACKS.values())
    differing = {step.difference for r in results for step in r.steps if step.difference}
    on_plan = {d.name for item in load_items([SCENARIOS]) for phase in (item.scenario.setup, item.scenario.steps)
               for step in phase for d in step.differs.get("localstack", ())
               if d.stacks != "template" and (not d.runtimes or runtime_key(d.runtimes, "python3.12"))}
    assert differing == on_plan, "a declared difference no step met on LocalStack"  # template and Node.js ones:
    # see test_templates_and_node_on_localstack.py
    assert sum(r.outcome == PASSED for r in results) >= 50


def test_every_skip_is_true_when_forced(localstack_target):
    """Run the skipped items as if LocalStack had what they require: each must fail, else its skip is a lie."""
    skipped = [item for item in load_items([SCENARIOS]) if skip_reason(localstack_target, item)]
    assert skipped, "nothing is skipped on LocalStack any more: drop this test"
    forced = _run(dataclasses.replace(localstack_target, lacks={}), skipped)
    passing = [r.item_id for r in forced if r.outcome != FAILED]
    assert passing == [], f"these pass on LocalStack although skipped there: {passing}"
