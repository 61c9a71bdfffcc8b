"""Scenario `stack` overrides on a template's stack, against a running embedded stack (`harness replay
--template --endpoint`): each override set is a variant stack of the template (its resources patched, its names
prefixed) that answers as the override says, and every variant is deleted at the end of the run (stack,
function, table, role, API, packaging bucket), as is the base stack the replay deployed."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REGION  # the `clients` fixture's region: stacks, functions, tables are regional

pytestmark = pytest.mark.functional
ROOT = Path(__file__).resolve().parents[2]

# template.yaml under other names (the session's tutorial stack holds the plan's names on this endpoint)
NAMES = {"TableName: messages": "TableName: tv-messages", "RoleName: LambdaServiceRole": "RoleName: tv-role",
         "FunctionName: db-api": "FunctionName: tv-db-api", "Name: api-for-db-api": "Name: tv-api",
         "CodeUri: handler/": f"CodeUri: {ROOT / 'handler'}/"}

# (id, stack overrides, the function's Timeout and MemorySize, the status of a GET over HTTP)
CASES = [
    ("base", None, 10, 512, 200),
    ("timeout-override", {"timeout": 4}, 4, 512, 200),
    ("resource-patch", {"resources": {"DbApiFunction": {"Properties": {"MemorySize": 256}}}}, 10, 256, 200),
    ("no-permission", {"permission": "none"}, 10, 512, 500),
    ("route", {"http_method": "GET", "resource_path": "messages", "stage": "dev"}, 10, 512, 200),
]


def scenario(case_id: str, stack: dict | None, timeout: int, memory: int, status: int) -> dict:
    return {
        "$schema": str(ROOT / "harness" / "replay" / "scenario.schema.json"),
        "name": f"variants: {case_id}",
        **({"stack": stack} if stack else {}),
        "steps": [
            {"name": "the function as the variant has it",
             "aws": {"service": "lambda", "operation": "GetFunctionConfiguration",
                     "params": {"FunctionName": "{{stack.resources.DbApiFunction}}"}},
             "expect": {"status": 200, "json_subset": {"Timeout": timeout, "MemorySize": memory}}},
            {"name": "GET over HTTP", "http": {"method": "GET", "query": {"TableName": "{{stack.table}}"}},
             "expect": {"status": status}},
            {"name": "the stack's stage and path as the outputs say",
             "aws": {"service": "apigateway", "operation": "GetResources", "params": {"restApiId": "{{stack.api_id}}"}},
             "expect": {"status": 200, "jsonpath": [{"path": "$.items[*].path", "op": "contains",
                                                     "value": "/{{stack.resource_path}}"}]}},
            {"name": "POST: routed only where the method is ANY",
             "http": {"method": "POST", "json": {"TableName": "{{stack.table}}", "Item": {"id": "x"}}},
             "expect": {"status": 403 if stack and "http_method" in stack else status}},
        ],
    }


def _names(clients) -> dict[str, list[str]]:
    return {
        "stacks": [s["StackName"] for s in clients("cloudformation").describe_stacks()["Stacks"]],
        "functions": [f["FunctionName"] for f in clients("lambda").list_functions()["Functions"]],
        "tables": clients("dynamodb").list_tables()["TableNames"],
        "roles": [r["RoleName"] for r in clients("iam").list_roles()["Roles"]],
        "apis": [a["name"] for a in clients("apigateway").get_rest_apis()["items"]],
        "buckets": [b["Name"] for b in clients("s3").list_buckets()["Buckets"]],
    }


@pytest.mark.slow
def test_overrides_deploy_variants_of_the_template_and_every_one_is_deleted(tmp_path, stack_url, clients):
    text = (ROOT / "template.yaml").read_text()
    for old, new in NAMES.items():
        assert old in text
        text = text.replace(old, new)
    (tmp_path / "template.yaml").write_text(text)
    scenarios = tmp_path / "scenarios"
    scenarios.mkdir()
    for case in CASES:
        (scenarios / f"{case[0]}.json").write_text(json.dumps(scenario(*case)))
    before = _names(clients)
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    done = subprocess.run([sys.executable, "-m", "harness", "replay", str(scenarios), "--template",
                           str(tmp_path / "template.yaml"), "--stack-name", "tv-stack", "--endpoint", stack_url,
                           "--region", REGION, "--no-lint"], cwd=tmp_path, capture_output=True, text=True,
                          timeout=600, env=env)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    summary = done.stdout.strip().splitlines()[-1]
    assert summary.startswith("5 passed, 0 failed in"), summary
    after = _names(clients)
    for kind, names in after.items():
        assert sorted(set(names) - set(before[kind])) == [], kind


@pytest.mark.slow
def test_pytest_against_a_template_stack_deployed_before_leaves_it_in_place(tmp_path, stack_url, clients):
    """`harness deploy --template` onto a running stack, then `pytest --harness-endpoint --harness-template
    --harness-stack-name`: the scenarios run on that stack (a `stack` override on a variant of it, deleted) and
    the stack the user deployed is still there afterwards."""
    template = tmp_path / "template.yaml"
    text = (ROOT / "template.yaml").read_text()
    for old, new in NAMES.items():
        text = text.replace(old, new.replace("tv-", "tp-"))
    template.write_text(text)
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    deployed = subprocess.run([sys.executable, "-m", "harness", "deploy", "--template", str(template),
                               "--stack-name", "tp-stack", "--endpoint", stack_url, "--region", REGION, "--no-lint"],
                              cwd=tmp_path, capture_output=True, text=True, timeout=300, env=env)
    assert deployed.returncode == 0, deployed.stdout + deployed.stderr
    try:
        done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "-n", "0",
                               "scenarios/tutorial/03_get_over_http.json", "scenarios/tutorial/07_another_table.json",
                               "--harness-endpoint", stack_url, "--harness-region", REGION,
                               "--harness-template", str(template), "--harness-stack-name", "tp-stack"],
                              cwd=ROOT, capture_output=True, text=True, timeout=600, env=env)
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
        assert done.stdout.strip().splitlines()[-1].startswith("2 passed"), done.stdout[-2000:]
        stacks = _names(clients)["stacks"]
        assert "tp-stack" in stacks and not [s for s in stacks if s.endswith("-tp-stack")], stacks
    finally:
        subprocess.run([sys.executable, "-m", "harness", "destroy", "--stack-name", "tp-stack", "--endpoint",
                        stack_url, "--region", REGION], cwd=tmp_path, capture_output=True, timeout=300, env=env)
