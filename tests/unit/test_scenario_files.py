"""The shipped scenario files under scenarios/: they load and validate, and they keep the rules of a shared stack.

No stack is needed: these tests read the files through the replay loader (the same one `harness replay` and the
pytest plugin use) and inspect the model. Beyond the schema: names and item ids are unique; at least 8
troubleshooting files and 25 items in all; every troubleshooting case of the tutorial (its five headings) has a
file tagged `troubleshooting:<case>`; and the rules of scenario_rules.py (a description and tags, `requires` for
what LocalStack lacks, a teardown when writing, empty-table assertions on a variant of their own), which the
README's example keeps too (test_readme_scenario.py).
"""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from harness.replay import discover, is_scenario_file, load_scenario
from harness.replay.positions import loads
from harness.replay.scenario import HttpCall, InvokeCall, Scenario, ScenarioItem
from harness.replay.validation import SCHEMA_PATH, schema_problems

from .scenario_rules import (description_problems, empty_table_problems, lacking_requires, steps_of,
                             untidy_writes)

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ROOT / "scenarios"
TROUBLESHOOTING_CASES = {
    "troubleshooting:internal-server-error": "Internal server error: Check your JSON input",
    "troubleshooting:permissions": "Permissions: Check the permission for API resource and method to invoke Lambda",
    "troubleshooting:unexpected-parameter": "UnexpectedParameter: Unexpected key '0' found in params",
    "troubleshooting:access-denied": "AccessDeniedException: Unable to determine service/operation name",
    "troubleshooting:wrong-ids": "Wrong IDs: Make sure to check names and IDs",
}

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
    assert description_problems(load_scenario(path), path.relative_to(SCENARIOS).parts[0]) == []


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
    invoked = [s.call.payload for sc in tutorial for s in steps_of(sc) if isinstance(s.call, InvokeCall)]
    http_verbs = {s.call.method for sc in tutorial for s in steps_of(sc) if isinstance(s.call, HttpCall)}
    assert {"httpMethod": "GET", "queryStringParameters": {"TableName": "{{stack.table}}"}} in invoked
    assert any(isinstance(p, dict) and p.get("httpMethod") == "POST" and isinstance(p.get("body"), dict)
               for p in invoked), "the POST mock event with the body as an object"
    assert {"GET", "POST", "PUT", "DELETE"} <= http_verbs
    assert any("extra_tables" in s.stack for s in tutorial), "the API for another table than messages"


# ---- rules of the shared stack ---------------------------------------------------------------------------

def test_scenarios_declare_what_localstack_or_aws_lack(items):
    missing = {item.id: lacking_requires(item) for item in items if lacking_requires(item)}
    assert missing == {}


def test_scenarios_that_write_clean_up(items):
    untidy = [(item.id, untidy_writes(item)) for item in items if untidy_writes(item)]
    assert untidy == []


def test_empty_table_assertions_run_on_a_variant_of_their_own(scenarios, items):
    assert empty_table_problems(items, scenarios) == []
