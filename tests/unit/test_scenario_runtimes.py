"""A scenario's `runtimes`: per-runtime vars and stack overrides (scenario and row) and per-runtime expectations
(step), picked by the stack function's runtime (the longest matching key), with a target's `differs` on top."""
from __future__ import annotations

import pytest

from harness.deploy import StackSettings
from harness.replay.loader import load_scenario
from harness.replay.results import FAILED, PASSED, SKIPPED, Response
from harness.replay.scenario import UNSET, runtime_key
from harness.replay.stacks import DeployingStacks, FixedStack
from harness.replay.validation import ScenarioError

from .test_replay_runner import FakeTransport, make_runner, outputs, scenario_file

ROWS = """
"name": "per runtime",
"stack": {"timeout": 1},
"runtimes": {"nodejs": {"stack": {"memory_size": 256}}},
"params": [{"id": "broken", "stack": {"code_files": {"index.py": "raise RuntimeError('x')\\n"}},
            "vars": {"message": "python says", "status": 400},
            "runtimes": {"nodejs": {"stack": {"code_files": {"index.js": "throw new Error('x');\\n"}},
                                    "vars": {"message": "node says"}},
                         "nodejs24.x": {"vars": {"message": "node 24 says"}}}}],
"steps": [{"http": {"path": "/db-api"},
           "expect": {"status": "{{status}}", "json": {"message": "{{message}}"}},
           "runtimes": {"nodejs": {"expect": {"body": "{{message}}"}, "drop": ["json"]}},
           "differs": {"localstack": {"difference": "dynamodb-missing-table-message",
                                      "expect": {"status": 404}}}}]
"""


def test_runtime_key_is_the_longest_start_of_the_runtime():
    keys = {"nodejs": 1, "nodejs24.x": 2, "python": 3}
    assert runtime_key(keys, "nodejs20.x") == "nodejs"
    assert runtime_key(keys, "nodejs24.x") == "nodejs24.x"
    assert runtime_key(keys, "python3.12") == "python"
    assert runtime_key(keys, "provided.al2023") is None and runtime_key(keys, None) is None


def test_vars_and_overrides_for_a_runtime(tmp_path):
    item = load_scenario(scenario_file(tmp_path, ROWS)).items()[0]
    assert item.overrides_for("python3.12") == item.overrides == {
        "timeout": 1, "code_files": {"index.py": "raise RuntimeError('x')\n"}}
    assert item.overrides_for("nodejs20.x") == {"timeout": 1, "memory_size": 256,
                                                "code_files": {"index.js": "throw new Error('x');\n"}}
    assert item.vars_for("python3.12") == {"message": "python says", "status": 400}
    assert item.vars_for("nodejs20.x") == {"message": "node says", "status": 400}
    assert item.vars_for("nodejs24.x")["message"] == "node 24 says"


def test_a_step_s_runtime_expectation_and_a_target_difference_on_top(tmp_path):
    step = load_scenario(scenario_file(tmp_path, ROWS)).steps[0]
    assert step.expect_on("embedded", "broken", "python3.12") == (step.expect, None)
    node, difference = step.expect_on("embedded", "broken", "nodejs20.x")
    assert difference is None and (node.status, node.json, node.body) == ("{{status}}", UNSET, "{{message}}")
    on_localstack, difference = step.expect_on("localstack", "broken", "nodejs20.x")
    assert difference.name == "dynamodb-missing-table-message"
    assert (on_localstack.status, on_localstack.json, on_localstack.body) == (404, UNSET, "{{message}}")


class _Stacks(FixedStack):
    def __init__(self, runtime: str) -> None:
        super().__init__(outputs(), runtime)
        self.acquired: list[dict] = []

    def acquire(self, overrides):
        self.acquired.append(dict(overrides))
        return self.outputs


@pytest.mark.parametrize("runtime, answer, outcome", [
    ("python3.12", {"message": "python says"}, PASSED),
    ("nodejs20.x", "node says", PASSED),
    ("nodejs20.x", {"message": "python says"}, FAILED),  # the Node answer is wanted where Node runs
])
def test_the_runner_picks_the_stack_function_s_runtime(tmp_path, runtime, answer, outcome):
    item = load_scenario(scenario_file(tmp_path, ROWS)).items()[0]
    text = Response(400, {"Content-Type": "application/json"}, str(answer).encode(), duration_ms=1.0)
    transport = FakeTransport(lambda request, n: text if isinstance(answer, str) else FakeTransport.json(400, answer))
    stacks = _Stacks(runtime)
    with make_runner(stacks=stacks, transport=transport) as runner:
        result = runner.run_item(item)
    assert result.outcome == outcome, result
    assert ("memory_size" in stacks.acquired[0]) == runtime.startswith("nodejs")  # the runtime's stack overrides


def test_deploying_stacks_know_the_runtime_the_overrides_give():
    stacks = DeployingStacks(StackSettings(runtime="nodejs20.x"), clients=None)  # type: ignore[arg-type]
    assert stacks.runtime({}) == "nodejs20.x"
    assert stacks.runtime({"runtime": "python3.13"}) == "python3.13"


def test_a_var_only_a_runtime_binds_counts_as_bound_and_bad_keys_are_refused(tmp_path):
    load_scenario(scenario_file(tmp_path, """
        "name": "node only var",
        "params": [{"id": "a", "vars": {"x": 1}, "runtimes": {"nodejs": {"vars": {"only_node": "y"}}}}],
        "steps": [{"http": {"path": "/db-api"}, "expect": {"status": 200},
                   "runtimes": {"nodejs": {"expect": {"body": "{{only_node}}"}}}}]"""))
    with pytest.raises(ScenarioError) as refused:
        load_scenario(scenario_file(tmp_path, """
            "name": "bad key",
            "steps": [{"http": {"path": "/db-api"}, "expect": {"status": 200},
                       "runtimes": {"Node JS": {"drop": ["status"]}}}]""", name="bad.json"))
    assert "runtimes" in str(refused.value)


SKIPPED_ON_NODE = """
"name": "python port only",
"runtimes": {"nodejs": {"skip": "handler-node has no ALLOWED_TABLES check"}},
"params": [{"id": "plain"},
           {"id": "row says", "runtimes": {"nodejs20.x": {"skip": "row reason"}, "python3.13": {"skip": "not 3.13"}}}],
"steps": [{"http": {"path": "/db-api"}, "expect": {"status": 200}}]
"""


def test_a_runtime_entry_s_skip_is_loaded_and_the_row_s_wins(tmp_path):
    plain, row = load_scenario(scenario_file(tmp_path, SKIPPED_ON_NODE)).items()
    assert plain.runtime_skip("nodejs20.x") == "nodejs20.x: handler-node has no ALLOWED_TABLES check"
    assert row.runtime_skip("nodejs20.x") == "nodejs20.x: row reason"
    assert row.runtime_skip("nodejs22.x") == "nodejs22.x: handler-node has no ALLOWED_TABLES check"
    assert row.runtime_skip("python3.13") == "python3.13: not 3.13"
    assert plain.runtime_skip("python3.12") is None and plain.runtime_skip(None) is None  # unknown runtime: runs
    assert plain.overrides_for("nodejs20.x") == {} and plain.vars_for("nodejs20.x") == {}


@pytest.mark.parametrize("runtime, outcome", [("python3.12", PASSED), ("nodejs20.x", SKIPPED)])
def test_the_runner_skips_an_item_its_function_s_runtime_is_excluded_from(tmp_path, runtime, outcome):
    item = load_scenario(scenario_file(tmp_path, SKIPPED_ON_NODE)).items()[0]
    transport = FakeTransport(lambda request, n: FakeTransport.json(200, {}))
    stacks = _Stacks(runtime)
    with make_runner(stacks=stacks, transport=transport) as runner:
        result = runner.run_item(item)
    assert result.outcome == outcome, result
    if outcome == SKIPPED:
        assert result.skip_reason == "nodejs20.x: handler-node has no ALLOWED_TABLES check"
        assert stacks.acquired == [] and transport.sent == []  # nothing deployed, nothing sent


def test_an_empty_skip_reason_is_refused(tmp_path):
    with pytest.raises(ScenarioError) as refused:
        load_scenario(scenario_file(tmp_path, """
            "name": "empty reason",
            "runtimes": {"nodejs": {"skip": ""}},
            "steps": [{"http": {"path": "/db-api"}, "expect": {"status": 200}}]"""))
    assert "skip" in str(refused.value)


SCOPED = """
"name": "a difference per runtime",
"params": [{"id": "missing-table", "vars": {"message": "Requested resource not found"}},
           {"id": "node-only", "vars": {"message": "Value null"}}],
"steps": [{"http": {"path": "/db-api"},
           "expect": {"status": 400, "json": {"message": "{{message}}"}},
           "runtimes": {"nodejs": {"expect": {"body": "{{message}}"}, "drop": ["json"]}},
           "differs": {"localstack": [
             {"difference": "dynamodb-missing-table-message", "rows": ["missing-table"],
              "expect": {"json": {"message": "Cannot do operations on a non-existent table"}}},
             {"difference": "dynamodb-missing-table-message", "rows": ["missing-table"], "runtimes": ["nodejs"],
              "expect": {"body": "Cannot do operations on a non-existent table"}},
             {"difference": "dynamodb-missing-key-message", "rows": ["missing-table"], "runtimes": ["nodejs24.x"],
              "expect": {"body": "node 24"}},
             {"difference": "dynamodb-null-member-message", "rows": ["node-only"], "runtimes": ["nodejs"],
              "expect": {"body": "node's wording"}}]}}]
"""


def test_a_difference_scoped_to_a_runtime_wins_there_and_one_for_every_runtime_holds_elsewhere(tmp_path):
    step = load_scenario(scenario_file(tmp_path, SCOPED)).steps[0]
    python, difference = step.expect_on("localstack", "missing-table", "python3.12")
    assert difference.name == "dynamodb-missing-table-message" and not difference.runtimes
    assert (python.json, python.body) == ({"message": "Cannot do operations on a non-existent table"}, UNSET)
    assert step.expect_on("localstack", "missing-table", None)[0] == python  # an unknown runtime: every runtime's
    node, difference = step.expect_on("localstack", "missing-table", "nodejs20.x")
    assert difference.runtimes == ("nodejs",)  # Node's own entry, laid over the step's Node expectation
    assert (node.status, node.json, node.body) == (400, UNSET, "Cannot do operations on a non-existent table")
    node24, difference = step.expect_on("localstack", "missing-table", "nodejs24.x")
    assert difference.name == "dynamodb-missing-key-message" and node24.body == "node 24"  # the longest key wins
    # a row only one runtime's answer differs on: the others check the step's (AWS's) answer
    assert step.expect_on("localstack", "node-only", "python3.12") == (step.expect, None)
    assert step.expect_on("localstack", "node-only", None) == (step.expect, None)
    assert step.expect_on("localstack", "node-only", "nodejs20.x")[0].body == "node's wording"
    assert step.expect_on("embedded", "missing-table", "nodejs20.x")[1] is None  # another target: none


@pytest.mark.parametrize("runtime, answer, outcome", [
    ("python3.12", {"message": "Cannot do operations on a non-existent table"}, PASSED),
    ("nodejs20.x", "Cannot do operations on a non-existent table", PASSED),
    ("nodejs20.x", "Requested resource not found", FAILED),  # AWS's wording is not what LocalStack's Node gives
    ("python3.12", {"message": "Requested resource not found"}, FAILED),
])
def test_the_runner_checks_the_difference_of_the_function_s_runtime(tmp_path, runtime, answer, outcome):
    from harness.targets.sessions import planned

    item = load_scenario(scenario_file(tmp_path, SCOPED)).items()[0]
    text = Response(400, {"Content-Type": "application/json"}, str(answer).encode(), duration_ms=1.0)
    transport = FakeTransport(lambda request, n: text if isinstance(answer, str) else FakeTransport.json(400, answer))
    with make_runner(target=planned("localstack", "http://ls:4566"), stacks=_Stacks(runtime),
                     transport=transport) as runner:
        result = runner.run_item(item)
    assert result.outcome == outcome, result
    assert result.steps[0].difference == "dynamodb-missing-table-message"


@pytest.mark.parametrize("entries, message", [
    ('[{"difference": "unknown-stage-404", "runtimes": ["nodejs"], "expect": {"status": 1}},'
     ' {"difference": "unknown-stage-404", "runtimes": ["nodejs", "python"], "expect": {"status": 2}}]',
     "a row is covered twice for localstack on nodejs, python: every row"),
    ('{"difference": "unknown-stage-404", "runtimes": ["Node JS"], "expect": {"status": 1}}', "runtimes"),
    ('{"difference": "unknown-stage-404", "runtimes": [], "expect": {"status": 1}}', "runtimes"),
])
def test_runtime_scoped_differences_covering_a_row_twice_or_badly_named_are_refused(tmp_path, entries, message):
    with pytest.raises(ScenarioError) as refused:
        load_scenario(scenario_file(tmp_path, f'"name": "x", "steps": [{{"http": {{}}, "expect": {{"status": 403}},'
                                              f' "differs": {{"localstack": {entries}}}}}]'))
    assert message in str(refused.value)


def test_entries_for_other_runtimes_or_every_runtime_may_share_a_row(tmp_path):
    step = load_scenario(scenario_file(tmp_path, """
        "name": "x",
        "steps": [{"http": {}, "expect": {"status": 403}, "differs": {"localstack": [
            {"difference": "unknown-stage-404", "expect": {"status": 1}},
            {"difference": "unknown-stage-404", "runtimes": ["nodejs"], "expect": {"status": 2}},
            {"difference": "unknown-stage-404", "runtimes": ["nodejs22.x", "python3.13"], "expect": {"status": 3}}]}}]
        """)).steps[0]
    assert [step.expect_on("localstack", None, runtime)[0].status
            for runtime in ("python3.12", "nodejs20.x", "nodejs22.x", "python3.13", None)] == [1, 2, 3, 3, 1]
