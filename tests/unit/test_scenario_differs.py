"""A scenario step's `differs`: what a target answers instead of AWS, per parameter row, named after a difference
that target declares; execution-log lines left unchecked where no execution log is written; and the table of
docs/targets.md, checked against the scenarios."""
from __future__ import annotations

import dataclasses
import json

import pytest

from harness.replay.differences import BEGIN, END, ROOT, declared, rewrite, scenario_list, skipped, tables
from harness.replay.loader import load_scenario
from harness.replay.results import FAILED, PASSED
from harness.replay.scenario import UNSET
from harness.replay.stacks import FixedStack
from harness.replay.validation import ScenarioError, schema
from harness.targets import embedded
from harness.targets.localstack import LOCALSTACK_DIFFERS
from harness.targets.sessions import planned

from .test_replay_runner import FakeLogs, FakeTransport, make_runner, outputs, scenario_file

ROWS = """
"name": "rows",
"params": [{"id": "missing-table", "vars": {"message": "Requested resource not found"}},
           {"id": "good", "vars": {"message": "ok"}}],
"steps": [{"http": {"path": "/db-api"},
           "expect": {"status": 400, "json": {"message": "{{message}}"}},
           "differs": {"localstack": [
             {"difference": "dynamodb-missing-table-message", "rows": ["missing-table"],
              "expect": {"json": {"message": "Cannot do operations on a non-existent table"}}}]}}]
"""


def _answer(message: str) -> FakeTransport:
    return FakeTransport(lambda request, n: FakeTransport.json(400, {"message": message}))


def test_a_row_s_difference_is_checked_on_its_target_only(tmp_path):
    scenario = load_scenario(scenario_file(tmp_path, ROWS))
    step = scenario.steps[0]
    expect, difference = step.expect_on("localstack", "missing-table")
    assert difference.name == "dynamodb-missing-table-message" and expect.status == 400  # the rest is kept
    assert expect.json == {"message": "Cannot do operations on a non-existent table"}
    assert step.expect_on("localstack", "good") == (step.expect, None)
    assert step.expect_on("embedded", "missing-table") == (step.expect, None)

    localstack = planned("localstack", URL_LS)
    item = scenario.items()[0]
    with make_runner(target=localstack, stacks=FixedStack(outputs()),
                     transport=_answer("Cannot do operations on a non-existent table")) as runner:
        result = runner.run_item(item)
    assert result.outcome == PASSED and result.steps[0].difference == "dynamodb-missing-table-message"
    with make_runner(target=embedded.target("http://e"), stacks=FixedStack(outputs()),
                     transport=_answer("Cannot do operations on a non-existent table")) as runner:
        aws_answer = runner.run_item(item)
    assert aws_answer.outcome == FAILED and aws_answer.steps[0].difference is None  # AWS's answer is still wanted


URL_LS = "http://ls:4566"

STACKS = """
"name": "template stacks",
"steps": [{"http": {"path": "/db-api"},
           "expect": {"status": 200, "json": {"description": "Api for db-api"}},
           "differs": {"localstack": {"difference": "cfn-openapi-body-drops-description", "stacks": "template",
                                      "expect": {"json": {}}}}}]
"""


def test_a_difference_for_template_stacks_is_checked_on_a_template_s_stack_only(tmp_path):
    scenario = load_scenario(scenario_file(tmp_path, STACKS))
    step = scenario.steps[0]
    expect, difference = step.expect_on("localstack", template=True)
    assert difference.name == "cfn-openapi-body-drops-description" and expect.json == {}
    assert step.expect_on("localstack", template=False) == (step.expect, None)  # the plan's stack: AWS's answer

    from_template = dataclasses.replace(outputs(), resources={"DbApi": "api123"})
    assert from_template.from_template and not outputs().from_template
    answer = FakeTransport(lambda request, n: FakeTransport.json(200, {}))
    localstack = planned("localstack", URL_LS)
    with make_runner(target=localstack, stacks=FixedStack(from_template), transport=answer) as runner:
        on_template = runner.run_item(scenario.items()[0])
    assert on_template.outcome == PASSED and on_template.steps[0].difference == "cfn-openapi-body-drops-description"
    with make_runner(target=localstack, stacks=FixedStack(outputs()), transport=answer) as runner:
        on_plan = runner.run_item(scenario.items()[0])
    assert on_plan.outcome == FAILED and on_plan.steps[0].difference is None


def test_one_entry_per_kind_of_stack_is_not_covering_a_row_twice(tmp_path):
    both = ('[{"difference": "cfn-openapi-body-drops-description", "stacks": "template", "expect": {"status": 1}},'
            ' {"difference": "unknown-stage-404", "stacks": "plan", "expect": {"status": 2}}]')
    path = scenario_file(tmp_path, f'"name": "x", "steps": [{{"http": {{}}, "expect": {{"status": 403}}, '
                                   f'"differs": {{"localstack": {both}}}}}]')
    step = load_scenario(path).steps[0]
    assert step.expect_on("localstack", template=True)[0].status == 1
    assert step.expect_on("localstack", template=False)[0].status == 2


def test_drop_leaves_a_part_unchecked_there_and_keeps_the_others(tmp_path):
    body = """
    "name": "drop",
    "steps": [{"http": {}, "expect": {"status": 502, "json": {"message": "Internal server error"}},
               "differs": {"localstack": {"difference": "proxy-object-body-200", "expect": {"status": 200,
                           "body": "ItemsCountScannedCount"}, "drop": ["json"]}}}]
    """
    expect, _ = load_scenario(scenario_file(tmp_path, body)).steps[0].expect_on("localstack")
    assert (expect.status, expect.body, expect.json) == (200, "ItemsCountScannedCount", UNSET)


@pytest.mark.parametrize("differs, message", [
    ('{"localstack": {"difference": "no-such-thing", "expect": {"status": 1}}}', 'got "no-such-thing"'),
    ('{"embedded": {"difference": "unknown-stage-404", "expect": {"status": 404}}}',
     "embedded declares no difference named 'unknown-stage-404' (it declares: none)"),
    ('{"localstack": {"difference": "unknown-stage-404"}}', 'give "expect"'),
    ('{"localstack": {"difference": "unknown-stage-404", "expect": {"status": 404}, "drop": ["status"]}}',
     "'status' is both dropped and expected"),
    ('{"localstack": {"difference": "unknown-stage-404", "rows": ["nope"], "expect": {"status": 404}}}',
     "no parameter row 'nope' (rows: none: the scenario has no params)"),
    ('{"localstack": [{"difference": "unknown-stage-404", "expect": {"status": 404}},'
     ' {"difference": "unknown-stage-404", "expect": {"status": 404}}]}', "a row is covered twice for localstack"),
    ('{"localstack": [{"difference": "unknown-stage-404", "expect": {"status": 404}},'
     ' {"difference": "unknown-stage-404", "stacks": "template", "expect": {"status": 404}}]}',
     "a row is covered twice for localstack: every row"),
    ('{"localstack": {"difference": "unknown-stage-404", "stacks": "sam", "expect": {"status": 404}}}', "sam"),
    ('{"localstack": {"difference": "unknown-stage-404", "expect": {"json": {"m": "{{stack.tabel}}"}}}}',
     "stack.tabel"),
])
def test_a_wrong_difference_is_named_before_anything_runs(tmp_path, differs, message):
    path = scenario_file(tmp_path, f'"name": "x", "steps": [{{"http": {{}}, "expect": {{"status": 403}}, '
                                   f'"differs": {differs}}}]')
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    assert message in str(caught.value) and "differs" in str(caught.value)


def test_execution_log_lines_are_left_unchecked_where_none_are_written_and_the_result_says_so(tmp_path):
    body = '"name": "logs", "steps": [{"http": {}, "expect": {"status": 200, "logs": {"execution": ["Method ' \
           'completed with status: 200"], "function": ["START"], "timeout": 0}}}]'
    item = load_scenario(scenario_file(tmp_path, body)).items()[0]
    logs = FakeLogs({"/aws/lambda/db-api": [["START RequestId: 1\n"]]})
    with make_runner(target=planned("localstack", URL_LS), stacks=FixedStack(outputs()), logs=logs) as runner:
        result = runner.run_item(item)
    assert result.outcome == PASSED, result.steps[0].mismatches
    assert result.steps[0].unchecked == (
        "logs.execution (1 lines) not checked: localstack: LocalStack does not write API Gateway execution logs",)
    with make_runner(stacks=FixedStack(outputs()), logs=logs) as runner:  # the embedded stack writes them
        checked = runner.run_item(item)
    assert checked.outcome == FAILED and checked.steps[0].unchecked == ()
    assert [m.path for m in checked.steps[0].mismatches] == ["logs.execution"]


def test_the_schema_names_exactly_the_differences_the_targets_declare():
    names = schema()["$defs"]["difference"]["enum"]
    every = {name for target in ("embedded", "localstack", "aws", "endpoint") for name in planned(target).differs}
    assert sorted(names) == sorted(every) == sorted(LOCALSTACK_DIFFERS)


def test_every_declared_difference_is_used_by_a_scenario_step():
    """A declared difference nobody states would be a stale claim about LocalStack."""
    uses = declared(scenario_list(), planned("localstack"))
    assert [u.name for u in uses if not u.where] == []
    assert [u.name for u in skipped(scenario_list(), planned("localstack")) if not u.where] == []


def test_docs_targets_md_holds_the_table_of_the_scenarios():
    """docs/targets.md's table is `python -m harness.replay.differences` run on the scenarios as they are."""
    doc = (ROOT / "docs" / "targets.md").read_text(encoding="utf-8")
    wanted = tables(scenario_list(), planned("localstack"))
    assert rewrite(doc, wanted) == doc, "stale: run `python -m harness.replay.differences` and commit docs/targets.md"


def test_rewrite_replaces_only_between_the_markers():
    text = f"head\n{BEGIN}\nold\n{END}\ntail\n"
    assert rewrite(text, "new") == f"head\n{BEGIN}\nnew\n{END}\ntail\n"
    with pytest.raises(ValueError):
        rewrite("no markers", "new")


def test_the_shipped_scenarios_state_aws_s_answer_first():
    """Every `differs` entry is beside an `expect` (AWS's answer stays the step's own expectation)."""
    for path in sorted((ROOT / "scenarios").rglob("*.json")):
        document = json.loads(path.read_text(encoding="utf-8"))
        for phase in ("setup", "steps", "teardown"):
            for step in document.get(phase, []):
                if "differs" in step:
                    assert "expect" in step, f"{path.name}: {step.get('name')}"

