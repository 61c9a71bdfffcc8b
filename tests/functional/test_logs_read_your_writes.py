"""Log lines are written in the background (log_shipper.py), yet a reader never misses one: any
CloudWatch Logs call first writes what is waiting, so the lines of a request answered before the call are there
on the first read, with no polling."""
from __future__ import annotations

import json
import uuid

import pytest
import requests

pytestmark = pytest.mark.functional


def _messages(clients, group: str) -> list[str]:
    pages = clients("logs").get_paginator("filter_log_events").paginate(logGroupName=group)
    return [event["message"] for page in pages for event in page["events"]]


def test_execution_and_function_logs_are_there_on_the_first_read(clients, tutorial_stack):
    item_id = str(uuid.uuid4())
    answer = requests.post(tutorial_stack.invoke_url, timeout=30,
                           json={"TableName": tutorial_stack.tables[0], "Item": {"id": item_id}})
    assert answer.status_code == 200, answer.text
    request_id = answer.headers["x-amzn-RequestId"]

    execution = _messages(clients, f"API-Gateway-Execution-Logs_{tutorial_stack.api_id}/{tutorial_stack.stage}")
    assert f"({request_id}) Method completed with status: 200" in execution

    function = _messages(clients, f"/aws/lambda/{tutorial_stack.function_name}")
    ends = [line for line in function if line.startswith("END RequestId: ")]
    assert ends, function
    last_end = ends[-1].split("END RequestId: ", 1)[1].strip()
    assert any(line.startswith(f"REPORT RequestId: {last_end}") for line in function), function
    assert any(json.loads(line).get("method") == "POST" for line in function if line.startswith("{")), function
