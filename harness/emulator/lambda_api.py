"""The Lambda Invoke API (`POST /2015-03-31/functions/{FunctionName}/invocations`) in front of LambdaRuntime.

Answers like AWS: RequestResponse -> 200 with the function's payload (`X-Amz-Function-Error: Unhandled`
when it failed), Event -> 202 at once (the invocation runs in the background), DryRun -> 204; refusals are
`AwsError`s, raised to the stack's front, which answers them in the Lambda REST-JSON shape (front/failures.py).
The function may be named by name, `name:qualifier`, partial ARN (`123456789012:function:name`) or full ARN.

An Event invocation whose function fails is retried as Lambda does: with the same request id, after one
minute, then two (ASYNC_RETRY_DELAYS_S; HARNESS_ASYNC_RETRY_DELAYS_S="0.5,1" shortens them), at most
`MaximumRetryAttempts` times (PutFunctionEventInvokeConfig; default 2) and not past `MaximumEventAgeInSeconds`
(default 6 h). A throttled Event invocation is retried for a minute, then dropped. Its destinations
(`DestinationConfig` OnSuccess/OnFailure: SQS, SNS, Lambda, EventBridge) get Lambda's invocation record
(destinations.py) through `deliver`. A reset of the stack drops the retries still waiting.
Left out: dead-letter queues of asynchronous invocations, permission checks, aliases
(qualifiers reach the control plane as given), response streaming, `X-Amz-Client-Context` size limits.
"""
from __future__ import annotations

import base64
import binascii
import json
import logging
import os
import threading
import time
from typing import Any, Callable, Mapping

from werkzeug.wrappers import Request, Response

from . import ids
from .aws_errors import AwsError, check_invoke_size, function_not_found
from .snapshots import AsyncConfig, FunctionConfig

log = logging.getLogger(__name__)

EVENT_RETRY_WINDOW_S = 60.0
#: Lambda's waits before the second and the third attempt of an asynchronous invocation that failed.
ASYNC_RETRY_DELAYS_S = (60.0, 120.0)
ASYNC_RETRY_DELAYS_ENV = "HARNESS_ASYNC_RETRY_DELAYS_S"


def async_retry_delays(env: Mapping[str, str] | None = None) -> tuple[float, ...]:
    """The waits between attempts: Lambda's, or HARNESS_ASYNC_RETRY_DELAYS_S (comma-separated seconds; a value
    that is not a list of non-negative numbers is ignored with a warning)."""
    text = (os.environ if env is None else env).get(ASYNC_RETRY_DELAYS_ENV, "").strip()
    if not text:
        return ASYNC_RETRY_DELAYS_S
    try:
        delays = tuple(float(part) for part in text.split(","))
    except ValueError:
        delays = ()
    if not delays or any(not d >= 0 for d in delays):
        log.warning("%s=%r ignored: give seconds, e.g. 60,120", ASYNC_RETRY_DELAYS_ENV, text)
        return ASYNC_RETRY_DELAYS_S
    return delays


def parse_function_name(raw: str, region: str, account_id: str) -> tuple[str, str, str, str | None]:
    """(name, region, account_id, qualifier) from a name, `name:qualifier`, partial or full ARN."""
    parts = raw.split(":")
    if raw.startswith("arn:"):
        if len(parts) in (7, 8) and parts[2] == "lambda" and parts[5] == "function" and parts[6]:
            return parts[6], parts[3] or region, parts[4] or account_id, (parts[7] if len(parts) == 8 else None)
    elif len(parts) in (3, 4) and parts[1] == "function" and parts[2]:
        return parts[2], region, parts[0], (parts[3] if len(parts) == 4 else None)
    elif len(parts) in (1, 2) and parts[0]:
        return parts[0], region, account_id, (parts[1] if len(parts) == 2 else None)
    raise AwsError(
        400, "ValidationException",
        f"1 validation error detected: Value '{raw}' at 'functionName' failed to satisfy constraint: "
        "Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\\d{1}:)?"
        "(\\d{12}:)?(function:)?([a-zA-Z0-9-_\\.]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?",
    )


def _function_arn(name: str, region: str, account_id: str, qualifier: str | None) -> str:
    arn = f"arn:aws:lambda:{region}:{account_id}:function:{name}"
    return f"{arn}:{qualifier}" if qualifier else arn


def check_json_payload(body: bytes) -> None:
    """Raise InvalidRequestContentException unless `body` is one JSON value (as Lambda requires)."""
    try:
        json.loads(body)
    except RecursionError:  # nested deeper than the parser goes: Lambda's parser has a depth limit too [I]
        raise AwsError(400, "InvalidRequestContentException", "Could not parse request body into json: Could not "
                       "parse payload into json: Document nesting depth exceeds the maximum allowed") from None
    except (ValueError, UnicodeDecodeError) as exc:
        detail = str(exc)
        if isinstance(exc, json.JSONDecodeError):
            token = exc.doc[exc.pos:].split(None, 1)[0][:40] if exc.doc[exc.pos:].strip() else ""
            if token[:1].isalpha():
                detail = (f"Unrecognized token '{token}': was expecting (JSON String, Number, Array, Object or "
                          "token 'null', 'true' or 'false')")
        raise AwsError(400, "InvalidRequestContentException",
                       f"Could not parse request body into json: Could not parse payload into json: {detail}") from None


def decode_client_context(header: str | None) -> str | None:
    """The JSON text of `X-Amz-Client-Context` (base64 of a JSON object), as the runtime receives it."""
    if not header:
        return None
    try:
        text = base64.b64decode(header, validate=True).decode()
        if isinstance(json.loads(text), dict):
            return text
    except (binascii.Error, ValueError, UnicodeDecodeError):
        pass
    raise AwsError(400, "InvalidRequestContentException", "Client context must be a valid Base64-encoded JSON object.")


Deliver = Callable[[str, dict[str, Any]], None]  # (destination ARN, invocation record)


def handle_invoke(
    request: Request, function_name: str, *, control: Any, runtime: Any, region: str, account_id: str,
    deliver: Deliver | None = None,
) -> Response:
    """Answer one Invoke call; raises the `AwsError` Lambda answers a refusal with. `deliver` sends an
    asynchronous invocation's record to its destinations (None: records are dropped)."""
    request_id = ids.request_id()
    # the header enums and the name's pattern were checked against Lambda's model (front/model_validation.py)
    invocation_type = request.headers.get("X-Amz-Invocation-Type") or "RequestResponse"
    log_type = request.headers.get("X-Amz-Log-Type") or "None"

    name, fn_region, fn_account, name_qualifier = parse_function_name(function_name, region, account_id)
    if fn_region != region:  # recorded: test_lambda_api.snapshot.json, test_get_function_wrong_region[invoke]
        raise AwsError(404, "ResourceNotFoundException",
                       f"Functions from '{fn_region}' are not reachable in this region ('{region}')")
    qualifier = request.args.get("Qualifier") or None
    if name_qualifier and qualifier and name_qualifier != qualifier:
        raise AwsError(400, "InvalidParameterValueException",
                       "The derived qualifier from the function name does not match the specified qualifier.")
    qualifier = qualifier or name_qualifier
    fn: FunctionConfig | None = control.get_function(
        name, fn_region, fn_account, None if qualifier == "$LATEST" else qualifier)
    if fn is None:
        # AWS names the version it looked for, `$LATEST` when none was given (LocalStack's recorded AWS answer:
        # tests/aws/services/lambda_/test_lambda.snapshot.json, TestLambdaFeatures::test_invoke_exceptions)
        raise function_not_found(_function_arn(name, fn_region, fn_account, qualifier or "$LATEST"))
    if invocation_type == "DryRun":
        return Response(b"", 204, {"x-amzn-RequestId": request_id, "X-Amz-Executed-Version": fn.version})

    payload = request.get_data(cache=False) or b"{}"
    check_invoke_size(len(payload), invocation_type)
    check_json_payload(payload)
    client_context = decode_client_context(request.headers.get("X-Amz-Client-Context"))
    caller_trace = request.headers.get("X-Amzn-Trace-Id")

    if invocation_type == "Event":
        config = control.async_config(name, fn_region, fn_account, None if qualifier == "$LATEST" else qualifier)
        _submit_event(runtime, fn, payload, client_context, request_id, config, deliver, caller_trace)
        return Response(b"", 202, {"x-amzn-RequestId": request_id})

    result = runtime.submit(fn, payload, client_context=client_context, request_id=request_id,
                            trace_id=caller_trace).result()
    headers = {
        "Content-Type": "application/json",
        "x-amzn-RequestId": result.request_id,
        "X-Amz-Executed-Version": result.executed_version,
    }
    if result.function_error:
        headers["X-Amz-Function-Error"] = result.function_error
    if log_type == "Tail":
        headers["X-Amz-Log-Result"] = base64.b64encode(result.log_tail.encode()).decode()
    return Response(result.payload, result.status, headers)


def _submit_event(runtime: Any, fn: FunctionConfig, payload: bytes, client_context: str | None, request_id: str,
                  config: AsyncConfig = AsyncConfig(), deliver: Deliver | None = None,
                  caller_trace: str | None = None) -> None:
    """Start an asynchronous invocation (in the caller's trace, `caller_trace`): throttled, it keeps trying in the background for a while; failed
    (a function error), it is tried again after Lambda's waits, within `config` (retries, maximum event age);
    its end goes to the configured destination."""
    retries, max_age_s = config.retries, config.max_age_s
    received, epoch = time.monotonic(), runtime.epoch  # a reset of the stack drops the retries
    delays = async_retry_delays()

    def ended(condition: str, attempts: int, result: Any) -> None:
        destination = config.on_success if condition == "Success" else config.on_failure
        if destination and deliver is not None:
            from .destinations import record

            document = record(request_id=request_id, function_arn=_qualified(fn), condition=condition,
                              attempts=attempts, payload=payload, result=result)
            # off the thread that settled the invocation (a Runtime API thread a worker waits on)
            threading.Thread(target=deliver, args=(destination, document), name=f"destination-{request_id[:8]}",
                             daemon=True).start()

    def submit(attempt: int) -> None:
        future = runtime.submit(fn, payload, client_context=client_context, request_id=request_id, epoch=epoch,
                                trace_id=caller_trace)
        future.add_done_callback(lambda done: settled(done, attempt))

    def settled(done: Any, attempt: int) -> None:
        try:
            result = done.result()
        except Exception:  # the runtime shut down under it
            return
        if result.function_error is None:
            ended("Success", attempt + 1, result)
            return
        if attempt >= retries:
            log.info("asynchronous invocation %s of %s failed %d times", request_id, fn.name, attempt + 1)
            ended("RetriesExhausted", attempt + 1, result)
            return
        delay = delays[min(attempt, len(delays) - 1)]
        if time.monotonic() - received + delay > max_age_s:
            log.info("asynchronous invocation %s of %s dropped: older than %.0f s", request_id, fn.name, max_age_s)
            ended("EventAgeExceeded", attempt + 1, result)
            return
        timer = threading.Timer(delay, lambda: _retry_throttled(lambda: submit(attempt + 1), fn, request_id))
        timer.daemon = True
        timer.start()

    try:
        submit(0)
    except AwsError as err:
        if err.code != "TooManyRequestsException":
            raise
        threading.Thread(target=_retry_throttled, args=(lambda: submit(0), fn, request_id, True),
                         name=f"event-retry-{request_id[:8]}", daemon=True).start()


def _qualified(fn: FunctionConfig) -> str:
    """The function ARN with its version, as invocation records name it (`...:function:name:$LATEST`)."""
    return fn.arn if fn.arn.count(":") >= 7 else f"{fn.arn}:{fn.version}"


def _retry_throttled(submit: Any, fn: FunctionConfig, request_id: str, throttled: bool = False) -> None:
    """Run `submit` (after a first pause when it was just `throttled`), trying again for EVENT_RETRY_WINDOW_S
    while the function is throttled."""
    delay, give_up = 0.05, time.monotonic() + EVENT_RETRY_WINDOW_S
    if throttled:
        time.sleep(delay)
    while True:
        try:
            submit()
            return
        except AwsError as err:
            if err.code != "TooManyRequestsException":
                log.warning("asynchronous invocation %s of %s dropped: %s", request_id, fn.name, err)
                return
        if time.monotonic() >= give_up:
            log.warning("asynchronous invocation %s of %s dropped: still throttled after %.0f s",
                        request_id, fn.name, EVENT_RETRY_WINDOW_S)
            return
        time.sleep(delay)
        delay = min(delay * 2, 2.0)
