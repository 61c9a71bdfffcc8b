"""Asynchronous invocations (InvocationType=Event) that fail are tried again as Lambda does: same request id,
at most MaximumRetryAttempts more times (default 2). The stack here runs with short waits
(HARNESS_ASYNC_RETRY_DELAYS_S) instead of Lambda's minute and two."""
from __future__ import annotations

import json
import time

import pytest

from harness.clients import Clients, Endpoint
from harness.emulator.process import StackProcess

from .apikit import Kit, function_log

pytestmark = pytest.mark.functional
REGION = "us-west-1"


@pytest.fixture(scope="module")
def kit():
    with StackProcess(region=REGION, env={"HARNESS_ASYNC_RETRY_DELAYS_S": "0.2,0.4"}) as stack:
        made = Kit(Clients(Endpoint(stack.url, REGION)), "ar")
        try:
            yield made
        finally:
            made.teardown()


def _starts(kit: Kit, name: str, request_id: str, count: int) -> list[str]:
    deadline = time.monotonic() + 15
    while True:
        lines = [line for line in function_log(kit.clients, name, contains=request_id, timeout=0.5)
                 if line.startswith(f"START RequestId: {request_id}")]
        if len(lines) >= count or time.monotonic() > deadline:
            time.sleep(1.0)  # and no more come
            return [line for line in function_log(kit.clients, name, contains=request_id, timeout=0)
                    if line.startswith(f"START RequestId: {request_id}")]
        time.sleep(0.1)


@pytest.mark.slow
def test_a_failing_event_runs_three_times_with_one_request_id(kit):
    fn = kit.function("boom", "probe", handler="index.boom")
    answer = kit.clients("lambda").invoke(FunctionName=fn["name"], InvocationType="Event", Payload=b"{}")
    assert answer["StatusCode"] == 202
    request_id = answer["ResponseMetadata"]["RequestId"]
    assert len(_starts(kit, fn["name"], request_id, 3)) == 3


@pytest.mark.slow  # > 0.9 s: `make test` runs it, `make test-fast` does not
def test_the_event_invoke_config_sets_the_retries(kit):
    fn = kit.function("boom-once", "probe", handler="index.boom")
    lam = kit.clients("lambda")
    lam.put_function_event_invoke_config(FunctionName=fn["name"], MaximumRetryAttempts=0)
    request_id = lam.invoke(FunctionName=fn["name"], InvocationType="Event",
                            Payload=b"{}")["ResponseMetadata"]["RequestId"]
    assert len(_starts(kit, fn["name"], request_id, 1)) == 1


@pytest.mark.slow  # > 0.9 s: `make test` runs it, `make test-fast` does not
def test_a_successful_event_runs_once(kit):
    fn = kit.function("echo", "probe", handler="index.echo")
    request_id = kit.clients("lambda").invoke(FunctionName=fn["name"], InvocationType="Event",
                                              Payload=b"{}")["ResponseMetadata"]["RequestId"]
    assert len(_starts(kit, fn["name"], request_id, 1)) == 1


def _message(kit: Kit, queue_url: str) -> dict:
    sqs = kit.clients("sqs")
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        messages = sqs.receive_message(QueueUrl=queue_url, WaitTimeSeconds=1).get("Messages", [])
        if messages:
            return json.loads(messages[0]["Body"])
    raise AssertionError("no invocation record arrived")


def test_destinations_get_lambdas_invocation_record(kit):
    sqs = kit.clients("sqs")
    failures = sqs.create_queue(QueueName=f"{kit.prefix}failures")["QueueUrl"]
    successes = sqs.create_queue(QueueName=f"{kit.prefix}successes")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=failures, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    ok_arn = sqs.get_queue_attributes(QueueUrl=successes, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    lam = kit.clients("lambda")
    try:
        boom = kit.function("boom-dest", "probe", handler="index.boom")
        lam.put_function_event_invoke_config(FunctionName=boom["name"], MaximumRetryAttempts=1,
                                             DestinationConfig={"OnFailure": {"Destination": arn}})
        request_id = lam.invoke(FunctionName=boom["name"], InvocationType="Event",
                                Payload=b'{"order": 7}')["ResponseMetadata"]["RequestId"]
        failed = _message(kit, failures)
        assert failed["requestContext"] == {"requestId": request_id, "functionArn": f"{boom['arn']}:$LATEST",
                                            "condition": "RetriesExhausted", "approximateInvokeCount": 2}
        assert failed["requestPayload"] == {"order": 7}
        assert failed["responseContext"]["functionError"] == "Unhandled"
        assert failed["responsePayload"]["errorMessage"] == "something bad"

        echo = kit.function("echo-dest", "probe", handler="index.echo")
        lam.put_function_event_invoke_config(FunctionName=echo["name"],
                                             DestinationConfig={"OnSuccess": {"Destination": ok_arn}})
        lam.invoke(FunctionName=echo["name"], InvocationType="Event", Payload=b'{"k": 1}')
        done = _message(kit, successes)
        assert done["requestContext"]["condition"] == "Success" and done["responsePayload"]["event"] == {"k": 1}
    finally:
        sqs.delete_queue(QueueUrl=failures)
        sqs.delete_queue(QueueUrl=successes)
