"""Destroying the tutorial's stack leaves nothing behind: a worker taken out of service (a code update, the
function's deletion) writes nothing, so no `Failed to get next invocation` line ever reaches the function's log,
and no log group comes back after destroy deleted it (own stack: the session's tutorial stack must stay)."""
from __future__ import annotations

import time

import pytest
import requests

from harness.clients import Clients, Endpoint
from harness.deploy import Executor, StackSettings, deploy, destroy, plan_code_update
from harness.deploy.package import build_zip
from harness.emulator.process import StackProcess

pytestmark = pytest.mark.functional
REGION = "eu-west-1"
RUNTIME_ERROR = "Failed to get next invocation"


def _groups(clients: Clients, prefix: str) -> list[str]:
    return [g["logGroupName"] for g in clients("logs").describe_log_groups(logGroupNamePrefix=prefix)["logGroups"]]


@pytest.mark.slow  # > 0.9 s: `make test` runs it, `make test-fast` does not
def test_deploy_update_destroy_leaves_no_log_group_and_no_runtime_error():
    settings = StackSettings(region=REGION)
    function_logs = f"/aws/lambda/{settings.function_name}"
    with StackProcess(region=REGION) as stack:
        clients = Clients(Endpoint(stack.url, REGION))
        outputs = deploy(settings, clients)
        table = outputs.tables[0]
        for round_ in range(3):  # each update retires the warm worker that served the round before
            stored = requests.post(outputs.invoke_url, json={"TableName": table, "Item": {"id": f"r{round_}"}},
                                   timeout=30)
            assert stored.status_code == 200, stored.text
            package = build_zip(settings.code_dir, {"round.txt": str(round_)})
            Executor(clients).run(plan_code_update(settings, package))
        assert requests.get(outputs.invoke_url, params={"TableName": table}, timeout=30).status_code == 200
        time.sleep(0.5)  # what a retired worker would write arrives meanwhile
        events = clients("logs").filter_log_events(logGroupName=function_logs)["events"]
        assert events and not [e["message"] for e in events if RUNTIME_ERROR in e["message"]]

        destroy(settings, clients)
        time.sleep(1.0)  # the deleted function's workers are gone; nothing they left may land after destroy
        assert _groups(clients, function_logs) == []
        assert _groups(clients, f"API-Gateway-Execution-Logs_{outputs.api_id}") == []
        assert requests.get(f"{stack.url}/_harness/health", timeout=10).json()["runtime"]["workers"] == 0
    assert not [line for line in stack.output if RUNTIME_ERROR in line]
