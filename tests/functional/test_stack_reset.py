"""`POST /moto-api/reset` resets the whole stack, not only moto: the workers of every function are killed, the
function is gone, and the stack serves a new deployment as a fresh one would (own stack: a reset empties it)."""
from __future__ import annotations

import json
import time

import pytest
import requests

from harness.clients import Clients, Endpoint
from harness.deploy import StackSettings, deploy
from harness.emulator.process import StackProcess

from .apikit import Kit, pid_alive

pytestmark = pytest.mark.functional
REGION = "eu-west-1"


@pytest.fixture
def stack():
    with StackProcess(region=REGION) as proc:
        yield proc


@pytest.mark.slow  # > 0.9 s: `make test` runs it, `make test-fast` does not
def test_reset_kills_the_workers_and_the_stack_serves_a_new_deployment(stack):
    clients = Clients(Endpoint(stack.url, REGION))
    fn = Kit(clients, "reset").function("probe", "gateway_probe")
    lam = clients("lambda")
    answer = lam.invoke(FunctionName=fn["name"], Payload=json.dumps({"action": "pid"}).encode())
    pid = json.loads(json.loads(answer["Payload"].read())["body"])["pid"]
    assert pid_alive(pid)

    reset = requests.post(f"{stack.url}/moto-api/reset", timeout=30)
    assert (reset.status_code, reset.json()) == (200, {"status": "ok"})
    assert not pid_alive(pid), "the function's worker outlived the reset"
    health = requests.get(f"{stack.url}/_harness/health", timeout=10).json()
    assert health["runtime"] == {"workers": 0, "functions": {}}
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.get_function(FunctionName=fn["name"])
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.invoke(FunctionName=fn["name"], Payload=b"{}")
    assert clients("logs").describe_log_groups()["logGroups"] == []

    outputs = deploy(StackSettings(region=REGION), clients)
    item = {"TableName": outputs.tables[0], "Item": {"id": "after-reset", "n": 1}}
    stored = requests.post(outputs.invoke_url, json=item, timeout=30)
    assert stored.status_code == 200, stored.text
    listed = requests.get(outputs.invoke_url, params={"TableName": outputs.tables[0]}, timeout=30)
    assert listed.status_code == 200 and [i["id"] for i in listed.json()["Items"]] == ["after-reset"]


def test_a_reset_while_nothing_ran_answers_as_moto_does(stack):
    assert requests.post(f"{stack.url}/moto-api/reset", timeout=30).json() == {"status": "ok"}
    assert requests.get(f"{stack.url}/moto-api/reset", timeout=30).status_code == 400  # moto's own answer
    deadline = time.monotonic() + 5
    while requests.get(f"{stack.url}/_harness/health", timeout=5).json()["status"] != "ready":
        assert time.monotonic() < deadline
