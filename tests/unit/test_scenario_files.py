"""The shipped scenario files under scenarios/: they load and validate, and they keep the rules of a shared stack.

No stack is needed: these tests read the files through the replay loader (the same one `harness replay` and the
pytest plugin use) and inspect the model. Rules checked beyond the schema:
  - names and item ids are unique; at least 8 troubleshooting files and 25 items in all;
  - every troubleshooting case of the tutorial (its five headings) has a file tagged `troubleshooting:<case>`;
  - a scenario that depends on behaviour LocalStack lacks declares it in `requires` (so LocalStack skips it
    with the reason instead of failing);
  - a scenario that writes to the shared base stack cleans up in `teardown`;
  - a scenario that asserts an empty table runs on a variant (stack overrides) no other scenario uses.
"""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any, Iterator

import pytest

from harness.replay import discover, is_scenario_file, load_scenario
from harness.replay.scenario import UNSET, AwsCall, HttpCall, InvokeCall, LoadCall, Scenario, ScenarioItem, Step
from harness.replay.positions import loads
from harness.replay.validation import SCHEMA_PATH, schema_problems
from harness.targets import FEATURES

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ROOT / "scenarios"
TROUBLESHOOTING_CASES = {
    "troubleshooting:internal-server-error": "Internal server error: Check your JSON input",
    "troubleshooting:permissions": "Permissions: Check the permission for API resource and method to invoke Lambda",
    "troubleshooting:unexpected-parameter": "UnexpectedParameter: Unexpected key '0' found in params",
    "troubleshooting:access-denied": "AccessDeniedException: Unable to determine service/operation name",
    "troubleshooting:wrong-ids": "Wrong IDs: Make sure to check names and IDs",
}
WRITE_VERBS = {"POST", "PUT", "DELETE"}
WRITE_OPERATIONS = {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"}

ALL_JSON = sorted(SCENARIOS.rglob("*.json"))
SCENARIO_FILES = discover([SCENARIOS])


def _id(path: Path) -> str:
    return str(path.relative_to(SCENARIOS))


@pytest.fixture(scope="module")
def scenarios() -> list[Scenario]:
    return [load_scenario(path) for path in SCENARIO_FILES]


@pytest.fixture(scope="module")
def items(scenarios) -> list[ScenarioItem]:
    return [item for scenario in scenarios for item in scenario.items()]


def _steps(scenario: Scenario) -> Iterator[Step]:
    yield from scenario.setup
    yield from scenario.steps
    yield from scenario.teardown


def _resolve(value: Any, item: ScenarioItem) -> Any:
    """`"{{name}}"` -> the item's var `name` (one level, enough for verbs and bodies given as row vars)."""
    if isinstance(value, str) and value.startswith("{{") and value.endswith("}}"):
        return item.vars.get(value[2:-2].strip(), value)
    return value


# ---- files ------------------------------------------------------------------------------------------------

def test_there_are_scenario_files():
    assert len(SCENARIO_FILES) >= 20


@pytest.mark.parametrize("path", ALL_JSON, ids=_id)
def test_every_json_file_is_a_valid_scenario_or_fragment(path):
    document = loads(path.read_text(encoding="utf-8"))
    if is_scenario_file(path):
        load_scenario(path)  # raises ScenarioError with every problem (schema, matchers, includes...)
        schema_ref = (path.parent / document["$schema"]).resolve()
        assert schema_ref == SCHEMA_PATH.resolve(), f"$schema should be the relative path to {SCHEMA_PATH}"
    else:
        assert str(document.get("$schema", "")).endswith("fragment.schema.json"), \
            "a JSON file under scenarios/ is either a scenario or a fragment (with the fragment schema)"
        assert schema_problems(document, str(path), fragment=True) == []
        assert path.parent.name == "fragments"


@pytest.mark.parametrize("path", SCENARIO_FILES, ids=_id)
def test_every_scenario_file_is_collected_by_pytest(path):
    # harness.pytest_plugin skips every *schema.json file (meant for scenario.schema.json), so a scenario named
    # e.g. wrong_ids_key_schema.json would silently not run under pytest while `harness replay` runs it.
    assert not path.name.endswith("schema.json")


@pytest.mark.parametrize("path", SCENARIO_FILES, ids=_id)
def test_every_scenario_says_what_it_replays(path):
    scenario = load_scenario(path)
    assert len(scenario.description) >= 80, "the description says which tutorial step or case and what to look for"
    assert scenario.tags, "tags select scenarios (e.g. troubleshooting:permissions)"
    top = path.relative_to(SCENARIOS).parts[0]
    if top in ("tutorial", "troubleshooting"):
        assert top in scenario.tags
    if top == "troubleshooting":
        assert any(tag.startswith("troubleshooting:") for tag in scenario.tags)
    assert all(feature in FEATURES for feature in scenario.requires)


def test_names_and_item_ids_are_unique(scenarios, items):
    names = Counter(scenario.name for scenario in scenarios)
    assert [name for name, n in names.items() if n > 1] == []
    ids = Counter(item.id for item in items)
    assert [item_id for item_id, n in ids.items() if n > 1] == []


def test_enough_troubleshooting_files_and_items(items):
    troubleshooting = [p for p in SCENARIO_FILES if p.relative_to(SCENARIOS).parts[0] == "troubleshooting"]
    assert len(troubleshooting) >= 8
    assert len(items) >= 25
    tutorial = [p for p in SCENARIO_FILES if p.relative_to(SCENARIOS).parts[0] == "tutorial"]
    assert len(tutorial) >= 7


@pytest.mark.parametrize("tag", sorted(TROUBLESHOOTING_CASES), ids=str)
def test_every_tutorial_troubleshooting_case_is_covered(scenarios, tag):
    covering = [s.name for s in scenarios if tag in s.tags and "troubleshooting" in s.tags]
    assert covering, f"no scenario reproduces \"{TROUBLESHOOTING_CASES[tag]}\" (tag {tag})"


def test_the_tutorial_requests_are_all_there(scenarios):
    tutorial = [s for s in scenarios if "tutorial" in s.tags]
    invoked = [s.call.payload for sc in tutorial for s in _steps(sc) if isinstance(s.call, InvokeCall)]
    http_verbs = {s.call.method for sc in tutorial for s in _steps(sc) if isinstance(s.call, HttpCall)}
    assert {"httpMethod": "GET", "queryStringParameters": {"TableName": "{{stack.table}}"}} in invoked
    assert any(isinstance(p, dict) and p.get("httpMethod") == "POST" and isinstance(p.get("body"), dict)
               for p in invoked), "the POST mock event with the body as an object"
    assert {"GET", "POST", "PUT", "DELETE"} <= http_verbs
    assert any("extra_tables" in s.stack for s in tutorial), "the API for another table than messages"


# ---- rules of the shared stack ---------------------------------------------------------------------------

def _needs(item: ScenarioItem) -> set[str]:
    """The `requires` features an item depends on, judged from its overrides and steps."""
    needed: set[str] = set()
    overrides = item.overrides
    if "permission" in overrides or "source_arn" in overrides:
        needed.add("invoke-permission")
    if overrides.get("reserved_concurrency") == 0:
        needed.add("throttle-500")
    if "integration_timeout_ms" in overrides:
        needed.add("integration-timeout")
    for step in _steps(item.scenario):
        if step.expect.logs is not None and step.expect.logs.execution:
            needed.add("execution-logs")
        if isinstance(step.call, AwsCall) and (step.call.service, step.call.operation) == ("apigateway",
                                                                                             "TestInvokeMethod"):
            needed.add("test-invoke-method")
        if isinstance(step.call, AwsCall) and step.call.service == "logs" and "Execution-Logs" in json.dumps(
                step.call.params):
            needed.add("execution-logs")
        if isinstance(step.call, HttpCall) and step.call.api_id and step.expect.status == 404:
            needed.add("unknown-api-404")
    return needed


def test_scenarios_declare_what_localstack_or_aws_lack(items):
    missing = {}
    for item in items:
        lacking = _needs(item) - set(item.scenario.requires)
        if lacking:
            missing[item.id] = sorted(lacking)
    assert missing == {}


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


def test_scenarios_that_write_clean_up(items):
    untidy = []
    for item in items:
        writes = [s.where for s in (*item.scenario.setup, *item.scenario.steps) if _writes(s, item)]
        if writes and not item.scenario.teardown:
            untidy.append((item.id, writes))
    assert untidy == []


def _expects_empty_table(scenario: Scenario) -> bool:
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

    return any(empty(s.expect.json) or empty(s.expect.json_subset) for s in _steps(scenario))


def test_empty_table_assertions_run_on_a_variant_of_their_own(scenarios, items):
    def key(item: ScenarioItem) -> str:
        return json.dumps(item.overrides, sort_keys=True)

    users = Counter()
    for scenario in scenarios:
        for overrides in {key(item) for item in scenario.items()}:
            users[overrides] += 1
    problems = []
    for item in items:
        if not _expects_empty_table(item.scenario):
            continue
        if not item.overrides:
            problems.append(f"{item.id}: asserts an empty table on the shared base stack")
        elif users[key(item)] > 1:
            problems.append(f"{item.id}: asserts an empty table on a variant other scenarios share")
    assert problems == []
