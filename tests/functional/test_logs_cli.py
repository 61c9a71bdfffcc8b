"""`harness logs` against the embedded stack: one request's lines by request id, bad input, and --follow."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
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


@pytest.mark.slow  # > 0.9 s: `make test` runs it, `make test-fast` does not
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


@pytest.mark.slow  # > 0.9 s: `make test` runs it, `make test-fast` does not
def test_unknown_request_id_and_bad_since_exit_non_zero_with_the_reason(stack_url, tutorial_stack):
    unknown = harness("--endpoint", stack_url, "--request-id", "no-such-request", "--since", "1m")
    assert unknown.returncode == 1 and "no line names request no-such-request" in unknown.stderr
    bad = harness("--endpoint", stack_url, "--since", "soon")
    assert bad.returncode == 2 and "--since 'soon'" in bad.stderr


def test_a_stack_that_is_not_there_says_so(stack_url):
    done = harness("--endpoint", stack_url, "--prefix", "nothere-", "--since", "1m")
    assert done.returncode == 0 and done.stdout == ""
    assert "no API nothere-api-for-db-api" in done.stderr and "no log group /aws/lambda/nothere-db-api" in done.stderr


@pytest.mark.slow  # > 0.9 s: `make test` runs it, `make test-fast` does not
def test_follow_prints_new_lines_as_they_come_and_stops_on_ctrl_c(stack_url, clients, tutorial_stack):
    import queue
    import signal
    import threading

    lam = clients("lambda")

    def invoke() -> str:
        answer = lam.invoke(FunctionName=tutorial_stack.function_name, Payload=json.dumps(
            {"httpMethod": "GET", "queryStringParameters": {"TableName": tutorial_stack.tables[0]}}).encode())
        return answer["ResponseMetadata"]["RequestId"]

    before = invoke()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env["PYTHONPATH"] = str(ROOT)
    proc = subprocess.Popen([sys.executable, "-m", "harness", "logs", "--endpoint", stack_url, "--follow",
                             "--since", "10m", "--only", "function"], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True, env=env, cwd=ROOT)
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in proc.stdout], daemon=True).start()

    def wait_for_report(request_id: str) -> None:
        deadline = time.monotonic() + 30
        while True:
            assert time.monotonic() < deadline, f"no REPORT line for {request_id}"
            try:
                if f" function  REPORT RequestId: {request_id}" in lines.get(timeout=1.0):
                    return
            except queue.Empty:
                pass

    try:
        wait_for_report(before)  # its first read is done
        wait_for_report(invoke())  # a line written after that read arrives through a later one
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=20) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
