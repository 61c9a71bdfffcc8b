"""handler-node/, the tutorial's function in Node.js, on the embedded stack: every tutorial and troubleshooting
scenario passes with it (and scenarios/more, but for what only the Python port does) in place of the Python port (the stack's `code_dir` and `runtime` swapped), and it answers as the tutorial's
code does where the port differs on purpose (statusCode as a string, the bare error message, a crash without a
query string)."""
from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from harness.deploy import StackSettings, deploy, destroy
from harness.replay import load_many, runner_for
from harness.targets import embedded

from .runtimekit import node20, npm_modules, zip_with_modules  # noqa: F401 (fixture)

pytestmark = [pytest.mark.functional, pytest.mark.slow]
ROOT = Path(__file__).resolve().parents[2]
REGION = "us-west-1"


@pytest.fixture(scope="module")
def node_settings(node20) -> StackSettings:
    return dataclasses.replace(StackSettings(region=REGION), code_dir=str(ROOT / "handler-node"),
                               runtime=node20).with_prefix("node-")


def test_every_tutorial_and_troubleshooting_scenario_passes_with_the_node_function(stack_url, clients, node_settings):
    """scenarios/tutorial and scenarios/troubleshooting, every item, variants included (their `runtimes` entries
    give the Node.js code of a broken function and the answers Node's runtime and the SDK v3 give)."""
    items, errors = load_many([ROOT / "scenarios" / "tutorial", ROOT / "scenarios" / "troubleshooting"])
    assert not errors and len(items) >= 8 + 48
    target = embedded.target(stack_url, REGION)
    outputs = deploy(node_settings, clients, url_for=target.invoke_url)
    try:
        # the tutorial's own answers, where the Python port differs on purpose
        patch = requests.patch(outputs.invoke_url, json={}, timeout=30)
        assert (patch.status_code, patch.text) == (400, 'Unsupported method "PATCH"')
        assert patch.headers["Content-Type"] == "application/json"
        crash = requests.get(outputs.invoke_url, timeout=30)  # no query string: queryStringParameters is null
        assert (crash.status_code, crash.json()) == (502, {"message": "Internal server error"})
        answer = clients("lambda").invoke(FunctionName=outputs.function_name, Payload=json.dumps(
            {"httpMethod": "GET", "queryStringParameters": {"TableName": outputs.tables[0]}}).encode())
        assert json.loads(answer["Payload"].read())["statusCode"] == "200"
        with runner_for(target, settings=node_settings, outputs=outputs) as runner:
            results = runner.run(items)
    finally:
        destroy(node_settings, clients)
    failed = [f"{r.item_id}: {r.outcome} {r.error or r.skip_reason or [s.mismatches for s in r.steps if s.mismatches]}"
              for r in results if r.outcome != "passed"]
    assert not failed, failed
    assert len(results) == len(items)


def test_a_package_with_its_own_node_modules_runs_as_on_lambda(stack_url, clients, node20):
    """The tutorial's code as published, with dynamodb-doc and the AWS SDK v2 from npm in its node_modules."""
    modules = npm_modules("dynamodb-doc", {"dynamodb-doc": "1.0.0"})
    code = zip_with_modules(ROOT / "tests" / "fixtures" / "functions" / "node-own-modules", modules)
    settings = dataclasses.replace(StackSettings(region=REGION), code_dir=str(ROOT / "handler-node"), runtime=node20,
                                   ).with_prefix("nodedoc-")
    outputs = deploy(settings, clients, url_for=embedded.target(stack_url, REGION).invoke_url)
    try:
        lam = clients("lambda")
        lam.update_function_code(FunctionName=outputs.function_name, ZipFile=code)
        lam.get_waiter("function_updated_v2").wait(FunctionName=outputs.function_name,
                                                   WaiterConfig={"Delay": 0.1, "MaxAttempts": 300})
        table = outputs.tables[0]
        posted = requests.post(outputs.invoke_url, json={"TableName": table, "Item": {"id": "1", "text": "hi"}},
                               timeout=60)
        assert (posted.status_code, posted.json()) == (200, {})
        listed = requests.get(outputs.invoke_url, params={"TableName": table}, timeout=30)
        assert listed.json() == {"Items": [{"id": "1", "text": "hi"}], "Count": 1, "ScannedCount": 1}
        missing = requests.get(outputs.invoke_url, params={"TableName": "nope"}, timeout=30)
        assert (missing.status_code, missing.text) == (400, "Requested resource not found")
    finally:
        destroy(settings, clients)


PYTHON_PORT_ONLY = {"allowed_tables.json", "binary_media_types.json", "captures_and_aws_steps.json", "pagination.json"}


def test_scenarios_more_pass_with_the_node_function_or_skip_saying_what_it_lacks(stack_url, clients, node_settings):
    """scenarios/more: every item passes with the Node function, except the ones testing what only the Python port
    does, which skip with their `runtimes` entry's reason (none fails)."""
    items, errors = load_many([ROOT / "scenarios" / "more"])
    assert not errors
    target = embedded.target(stack_url, REGION)
    more = node_settings.with_prefix("more-")
    outputs = deploy(more, clients, url_for=target.invoke_url)
    try:
        with runner_for(target, settings=more, outputs=outputs) as runner:
            results = runner.run(items)
    finally:
        destroy(more, clients)
    outcomes = {Path(r.source.file).name: r for r in results}
    failed = [f"{r.item_id}: {r.error or [s.mismatches for s in r.steps if s.mismatches]}"
              for r in results if r.outcome == "failed"]
    assert not failed, failed
    skipped = {name for name, r in outcomes.items() if r.outcome == "skipped"}
    assert skipped == PYTHON_PORT_ONLY
    for name in PYTHON_PORT_ONLY:
        assert outcomes[name].skip_reason.startswith(f"{node_settings.runtime}: handler-node (the tutorial's own code)")


def test_a_node_template_stack_gets_nodes_answers(tmp_path, stack_url, node20):
    """template.yaml with handler-node as its function (`harness replay --template --endpoint`): the stack's
    runtime is read from its function (a template states it, the replay does not know it beforehand), so the
    tutorial and troubleshooting items pass with Node's answers, variants included (before: 32 of 56 failed,
    checked against the Python port's answers)."""
    names = {"TableName: messages": "TableName: tn-messages", "RoleName: LambdaServiceRole": "RoleName: tn-role",
             "FunctionName: db-api": "FunctionName: tn-db-api", "CodeUri: handler/": f"CodeUri: {ROOT / 'handler-node'}/",
             "Runtime: python3.12": f"Runtime: {node20}"}
    text = (ROOT / "template.yaml").read_text()
    for old, new in names.items():
        assert old in text
        text = text.replace(old, new)
    (tmp_path / "template.yaml").write_text(text)
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    done = subprocess.run([sys.executable, "-m", "harness", "replay", str(ROOT / "scenarios" / "tutorial"),
                           str(ROOT / "scenarios" / "troubleshooting"), "--template", str(tmp_path / "template.yaml"),
                           "--stack-name", "tn-stack", "--endpoint", stack_url, "--region", REGION, "--no-lint"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=600, env=env)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    summary = done.stdout.strip().splitlines()[-1]
    assert summary.startswith("56 passed, 0 failed in"), summary
