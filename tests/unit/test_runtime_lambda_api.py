"""The Invoke API (`handle_invoke`, through the front's LambdaInvoke handler and its one renderer of refusals)
against a fake control plane and a fake runtime."""
from __future__ import annotations

import base64
import concurrent.futures
import json
import threading

import pytest
from werkzeug.test import Client, EnvironBuilder
from werkzeug.wrappers import Request

from harness.emulator.aws_errors import AwsError, throttled
from harness.emulator.front.exchange import Exchange
from harness.emulator.front.handler_chain import HandlerChain
from harness.emulator.front.handlers import LambdaInvoke
from harness.emulator.front.model_validation import ModelValidation
from harness.emulator.lambda_api import async_retry_delays, check_json_payload, handle_invoke, parse_function_name
from harness.emulator.snapshots import FunctionConfig, InvokeResult

REGION, ACCOUNT = "us-east-1", "123456789012"


def fn_config(name: str = "db-api", region: str = REGION, account: str = ACCOUNT, version: str = "$LATEST"):
    return FunctionConfig(name=name, arn=f"arn:aws:lambda:{region}:{account}:function:{name}", runtime="python3.12",
                          handler="index.handler", timeout=3, memory_size=128, code_sha256="x", role="r",
                          region=region, account_id=account, version=version)


class FakeControl:
    def __init__(self, *functions: FunctionConfig, policy: tuple[int, float] = (2, 21600.0)) -> None:
        self.functions = {(f.name, f.region, f.account_id): f for f in functions}
        self.lookups: list[tuple] = []
        self.policy = policy

    def async_config(self, name, region, account_id, qualifier=None):
        from harness.emulator.snapshots import AsyncConfig

        return AsyncConfig(*self.policy[:2], *self.policy[2:])

    def get_function(self, name, region, account_id="123456789012", qualifier=None):
        self.lookups.append((name, region, account_id, qualifier))
        return self.functions.get((name, region, account_id))


class FakeRuntime:
    epoch = 0

    def __init__(self, result: InvokeResult | None = None, error: AwsError | None = None) -> None:
        self.result = result
        self.error = error
        self.calls: list[dict] = []
        self.called = threading.Event()

    def submit(self, fn, payload, *, client_context=None, request_id=None, epoch=None, trace_id=None):
        self.calls.append(dict(fn=fn, payload=payload, client_context=client_context, request_id=request_id))
        self.called.set()
        if self.error is not None:
            error, self.error = self.error, None
            raise error
        future: concurrent.futures.Future = concurrent.futures.Future()
        future.set_result(self.result or InvokeResult(request_id=request_id, status=200, payload=b'{"ok": true}',
                                                      log="START\nline\nEND\n"))
        return future


def call(name="db-api", body=b'{"k": 1}', headers=None, query=None, control=None, runtime=None):
    control = control or FakeControl(fn_config())
    runtime = runtime or FakeRuntime()
    front = HandlerChain([ModelValidation(), LambdaInvoke(control, runtime)], [],
                         lambda environ: Exchange(environ, default_region=REGION, accounts=lambda key: ACCOUNT))
    response = Client(front).post(f"/2015-03-31/functions/{name}/invocations", data=body, headers=headers or {},
                                  query_string=query)
    return response, runtime, control


def error_of(response) -> tuple[int, str, str]:
    document = json.loads(response.get_data())
    return response.status_code, response.headers["x-amzn-ErrorType"], document.get("message", document.get("Message"))


def test_request_response_returns_the_payload_and_headers():
    response, runtime, _ = call(headers={"X-Amz-Log-Type": "Tail"})
    assert response.status_code == 200 and response.get_data() == b'{"ok": true}'
    request_id = runtime.calls[0]["request_id"]
    assert response.headers["x-amzn-RequestId"] == request_id
    assert response.headers["X-Amz-Executed-Version"] == "$LATEST"
    assert "X-Amz-Function-Error" not in response.headers
    assert base64.b64decode(response.headers["X-Amz-Log-Result"]) == b"START\nline\nEND\n"
    assert runtime.calls[0]["payload"] == b'{"k": 1}'


def test_function_error_and_no_tail_by_default():
    failed = InvokeResult(request_id="rid", status=200, payload=b'{"errorType": "ValueError"}', function_error="Unhandled")
    response, _, _ = call(runtime=FakeRuntime(failed))
    assert response.status_code == 200 and response.headers["X-Amz-Function-Error"] == "Unhandled"
    assert "X-Amz-Log-Result" not in response.headers


def test_tail_is_the_last_4_kb():
    long_log = "".join(f"line {i}\n" for i in range(2000))
    response, _, _ = call(headers={"X-Amz-Log-Type": "Tail"},
                          runtime=FakeRuntime(InvokeResult("rid", 200, b"{}", log=long_log)))
    tail = base64.b64decode(response.headers["X-Amz-Log-Result"])
    assert len(tail) == 4096 and long_log.encode().endswith(tail)


def test_event_answers_202_at_once_and_dry_run_204_without_running():
    response, runtime, _ = call(headers={"X-Amz-Invocation-Type": "Event"})
    assert response.status_code == 202 and response.get_data() == b""
    assert response.headers["x-amzn-RequestId"] == runtime.calls[0]["request_id"]
    response, runtime, _ = call(headers={"X-Amz-Invocation-Type": "DryRun"})
    assert response.status_code == 204 and runtime.calls == []


def test_throttled_event_is_retried_in_the_background():
    runtime = FakeRuntime(error=throttled())
    response, runtime, _ = call(headers={"X-Amz-Invocation-Type": "Event"}, runtime=runtime)
    assert response.status_code == 202
    runtime.called.clear()
    assert runtime.called.wait(5)
    assert len(runtime.calls) == 2 and runtime.calls[0]["request_id"] == runtime.calls[1]["request_id"]


def test_unknown_function_is_404_with_the_arn():
    response, runtime, _ = call(name="nope")
    assert error_of(response) == (404, "ResourceNotFoundException",
                                  f"Function not found: arn:aws:lambda:{REGION}:{ACCOUNT}:function:nope:$LATEST")
    assert json.loads(response.get_data())["Type"] == "User"
    response, _, _ = call(name="nope", headers={"X-Amz-Invocation-Type": "DryRun"})
    assert response.status_code == 404
    response, _, _ = call(name="nope", query={"Qualifier": "prod"})
    assert error_of(response)[2].endswith(":function:nope:prod")


def test_throttling_is_429_rate_exceeded():
    response, _, _ = call(runtime=FakeRuntime(error=throttled()))
    assert error_of(response) == (429, "TooManyRequestsException", "Rate Exceeded.")


def test_runtime_refusals_are_rendered():
    refused = AwsError(502, "InvalidRuntimeException", "The runtime parameter of nodejs20.x is not supported")
    response, _, _ = call(runtime=FakeRuntime(error=refused))
    assert error_of(response)[:2] == (502, "InvalidRuntimeException")
    assert json.loads(response.get_data())["Type"] == "Service"


def test_invalid_json_payload_is_400():
    response, runtime, _ = call(body=b"hello world")
    status, kind, message = error_of(response)
    assert (status, kind) == (400, "InvalidRequestContentException")
    assert message.startswith("Could not parse request body into json: Could not parse payload into json: "
                              "Unrecognized token 'hello'")
    assert runtime.calls == []


def test_empty_payload_is_an_empty_object():
    _, runtime, _ = call(body=b"")
    assert runtime.calls[0]["payload"] == b"{}"


def test_bad_headers_and_sizes():
    response, _, _ = call(headers={"X-Amz-Invocation-Type": "Sometimes"})
    assert error_of(response)[:2] == (400, "ValidationException")
    response, _, _ = call(headers={"X-Amz-Log-Type": "All"})
    assert error_of(response)[:2] == (400, "ValidationException")
    response, _, _ = call(body=b'"' + b"x" * 1_048_600 + b'"', headers={"X-Amz-Invocation-Type": "Event"})
    assert error_of(response)[:2] == (413, "RequestTooLargeException")
    response, _, _ = call(headers={"X-Amz-Client-Context": "!!!"})
    assert error_of(response)[:2] == (400, "InvalidRequestContentException")


def test_client_context_is_decoded_for_the_runtime():
    context = base64.b64encode(b'{"custom": {"a": 1}}').decode()
    _, runtime, _ = call(headers={"X-Amz-Client-Context": context})
    assert runtime.calls[0]["client_context"] == '{"custom": {"a": 1}}'


@pytest.mark.parametrize("raw, expected", [
    ("db-api", ("db-api", REGION, ACCOUNT, None)),
    ("db-api:prod", ("db-api", REGION, ACCOUNT, "prod")),
    ("999999999999:function:db-api", ("db-api", REGION, "999999999999", None)),
    ("999999999999:function:db-api:$LATEST", ("db-api", REGION, "999999999999", "$LATEST")),
    ("arn:aws:lambda:eu-west-1:999999999999:function:db-api", ("db-api", "eu-west-1", "999999999999", None)),
    ("arn:aws:lambda:eu-west-1:999999999999:function:db-api:7", ("db-api", "eu-west-1", "999999999999", "7")),
])
def test_function_name_forms(raw, expected):
    assert parse_function_name(raw, REGION, ACCOUNT) == expected


def test_invalid_function_name():
    with pytest.raises(AwsError) as bad:
        parse_function_name("a:b:c:d:e", REGION, ACCOUNT)
    assert bad.value.code == "ValidationException"


def test_arn_names_look_up_the_arns_region_and_account():
    fn = fn_config(region="eu-west-1", account="999999999999")
    arn = "arn:aws:lambda:eu-west-1:999999999999:function:db-api"
    signed = {"Authorization": "AWS4-HMAC-SHA256 Credential=AKID/20260101/eu-west-1/lambda/aws4_request, "
                               "SignedHeaders=host, Signature=x"}
    response, _, control = call(name=arn, control=FakeControl(fn), headers=signed)
    assert response.status_code == 200
    assert control.lookups == [("db-api", "eu-west-1", "999999999999", None)]
    # called in another region, the ARN's function is not reachable (LocalStack's recorded AWS answer,
    # test_lambda_api.snapshot.json test_get_function_wrong_region[invoke])
    response, _, control = call(name=arn, control=FakeControl(fn))
    assert error_of(response) == (404, "ResourceNotFoundException",
                                  f"Functions from 'eu-west-1' are not reachable in this region ('{REGION}')")
    assert control.lookups == []


def test_qualifier_mismatch_and_latest():
    response, _, _ = call(name="db-api:prod", query={"Qualifier": "dev"})
    assert error_of(response)[:2] == (400, "InvalidParameterValueException")
    response, _, control = call(name="db-api", query={"Qualifier": "$LATEST"})
    assert response.status_code == 200 and control.lookups[0][3] is None


def test_unexpected_failures_become_500():
    class Broken(FakeControl):
        def get_function(self, *a, **kw):
            raise RuntimeError("boom")

    response, _, _ = call(control=Broken())
    assert error_of(response)[:2] == (500, "ServiceException")


def test_check_json_payload_accepts_any_json_value():
    for body in (b"{}", b"[1, 2]", b'"text"', b"3", b"null"):
        check_json_payload(body)
    with pytest.raises(AwsError):
        check_json_payload(b"{bad")


class FailingRuntime(FakeRuntime):
    """Every invocation ends in a function error (as a timeout, a crash or an exception would)."""

    def __init__(self) -> None:
        super().__init__(result=InvokeResult(request_id="r", status=200, payload=b'{"errorType": "E"}',
                                             function_error="Unhandled"))
        self.times: list[float] = []

    def submit(self, fn, payload, *, client_context=None, request_id=None, epoch=None, trace_id=None):
        import time

        self.times.append(time.monotonic())
        return super().submit(fn, payload, client_context=client_context, request_id=request_id)


def _settle(runtime: FakeRuntime, expected: int, wait_s: float = 0.5) -> None:
    import time

    deadline = time.monotonic() + 5
    while len(runtime.calls) < expected and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(wait_s)  # and no more come


def test_a_failed_event_is_tried_twice_more_with_the_same_request_id(monkeypatch):
    monkeypatch.setenv("HARNESS_ASYNC_RETRY_DELAYS_S", "0.05,0.15")
    runtime = FailingRuntime()
    response, runtime, _ = call(headers={"X-Amz-Invocation-Type": "Event"}, runtime=runtime)
    assert response.status_code == 202
    _settle(runtime, 3)
    assert len(runtime.calls) == 3
    assert {c["request_id"] for c in runtime.calls} == {response.headers["x-amzn-RequestId"]}
    first, second, third = runtime.times
    assert second - first >= 0.05 and third - second >= 0.15  # Lambda's order: the second wait is longer


@pytest.mark.parametrize("policy, attempts", [((0, 21600.0), 1), ((1, 21600.0), 2), ((2, 0.01), 1)])
def test_the_event_invoke_config_limits_retries_and_event_age(monkeypatch, policy, attempts):
    monkeypatch.setenv("HARNESS_ASYNC_RETRY_DELAYS_S", "0.05")
    runtime = FailingRuntime()
    call(headers={"X-Amz-Invocation-Type": "Event"}, runtime=runtime, control=FakeControl(fn_config(), policy=policy))
    _settle(runtime, attempts)
    assert len(runtime.calls) == attempts


def test_a_successful_event_runs_once(monkeypatch):
    monkeypatch.setenv("HARNESS_ASYNC_RETRY_DELAYS_S", "0.01")
    _, runtime, _ = call(headers={"X-Amz-Invocation-Type": "Event"})
    _settle(runtime, 1, wait_s=0.1)
    assert len(runtime.calls) == 1


@pytest.mark.parametrize("text, delays", [("", (60.0, 120.0)), ("0.5,1", (0.5, 1.0)), ("2", (2.0,)),
                                          ("soon", (60.0, 120.0)), ("1,-1", (60.0, 120.0))])
def test_async_retry_delays(text, delays):
    assert async_retry_delays({"HARNESS_ASYNC_RETRY_DELAYS_S": text}) == delays


def _deliveries(monkeypatch, runtime, policy):
    monkeypatch.setenv("HARNESS_ASYNC_RETRY_DELAYS_S", "0.01")
    sent: list[tuple[str, dict]] = []
    control = FakeControl(fn_config(), policy=policy)
    request = Request(EnvironBuilder(path="/2015-03-31/functions/db-api/invocations", method="POST",
                                     data=b'{"order": 7}', headers={"X-Amz-Invocation-Type": "Event"}).get_environ())
    response = handle_invoke(request, "db-api", control=control, runtime=runtime, region=REGION, account_id=ACCOUNT,
                             deliver=lambda destination, document: sent.append((destination, document)))
    _settle(runtime, 1, wait_s=0.3)
    return response, sent


def test_a_failure_goes_to_the_on_failure_destination_once_retries_are_exhausted(monkeypatch):
    response, sent = _deliveries(monkeypatch, FailingRuntime(), (1, 21600.0, "arn:ok", "arn:aws:sqs:us-east-1:1:dlq"))
    [(destination, document)] = sent
    assert destination == "arn:aws:sqs:us-east-1:1:dlq"
    assert document["requestContext"] == {
        "requestId": response.headers["x-amzn-RequestId"], "condition": "RetriesExhausted", "approximateInvokeCount": 2,
        "functionArn": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:db-api:$LATEST"}
    assert document["requestPayload"] == {"order": 7} and document["version"] == "1.0"
    assert document["responseContext"] == {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"}
    assert document["responsePayload"] == {"errorType": "E"} and document["timestamp"].endswith("Z")


def test_a_success_goes_to_the_on_success_destination(monkeypatch):
    _, sent = _deliveries(monkeypatch, FakeRuntime(), (2, 21600.0, "arn:aws:sns:us-east-1:1:done", None))
    [(destination, document)] = sent
    assert destination == "arn:aws:sns:us-east-1:1:done" and document["requestContext"]["condition"] == "Success"
    assert document["responsePayload"] == {"ok": True} and "functionError" not in document["responseContext"]
    _, none = _deliveries(monkeypatch, FakeRuntime(), (2, 21600.0, None, "arn:aws:sqs:us-east-1:1:q"))
    assert none == []  # a success with only an OnFailure destination sends nothing
