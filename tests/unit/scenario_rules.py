"""The rules a scenario keeps to beyond the schema, as functions that return what is wrong (empty: nothing).

Shared by test_scenario_files.py (every shipped scenario) and test_readme_scenario.py (the README's example):
  - it says what it replays: a description of 80+ characters, tags (a file under scenarios/tutorial or
    scenarios/troubleshooting carries its folder's tag, troubleshooting ones a `troubleshooting:<case>` too),
    only known `requires` features;
  - a scenario that depends on behaviour LocalStack (or AWS) lacks declares it in `requires` (execution-log lines
    in `expect.logs` do not: they are left unchecked where no execution log is written);
  - a scenario that writes to the shared base stack cleans up in `teardown`;
  - a scenario that asserts an empty table runs on a variant (stack overrides) no other scenario uses.
"""
from __future__ import annotations

import json
from collections import Counter
from typing import Any, Iterable, Iterator

from harness.replay import UNSET, HttpCall, LoadCall, Scenario, ScenarioItem
from harness.replay.scenario import AwsCall, InvokeCall, Step
from harness.targets import FEATURES

WRITE_VERBS = {"POST", "PUT", "DELETE"}
WRITE_OPERATIONS = {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"}


def steps_of(scenario: Scenario) -> Iterator[Step]:
    yield from scenario.setup
    yield from scenario.steps
    yield from scenario.teardown


def _resolve(value: Any, item: ScenarioItem) -> Any:
    """`"{{name}}"` -> the item's var `name` (one level, enough for verbs and bodies given as row vars)."""
    if isinstance(value, str) and value.startswith("{{") and value.endswith("}}"):
        return item.vars.get(value[2:-2].strip(), value)
    return value


def description_problems(scenario: Scenario, folder: str) -> list[str]:
    """What is missing for the scenario to say what it replays (`folder`: its folder under scenarios/)."""
    problems = []
    if len(scenario.description) < 80:
        problems.append("the description (80+ characters) says which tutorial step or case and what to look for")
    if not scenario.tags:
        problems.append("tags select scenarios (e.g. troubleshooting:permissions)")
    if folder in ("tutorial", "troubleshooting") and folder not in scenario.tags:
        problems.append(f"a file under scenarios/{folder}/ is tagged {folder!r}")
    if folder == "troubleshooting" and not any(tag.startswith("troubleshooting:") for tag in scenario.tags):
        problems.append("a troubleshooting file is tagged troubleshooting:<case>")
    unknown = [feature for feature in scenario.requires if feature not in FEATURES]
    if unknown:
        problems.append(f"unknown requires: {', '.join(unknown)}")
    return problems


def needs(item: ScenarioItem) -> set[str]:
    """The `requires` features an item depends on, judged from its overrides and steps."""
    needed: set[str] = set()
    overrides = item.overrides
    if "permission" in overrides or "source_arn" in overrides:
        needed.add("invoke-permission")
    if overrides.get("reserved_concurrency") == 0:
        needed.add("throttle-500")
    if "integration_timeout_ms" in overrides:
        needed.add("integration-timeout")
    for step in steps_of(item.scenario):
        # expect.logs.execution needs nothing: where no execution log is written, those lines are left unchecked
        # (and the result says so); the rest of the step still runs (harness.replay.steps.checkable)
        if isinstance(step.call, AwsCall) and (step.call.service, step.call.operation) == ("apigateway",
                                                                                             "TestInvokeMethod"):
            needed.add("test-invoke-method")
        if isinstance(step.call, AwsCall) and step.call.service == "logs" and "Execution-Logs" in json.dumps(
                step.call.params):
            needed.add("execution-logs")
        if isinstance(step.call, HttpCall) and step.call.api_id and step.expect.status == 404:
            needed.add("unknown-api-404")
    return needed


def lacking_requires(item: ScenarioItem) -> list[str]:
    return sorted(needs(item) - set(item.scenario.requires))


def _writes(step: Step, item: ScenarioItem) -> bool:
    """A step that changes a table when it succeeds (and is expected to succeed)."""
    status = step.expect.status
    if status is not UNSET and status != 200 and status != [200]:
        return False
    call = step.call
    if isinstance(call, HttpCall):
        return str(_resolve(call.method, item)).upper() in WRITE_VERBS
    if isinstance(call, InvokeCall):
        payload = _resolve(call.payload, item)
        return isinstance(payload, dict) and str(payload.get("httpMethod")).upper() in WRITE_VERBS
    if isinstance(call, LoadCall):  # a peak writes when its mix holds a write
        return any(str(_resolve(e.http.method, item)).upper() in WRITE_VERBS for e in call.profile.mix if e.weight)
    return call.service == "dynamodb" and call.operation in WRITE_OPERATIONS


def untidy_writes(item: ScenarioItem) -> list[str]:
    """The steps that write when the scenario has no teardown."""
    if item.scenario.teardown:
        return []
    return [s.where for s in (*item.scenario.setup, *item.scenario.steps) if _writes(s, item)]


def expects_empty_table(scenario: Scenario) -> bool:
    def empty(value: Any) -> bool:
        if isinstance(value, dict):
            if value.get("Count") == 0 or value.get("Items") == []:
                return True
            return any(empty(v) for v in value.values())
        if isinstance(value, list):
            return any(empty(v) for v in value)
        if isinstance(value, str) and value.startswith("{"):
            try:
                return empty(json.loads(value))
            except ValueError:
                return False
        return False

    return any(empty(s.expect.json) or empty(s.expect.json_subset) for s in steps_of(scenario))


def _variant(item: ScenarioItem) -> str:
    return json.dumps(item.overrides, sort_keys=True)


def empty_table_problems(items: Iterable[ScenarioItem], scenarios: Iterable[Scenario]) -> list[str]:
    """Items asserting an empty table on the shared base stack, or on a variant other scenarios share too."""
    users: Counter[str] = Counter()
    for scenario in scenarios:
        for variant in {_variant(item) for item in scenario.items()}:
            users[variant] += 1
    problems = []
    for item in items:
        if not expects_empty_table(item.scenario):
            continue
        if not item.overrides:
            problems.append(f"{item.id}: asserts an empty table on the shared base stack")
        elif users[_variant(item)] > 1:
            problems.append(f"{item.id}: asserts an empty table on a variant other scenarios share")
    return problems
