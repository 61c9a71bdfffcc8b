"""DeleteFunction takes the function's warm workers with it (they would otherwise idle until the reaper)."""
from __future__ import annotations

import json
import time

import pytest
import requests

from .apikit import Kit

pytestmark = pytest.mark.functional


def _workers(stack_url: str, arn: str) -> dict:
    health = requests.get(f"{stack_url}/_harness/health", timeout=10).json()
    return health["runtime"]["functions"].get(arn, {})


def test_deleting_a_function_retires_its_workers(clients, stack_url):
    kit = Kit(clients, "del")
    try:
        fn = kit.function("probe", "gateway_probe")
        lam = clients("lambda")
        answer = lam.invoke(FunctionName=fn["name"], Payload=json.dumps({"action": "pid"}).encode())
        assert "FunctionError" not in answer
        assert _workers(stack_url, fn["arn"]).get("idle") == 1
        lam.delete_function(FunctionName=fn["name"])
        deadline = time.monotonic() + 5
        while _workers(stack_url, fn["arn"]) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _workers(stack_url, fn["arn"]) == {}
    finally:
        kit.teardown()
