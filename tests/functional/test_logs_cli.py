"""`harness logs` against the embedded stack: one request's execution log and invocation, by request id."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import requests

pytestmark = pytest.mark.functional

ROOT = Path(__file__).resolve().parents[2]


def harness(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.run([sys.executable, "-m", "harness", "logs", *args], capture_output=True, text=True,
                          env=env, timeout=120, cwd=ROOT)


def test_a_request_id_shows_its_execution_log_and_the_invocation_with_what_the_handler_printed(
        stack_url, tutorial_stack):
    answer = requests.get(tutorial_stack.invoke_url, params={"TableName": tutorial_stack.tables[0]}, timeout=30)
    assert answer.status_code == 200
    request_id = answer.headers["x-amzn-RequestId"]
    done = harness("--endpoint", stack_url, "--request-id", request_id, "--since", "10m")
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    execution = [line for line in lines if " execution " in line]
    function = [line for line in lines if " function " in line]
    assert execution and all(f"({request_id})" in line for line in execution)
    assert any(line.endswith("Method completed with status: 200") for line in execution)
    assert function[0].split(" function  ", 1)[1].startswith("START RequestId: ")
    assert function[-1].split(" function  ", 1)[1].startswith("REPORT RequestId: ")
    assert any('"method": "GET"' in line for line in function)  # the handler's own print, which names no id
    assert len({line.split("RequestId: ")[1].split()[0] for line in function if "RequestId: " in line}) == 1

    only = harness("--endpoint", stack_url, "--request-id", request_id, "--only", "function", "--since", "10m")
    assert only.returncode == 0 and only.stdout.splitlines() == function


def test_unknown_request_id_and_bad_since_exit_non_zero_with_the_reason(stack_url, tutorial_stack):
    unknown = harness("--endpoint", stack_url, "--request-id", "no-such-request", "--since", "1m")
    assert unknown.returncode == 1 and "no line names request no-such-request" in unknown.stderr
    bad = harness("--endpoint", stack_url, "--since", "soon")
    assert bad.returncode == 2 and "--since 'soon'" in bad.stderr


def test_a_stack_that_is_not_there_says_so(stack_url):
    done = harness("--endpoint", stack_url, "--prefix", "nothere-", "--since", "1m")
    assert done.returncode == 0 and done.stdout == ""
    assert "no API nothere-api-for-db-api" in done.stderr and "no log group /aws/lambda/nothere-db-api" in done.stderr
