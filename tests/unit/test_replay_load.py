"""The scenario `load` step: the schema and the loader (a `LoadCall` holding a `LoadProfile`), and the runner
running it against a fake db-api over loopback HTTP, with thresholds and the lost-write check as mismatches."""
from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from harness.load.step_driver import drive
from harness.replay.load_profile import BUILTIN, Thresholds
from harness.replay.loader import load_scenario
from harness.replay.scenario import HttpCall, LoadCall
from harness.replay.report import format_failure
from harness.replay.results import FAILED, PASSED
from harness.replay.runner import Runner
from harness.replay.validation import ScenarioError
from harness.replay.writers import transcript

from .loadkit import FakeDbApi

HEAD = '"$schema": "../harness/replay/scenario.schema.json"'

PEAK = """
"name": "peak",
"vars": {"author": "Newsroom"},
"steps": [
  {"name": "the peak", "load": {
    "clients": 4, "ramp_s": 0.1, "requests": 40, "seed": 5, "timeout": 7,
    "mix": [
      {"name": "read", "weight": 3, "http": {"method": "GET", "query": {"TableName": "{{stack.table}}"}}},
      {"weight": 1, "http": {"method": "POST", "json": {"TableName": "{{stack.table}}",
        "Item": {"id": "{{uuid}}", "author": "{{author}}", "n": "{{load.seq}}"}}}},
      {"kind": "put", "weight": 0.5}
    ],
    "expect": {"max_error_rate": 0, "max_p99_ms": 5000}
  }},
  {"name": "after", "http": {"query": {"TableName": "{{stack.table}}"}}, "expect": {"status": 200}}
],
"teardown": [{"http": {"query": {"TableName": "{{stack.table}}"}}}]
"""


def write(tmp_path: Path, body: str, name: str = "s.json") -> Path:
    path = tmp_path / name
    path.write_text("{" + HEAD + ",\n" + textwrap.dedent(body).strip() + "\n}\n")
    return path


def error_of(tmp_path: Path, body: str) -> str:
    with pytest.raises(ScenarioError) as exc:  # shown relative to the working directory (see the fixture below)
        load_scenario(write(tmp_path, body, "broken.json"))
    return str(exc.value)


def test_a_load_block_becomes_a_load_call(tmp_path):
    scenario = load_scenario(write(tmp_path, PEAK))
    step = scenario.steps[0]
    assert step.kind == "load" and step.name == "the peak" and step.where == "steps[0]"
    assert isinstance(step.call, LoadCall) and step.call.cleanup is True
    profile = step.call.profile
    assert (profile.clients, profile.ramp_s, profile.requests, profile.duration_s) == (4, 0.1, 40, None)
    assert (profile.seed, profile.timeout_s) == (5, 7.0)
    read, post, put = profile.mix
    assert (read.label, read.weight, read.kind) == ("read", 3.0, "get")
    assert read.http == HttpCall(method="GET", query={"TableName": "{{stack.table}}"}, timeout=7.0)
    assert post.kind == "post" and post.http.json["Item"]["id"] == "{{uuid}}"  # rendered per request, later
    assert put.http == HttpCall(**{**BUILTIN["put"].__dict__, "timeout": 7.0}) and put.weight == 0.5
    assert profile.thresholds == Thresholds(max_p99_ms=5000, max_error_rate=0)


def test_defaults_and_a_generated_name(tmp_path):
    scenario = load_scenario(write(tmp_path, """
        "name": "x", "steps": [{"load": {"duration_s": 2, "cleanup": false, "mix": [{"kind": "get"}]}}]"""))
    step = scenario.steps[0]
    assert step.name == "load: 8 clients, 2 s, mix get 100%" and step.call.cleanup is False
    assert step.call.profile.thresholds == Thresholds() and step.call.profile.thresholds.no_lost_writes


@pytest.mark.parametrize("body, message", [
    ('"name": "x", "steps": [{"load": {\n"mix": [{"kind": "get"}]}}]',
     'broken.json:2: steps[0].load: give "requests" (a count), "duration_s" (seconds), or both'),
    ('"name": "x", "steps": [{"load": {"requests": 5, "mix": [\n{"kind": "get", "http": {}}]}}]',
     'broken.json:3: steps[0].load.mix[0]: give either "kind" (get, post, put, delete) or an "http" template, '
     'not both'),
    ('"name": "x", "steps": [{"load": {"requests": 5, "mix": [\n{"kind": "fetch"}]}}]',
     'broken.json:3: steps[0].load.mix[0].kind: expected one of "get", "post", "put", "delete", got "fetch"'),
    ('"name": "x", "steps": [{"load": {"requests": 5, "mix": [{"kind": "get"}], "expect": {\n"max_p99": 5}}}]',
     'broken.json:3: steps[0].load.expect.max_p99: unknown field (did you mean "max_p99_ms"?); allowed: '
     'max_error_rate, max_p95_ms, max_p99_ms, min_rps, no_lost_writes'),
    ('"name": "x", "steps": [{"load": {"requests": 5, "mix": [{"kind": "get"}], "expect": {\n"max_error_rate": 5}}}]',
     'broken.json:3: steps[0].load.expect.max_error_rate: expected a number <= 1, got 5'),
    ('"name": "x", "steps": [{"load": {"requests": 5, "mix": [{"kind": "get"}]},\n"expect": {"status": 200}}]',
     'broken.json:3: steps[0].expect: a load step takes no "expect"; its thresholds go in "load.expect"'),
    ('"name": "x", "steps": [{"load": {"requests": 5, "mix": [{"kind": "get"}]},\n"retry": {}}]',
     'broken.json:3: steps[0].retry: a load step takes no "retry"'),
    ('"name": "x", "steps": [{\n"load": {"requests": 5, "mix": [{"kind": "get"}, {"kind": "delete"}]}}]',
     'broken.json:3: steps[0].load: put and delete act on items this run wrote: add post to the mix'),
    ('"name": "x", "steps": [\n{"http": {}, "load": {"requests": 5, "mix": [{"kind": "get"}]}}]',
     'broken.json:3: steps[0]: a step has exactly one of "http", "invoke", "aws", "load"; found "http" and "load"'),
])
def test_load_block_errors_name_file_line_and_field(tmp_path, monkeypatch, body, message):
    monkeypatch.chdir(tmp_path)
    assert error_of(tmp_path, body) == message


class Stacks:
    def __init__(self, api: FakeDbApi) -> None:
        self.api = api

    def acquire(self, overrides):
        return self.api.outputs

    def release(self):
        return []


class Aws:
    """The runner's AwsCaller on the fake's table (DynamoDB through the document client only)."""

    def __init__(self, api: FakeDbApi) -> None:
        self.api = api

    def call(self, service, operation, params, *, document=False):
        assert service == "dynamodb" and document
        return self.api.call(operation, params)


class Transport:
    """Plain http steps through requests (the fake is real HTTP)."""

    def __init__(self) -> None:
        from harness.replay.transport import RequestsTransport

        self.inner = RequestsTransport()

    def send(self, request):
        return self.inner.send(request)

    def close(self):
        self.inner.close()


def runner(api: FakeDbApi, enforce_timing: bool = True) -> Runner:
    return Runner(api.target, Stacks(api), transport=Transport(), aws=Aws(api), enforce_timing=enforce_timing,
                  load=drive)


def test_the_runner_runs_a_load_step_between_other_steps(tmp_path):
    item = load_scenario(write(tmp_path, PEAK)).items()[0]
    with FakeDbApi() as api:
        result = runner(api).run_item(item)
        left = list(api.tables["messages"].values())
    assert result.outcome == PASSED, format_failure(result)
    load, after, teardown = result.steps
    assert [s.kind for s in result.steps] == ["load", "http", "http"] and after.outcome == PASSED
    figures = load.response.json
    assert figures["requests"] == 40 and figures["errors"] == 0 and figures["writes"]["ok"]
    assert set(figures["kinds"]) <= {"read", "post", "put"} and "read" in figures["kinds"]
    assert "40 requests in" in load.response.text and "PASS" in load.response.text
    assert load.request.kind == "load" and load.request.params["clients"] == 4
    assert left == []  # cleaned up after the check
    step = transcript([result])["items"][0]["steps"][0]
    assert step["kind"] == "load" and step["response"]["json"]["requests"] == 40


def test_posts_use_the_step_variables_and_fresh_generators(tmp_path):
    body = PEAK.replace('"seed": 5,', '"seed": 5, "cleanup": false,')
    item = load_scenario(write(tmp_path, body)).items()[0]
    with FakeDbApi() as api:
        result = runner(api).run_item(item)
        items = list(api.tables["messages"].values())
    assert result.outcome == PASSED
    assert items and {i["author"] for i in items} == {"Newsroom"}
    assert len({i["id"] for i in items}) == len(items)
    assert all(isinstance(i["n"], int) for i in items)


def test_broken_thresholds_and_lost_writes_are_mismatches(tmp_path):
    body = PEAK.replace('"max_p99_ms": 5000', '"max_p99_ms": 0.001, "min_rps": 1000000')

    def fault(method, item_id, n):
        return (200, False) if method == "POST" else None

    item = load_scenario(write(tmp_path, body)).items()[0]
    with FakeDbApi(fault=fault) as api:
        result = runner(api).run_item(item)
    assert result.outcome == FAILED
    load = result.steps[0]
    # every POST was lost; an update the mix drew after a POST was acknowledged is refused (400), an error too -
    # whether one was drawn that late depends on the clients' timing, so that one mismatch may or may not be there
    paths = [m.path for m in load.mismatches]
    order = ["load.p99", "load.error_rate", "load.rps", "load.lost_writes"]
    assert paths == [path for path in order if path in paths]
    assert {"load.p99", "load.rps", "load.lost_writes"} <= set(paths)
    assert load.mismatches[0].expected == "<= 0.001 ms"
    assert [s.phase for s in result.steps] == ["steps", "teardown"]  # the item stopped; teardown ran
    report = format_failure(result)
    assert "load.lost_writes: expected 0, got" in report and "status codes: 200: " in report
    assert "load http://127.0.0.1:" in report  # the request: the profile


def test_a_template_error_in_the_table_fails_the_step_before_sending(tmp_path):
    body = """
        "name": "x", "steps": [{"load": {"requests": 5, "table": "{{stack.tables.7}}", "mix": [{"kind": "get"}]}}]"""
    item = load_scenario(write(tmp_path, body)).items()[0]
    with FakeDbApi() as api:
        result = runner(api).run_item(item)
        sent = api.count
    assert result.outcome == FAILED and "'stack.tables' has no index '7'" in result.steps[0].error
    assert sent == 0


def test_an_unbound_name_in_the_table_is_caught_at_load_time(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert error_of(tmp_path, """
        "name": "x", "steps": [{"load": {"requests": 5, "table": "{{tabel}}", "mix": [{"kind": "get"}]}}]""") == (
        "broken.json:2: steps[0].load.table: {{tabel}}: nothing named 'tabel' is bound here; bound: stack, target")


def test_the_shipped_peak_scenario_loads():
    root = Path(__file__).resolve().parents[2]
    scenario = load_scenario(root / "scenarios" / "load" / "peak.json")
    profile = scenario.steps[0].call.profile
    assert (profile.clients, profile.requests) == (8, 200)
    weights = {e.kind: e.weight for e in profile.mix}
    assert weights["get"] / sum(weights.values()) == 0.9
    assert profile.thresholds.max_error_rate == 0 and profile.thresholds.no_lost_writes
    assert json.loads((root / "scenarios" / "load" / "peak.json").read_text())["teardown"]


def test_reported_timing_bounds_are_notes_and_lost_writes_still_fail(tmp_path):
    body = PEAK.replace('"max_p99_ms": 5000', '"max_p99_ms": 0.001, "min_rps": 1000000')
    item = load_scenario(write(tmp_path, body)).items()[0]
    with FakeDbApi() as api:
        result = runner(api, enforce_timing=False).run_item(item)
    assert result.outcome == PASSED, format_failure(result)
    assert [m.path for m in result.steps[0].notes] == ["load.p99", "load.rps"]

    def fault(method, item_id, n):
        return (200, False) if method == "POST" else None

    with FakeDbApi(fault=fault) as api:
        result = runner(api, enforce_timing=False).run_item(item)
    assert result.outcome == FAILED
    assert "load.lost_writes" in [m.path for m in result.steps[0].mismatches]
    assert not {"load.p99", "load.rps"} & {m.path for m in result.steps[0].mismatches}


def test_a_runner_without_a_load_driver_fails_the_load_step_and_goes_on(tmp_path):
    item = load_scenario(write(tmp_path, PEAK)).items()[0]
    with FakeDbApi() as api:
        bare = Runner(api.target, Stacks(api), transport=Transport(), aws=Aws(api))  # no `load=`
        result = bare.run_item(item)
        sent = api.count
    assert result.outcome == FAILED
    load, teardown = result.steps
    assert load.kind == "load" and load.error.startswith("no load driver: this runner was built without one")
    assert load.request.kind == "load" and teardown.phase == "teardown" and teardown.outcome == PASSED
    assert sent == 1  # the teardown's GET only
    assert "error: no load driver" in format_failure(result)


def test_the_driver_gets_the_profile_and_the_step_variables_and_its_outcome_is_judged(tmp_path):
    from harness.replay import LoadOutcome

    seen = {}

    def driver(profile, *, target, outputs, dynamo, variables, cleanup):
        seen.update(profile=profile, variables=variables, cleanup=cleanup, tables=dynamo("ListTables", {}))
        return LoadOutcome(requests=10, errors=1, elapsed_s=2.0, p95_ms=3.0, p99_ms=9.0, status={200: 9, 0: 1},
                           lost=("a", "b"), broken=("whatever the driver says",), report="text", figures={"n": 10})

    class Listing(Aws):
        def call(self, service, operation, params, *, document=False):
            return {"TableNames": ["messages"]} if operation == "ListTables" else super().call(
                service, operation, params, document=document)

    item = load_scenario(write(tmp_path, PEAK)).items()[0]
    with FakeDbApi() as api:
        result = Runner(api.target, Stacks(api), transport=Transport(), aws=Listing(api), load=driver).run_item(item)
    assert seen["profile"] is item.scenario.steps[0].call.profile and seen["cleanup"] is True
    assert seen["variables"]["author"] == "Newsroom" and seen["variables"]["stack"]["table"] == "messages"
    assert seen["tables"] == {"TableNames": ["messages"]}
    load = result.steps[0]
    assert [str(m) for m in load.mismatches] == [  # p99 9 ms holds (<= 5000 ms); the driver's own verdict is
        "load.error_rate: expected <= 0.00%, got 10.00% (1 of 10; status 200: 9, no answer: 1)",  # not repeated
        "load.lost_writes: expected 0, got 2"]
    assert load.mismatches[1].detail == "ids: a, b"
    assert load.response.text == "text" and load.response.json == {"n": 10} and load.response.duration_ms == 2000


def test_replay_never_imports_harness_load():
    import subprocess
    import sys

    code = ("import sys, harness.replay, harness.pytest_plugin; "
            "print(sorted(m for m in sys.modules if m.startswith('harness.load')))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
