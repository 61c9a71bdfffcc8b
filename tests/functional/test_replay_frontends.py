"""The two front ends of the scenario engine: the pytest plugin (via pytester) and `harness replay`."""
from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

pytestmark = pytest.mark.functional
pytest_plugins = ["pytester"]

SCHEMA = str(Path(__file__).resolve().parents[2] / "harness" / "replay" / "scenario.schema.json")

PASSING = {
    "$schema": SCHEMA, "name": "scan answers JSON", "tags": ["tutorial", "troubleshooting:wrong-ids"],
    "steps": [{"name": "scan", "http": {"method": "GET", "query": {"TableName": "{{stack.table}}"}},
               "expect": {"status": 200, "headers": {"content-type": "application/json"},
                          "json_subset": {"Items": {"$type": "array"}}}}],
}
FAILING = {
    "$schema": SCHEMA, "name": "deliberately failing",
    "steps": [{"name": "scan a missing table", "http": {"method": "GET", "query": {"TableName": "nope"}},
               "expect": {"status": 200, "json": {"Items": []}}}],
}
AWS_ONLY = {"$schema": SCHEMA, "name": "only on aws", "targets": ["aws"],
            "steps": [{"http": {"method": "GET"}, "expect": {"status": 200}}]}
ROWS = {
    "$schema": SCHEMA, "name": "unsupported methods",
    "params": [{"id": "patch", "vars": {"verb": "PATCH"}}, {"id": "options", "vars": {"verb": "OPTIONS"}}],
    "steps": [{"http": {"method": "{{verb}}"},
               "expect": {"status": 400, "json": {"error": "UnsupportedMethod",
                                                   "message": "Unsupported method \"{{verb}}\""}}}],
}


def write(folder: Path, name: str, document: dict) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2))
    return path


def test_pytest_collects_scenarios_reports_mismatches_and_skips(pytester, stack_url):
    for name, doc in [("pass.json", PASSING), ("fail.json", FAILING), ("aws.json", AWS_ONLY), ("rows.json", ROWS)]:
        write(pytester.path / "scenarios", name, doc)
    result = pytester.runpytest("-p", "no:cacheprovider", "-rs", "scenarios", "--harness-endpoint", stack_url)
    result.assert_outcomes(passed=3, failed=1, skipped=1)
    result.stdout.fnmatch_lines([
        "*FAILED scenarios/fail.json::deliberately failing*",
        '*step steps?0? "scan a missing table" at scenarios/fail.json:*',
        "*status: expected 200, got 400*",
        "*$.Items: expected ?], got <absent>*",
        '*$.error: expected <absent>, got "ResourceNotFoundException"*',
        "*GET http://127.0.0.1:*/_aws/execute-api/*/prod/db-api?TableName=nope*",
        "*SKIPPED*embedded: the scenario applies to aws only*",
    ])
    listed = pytester.runpytest("-p", "no:cacheprovider", "--co", "-q", "scenarios", "-m", "troubleshooting_wrong_ids")
    listed.stdout.fnmatch_lines(["scenarios/pass.json::scan answers JSON", "*1/5 tests collected*"])


HAND_WRITTEN = """
import uuid

import requests


def test_the_fixtures_reach_the_deployed_stack(harness_target, harness_stack, harness_api_url, harness_clients,
                                               harness_runner):
    assert harness_target.name == "embedded" and harness_stack.invoke_url == harness_api_url
    table = harness_stack.tables[0]
    item_id = str(uuid.uuid4())
    documents = harness_clients.document_client()
    documents.put_item(TableName=table, Item={"id": item_id, "n": 1})
    try:
        items = requests.get(harness_api_url, params={"TableName": table}, timeout=30).json()["Items"]
        assert {"id": item_id, "n": 1} in items
    finally:  # the table is shared: leave it as found
        documents.delete_item(TableName=table, Key={"id": item_id})
    assert harness_clients("lambda").get_function(FunctionName=harness_stack.function_name)
    assert harness_runner.stacks.acquire({}) == harness_stack
"""


def test_hand_written_tests_get_the_stack_through_fixtures(pytester, stack_url):
    pytester.makepyfile(test_mine=HAND_WRITTEN)
    result = pytester.runpytest("-p", "no:cacheprovider", "test_mine.py", "--harness-endpoint", stack_url)
    result.assert_outcomes(passed=1)


def test_pytest_targets_localstack_and_aws_only_when_they_can_be_used(pytester, monkeypatch):
    write(pytester.path / "scenarios", "pass.json", PASSING)
    monkeypatch.delenv("HARNESS_ALLOW_REAL_AWS", raising=False)
    refused = pytester.runpytest("-p", "no:cacheprovider", "scenarios", "--harness-target", "aws")
    assert refused.ret == pytest.ExitCode.USAGE_ERROR
    refused.stderr.fnmatch_lines(["*--harness-target aws deploys billable resources: add --harness-allow-real-aws*"])
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.delenv("LOCALSTACK_HOST", raising=False)
    absent = pytester.runpytest("-p", "no:cacheprovider", "-rs", "scenarios", "--harness-target", "localstack",
                                "--harness-endpoint", "http://127.0.0.1:9", "--harness-no-start-localstack",
                                "--harness-region", "eu-west-1")
    absent.assert_outcomes(skipped=1)
    absent.stdout.fnmatch_lines(["*SKIPPED*localstack target unavailable: *127.0.0.1:9*"])
    nobody = pytester.runpytest("-p", "no:cacheprovider", "-rs", "scenarios", "--harness-endpoint",
                                "http://127.0.0.1:9")
    nobody.assert_outcomes(skipped=1)  # one reason, not a deploy failure per item
    nobody.stdout.fnmatch_lines(["*SKIPPED*embedded target unavailable: nothing answers at 127.0.0.1:9 *"
                                 "`harness serve --port 9`*"])


def test_harness_replay_against_nothing_says_so_once(tmp_path):
    write(tmp_path / "scenarios", "pass.json", PASSING)
    done = subprocess.run([sys.executable, "-m", "harness", "replay", str(tmp_path / "scenarios"), "--endpoint",
                           "http://127.0.0.1:9"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "harness: nothing answers at 127.0.0.1:9 (connection refused); "
        "start one with `harness serve --port 9`, or point the endpoint elsewhere"]


def test_pytest_reports_a_broken_file_precisely(pytester):
    write(pytester.path / "scenarios", "broken.json", BROKEN)
    result = pytester.runpytest("-p", "no:cacheprovider", "scenarios")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*scenarios/broken.json:*steps?0?.expect.status: expected a status code*"])
    assert "Traceback" not in result.stdout.str()


@pytest.mark.slow
def test_pytest_xdist_workers_each_get_their_own_stack(pytester):
    for index in range(4):
        write(pytester.path / "scenarios", f"pass{index}.json", dict(PASSING, name=f"scan {index}"))
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-n", "2", "scenarios")
    result.assert_outcomes(passed=4)


def test_harness_replay_cli_writes_junit_and_transcript(tmp_path, stack_url):
    folder = tmp_path / "scenarios"
    for name, doc in [("pass.json", PASSING), ("fail.json", FAILING), ("rows.json", ROWS)]:
        write(folder, name, doc)
    junit, transcript = tmp_path / "out.xml", tmp_path / "out.json"
    done = subprocess.run([sys.executable, "-m", "harness", "replay", str(folder), "--endpoint", stack_url,
                           "--junit", str(junit), "--json", str(transcript)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, done.stderr
    assert done.stdout.rstrip().splitlines()[-1].startswith("3 passed, 1 failed in ")
    assert "status: expected 200, got 400" in done.stdout
    cases = ET.parse(junit).getroot().findall(".//testcase")
    assert len(cases) == 4
    assert sum(1 for case in cases if case.find("failure") is not None) == 1
    assert len(json.loads(transcript.read_text())["items"]) == 4


QUIET = ("-p", "no:cacheprovider", "-W", "ignore::pytest.PytestAssertRewriteWarning")

SLOW = dict(PASSING, name="an impossible timing bound",
            steps=[{"name": "scan", "http": {"method": "GET", "query": {"TableName": "{{stack.table}}"}},
                    "expect": {"status": 200, "max_duration_ms": 0.001}}])


@pytest.mark.slow  # > 0.9 s: `make test` runs it, `make test-fast` does not
def test_pytest_enforces_timing_bounds_unless_told_to_report_them(pytester, stack_url):
    """Counts warnings, so pytest's own note that an editable install's `harness` was imported before the
    in-process run (setuptools' finder-based editable installs) is filtered out."""
    write(pytester.path / "scenarios", "slow.json", SLOW)
    enforced = pytester.runpytest(*QUIET, "scenarios", "--harness-endpoint", stack_url)
    enforced.assert_outcomes(failed=1)
    enforced.stdout.fnmatch_lines(["*duration: expected <= 0.001 ms, got * ms*"])
    reported = pytester.runpytest(*QUIET, "scenarios", "--harness-endpoint", stack_url,
                                  "--harness-timing-bounds", "report")
    reported.assert_outcomes(passed=1, warnings=1)
    reported.stdout.fnmatch_lines(["*scenarios/slow.json:*: HarnessTimingWarning: steps?0? \"scan\": duration: "
                                   "expected <= 0.001 ms, got * ms (reported, not enforced)*"])
    pytester.makeini("[pytest]\nharness_timing_bounds = report\n")
    from_ini = pytester.runpytest(*QUIET, "scenarios", "--harness-endpoint", stack_url)
    from_ini.assert_outcomes(passed=1, warnings=1)
    pytester.makeini("[pytest]\nharness_timing_bounds = sometimes\n")
    wrong = pytester.runpytest(*QUIET, "scenarios", "--harness-endpoint", stack_url)
    assert wrong.ret == pytest.ExitCode.USAGE_ERROR
    wrong.stderr.fnmatch_lines(["*harness_timing_bounds must be enforce or report, not 'sometimes'*"])


@pytest.mark.slow  # > 0.9 s: `make test` runs it, `make test-fast` does not
def test_harness_replay_reports_timing_bounds_when_asked(tmp_path, stack_url):
    write(tmp_path / "scenarios", "slow.json", SLOW)
    command = [sys.executable, "-m", "harness", "replay", str(tmp_path / "scenarios"), "--endpoint", stack_url]
    enforced = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert enforced.returncode == 1 and "duration: expected <= 0.001 ms" in enforced.stdout
    junit = tmp_path / "out.xml"
    reported = subprocess.run(command + ["--timing-bounds", "report", "--junit", str(junit)],
                              capture_output=True, text=True, timeout=120)
    assert reported.returncode == 0, reported.stdout
    assert "duration: expected <= 0.001 ms" in reported.stdout and "(timing bound reported, not enforced)" in reported.stdout
    case = ET.parse(junit).getroot().find(".//testcase")
    assert case.find("failure") is None and "not enforced" in case.find("system-out").text


@pytest.mark.slow  # > 0.9 s: `make test` runs it, `make test-fast` does not
def test_harness_replay_selects_by_tag_and_name_and_lists(tmp_path, stack_url):
    folder = tmp_path / "scenarios"
    for name, doc in [("pass.json", PASSING), ("fail.json", FAILING), ("rows.json", ROWS)]:
        write(folder, name, doc)
    base = [sys.executable, "-m", "harness", "replay", str(folder), "--endpoint", stack_url]
    listed = subprocess.run(base + ["--list"], capture_output=True, text=True, timeout=60)
    assert listed.returncode == 0 and listed.stdout.splitlines()[-1] == "4 scenario items"
    tagged = subprocess.run(base + ["--tag", "tutorial"], capture_output=True, text=True, timeout=120)
    assert tagged.returncode == 0, tagged.stdout
    assert tagged.stdout.rstrip().splitlines()[-1].startswith("1 passed, 0 failed in ")
    named = subprocess.run(base + ["-k", "[OPTIONS]", "--list"], capture_output=True, text=True, timeout=60)
    assert named.stdout.splitlines() == [f"{folder}/rows.json::unsupported methods[options]", "1 scenario item"]
    nothing = subprocess.run(base + ["--tag", "nope", "-k", "x"], capture_output=True, text=True, timeout=60)
    assert nothing.returncode == 2
    assert "none of the 4 scenario items matches --tag nope and -k 'x'; nothing was run" in nothing.stderr


def test_harness_replay_with_only_invalid_files_runs_nothing(tmp_path):
    write(tmp_path, "bad.json", dict(PASSING, steps=[]))
    done = subprocess.run([sys.executable, "-m", "harness", "replay", str(tmp_path)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "bad.json" in done.stderr and "nothing was run" in done.stderr


BROKEN = dict(PASSING, name="broken", steps=[{"http": {"method": "GET"}, "expect": {"status": "two hundred"}}])


@pytest.mark.slow  # > 0.9 s: `make test` runs it, `make test-fast` does not
def test_an_invalid_file_is_reported_and_skipped_while_the_others_run_and_list(tmp_path, stack_url):
    folder = tmp_path / "scenarios"
    write(folder, "a_broken.json", BROKEN)
    write(folder, "pass.json", PASSING)
    base = [sys.executable, "-m", "harness", "replay", str(folder), "--endpoint", stack_url]
    listed = subprocess.run(base + ["--list"], capture_output=True, text=True, timeout=60)
    assert listed.returncode == 1
    assert listed.stdout.splitlines() == [
        f"{folder}/pass.json::scan answers JSON  [tutorial, troubleshooting:wrong-ids]",
        "1 scenario item, 1 invalid file"]
    assert f"{folder}/a_broken.json:" in listed.stderr and "steps[0].expect.status: expected a status code" in \
        listed.stderr
    done = subprocess.run(base, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, done.stdout + done.stderr
    assert done.stdout.rstrip().splitlines()[-1].startswith("1 passed, 0 failed, 1 invalid file in ")
    assert "steps[0].expect.status: expected a status code" in done.stderr
    assert f"skipped invalid scenario file(s) (problems above): {folder}/a_broken.json" in done.stderr


def test_pytest_makes_an_invalid_file_an_error_of_its_own(pytester, stack_url):
    write(pytester.path / "scenarios", "a_broken.json", BROKEN)
    write(pytester.path / "scenarios", "pass.json", PASSING)
    result = pytester.runpytest("-p", "no:cacheprovider", "scenarios", "--harness-endpoint", stack_url)
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*ERROR at setup of invalid scenario: a_broken.json*",
                                 "*scenarios/a_broken.json:*steps?0?.expect.status: expected a status code*"])
    assert "Traceback" not in result.stdout.str()
