"""Run one step: render its templates, build the request, send it, check the response, capture, retry.

A step never raises: a template naming an undefined variable, a transport failure, a bad matcher after
rendering, even a bug, all become a failed `StepResult` with `error` set (a template error is found before
anything is sent). With `retry`, the request and every check are repeated until they all hold, the attempts
run out or the retry timeout passes; the result is the last attempt's, with the number of attempts.
A `load` step (many concurrent requests, rendered one by one) is handed to `harness.load.step`.
Left out: running steps concurrently (beyond what a `load` step does inside itself).
"""
from __future__ import annotations

import dataclasses
import json
import logging
import time
from dataclasses import dataclass
from typing import Any, Callable
from urllib.parse import urlencode

from ..deploy import StackOutputs
from ..targets import Target
from .awscalls import AwsCaller, AwsCallError, perform
from .captures import capture_all
from .expectations import check_response
from .log_checks import LogSource, check_logs, execution_group, function_group
from .matchers import MatcherError
from .scenario import UNSET, AwsCall, HttpCall, InvokeCall, Retry, Step
from .results import FAILED, PASSED, Request, Response, StepResult, split_timing
from .templating import Scope, TemplateError
from .transport import Transport, TransportError

log = logging.getLogger(__name__)

NO_RETRY = Retry(attempts=1, interval=0.0)


@dataclass(frozen=True)
class StepContext:
    """What a step runs against: the target, the deployed stack and the I/O interfaces."""

    target: Target
    outputs: StackOutputs
    transport: Transport
    aws: AwsCaller
    logs: LogSource | None = None
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    wall: Callable[[], float] = time.time
    enforce_timing: bool = True  # False: broken timing bounds are the step's notes, not mismatches


def render_model(value: Any, scope: Scope, where: str) -> Any:
    """A copy of a model dataclass (or JSON value) with every template rendered; tuples stay tuples."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {f.name: render_model(getattr(value, f.name), scope, f"{where}.{f.name}")
                   for f in dataclasses.fields(value)}
        return dataclasses.replace(value, **changes)
    if isinstance(value, tuple):
        return tuple(render_model(item, scope, f"{where}[{i}]") for i, item in enumerate(value))
    if value is UNSET or value is None or isinstance(value, (bool, int, float)):
        return value
    return scope.render(value, where)


def _query(query: Any) -> str:
    if isinstance(query, str):
        return query.lstrip("?")
    pairs = []
    for key, value in (query or {}).items():
        for item in value if isinstance(value, list) else [value]:
            pairs.append((key, item if isinstance(item, str) else json.dumps(item)))
    return urlencode(pairs)


def build_http_request(call: HttpCall, target: Target, outputs: StackOutputs) -> Request:
    """The HTTP request a rendered `HttpCall` makes against the deployed stack (also used by `harness load`)."""
    path = call.path if call.path is not None else f"/{outputs.resource_path}"
    url = call.url or target.invoke_url(call.api_id or outputs.api_id, call.stage or outputs.stage, path)
    query = _query(call.query)
    if query:
        url += ("&" if "?" in url else "?") + query
    headers = {str(k): v if isinstance(v, str) else json.dumps(v) for k, v in call.headers.items()}
    body = None
    if call.json is not UNSET:
        body = json.dumps(call.json).encode("utf-8")
        if not any(k.lower() == "content-type" for k in headers):
            headers["Content-Type"] = "application/json"
    elif call.body is not None:
        body = str(call.body).encode("utf-8")
    return Request("http", str(call.method).upper(), url, headers, body, timeout=float(call.timeout))


def build_request(kind: str, call: Any, ctx: StepContext) -> Request:
    """The request a rendered call makes against the deployed stack."""
    out = ctx.outputs
    if isinstance(call, HttpCall):
        return build_http_request(call, ctx.target, out)
    if isinstance(call, InvokeCall):
        if call.payload is not UNSET:
            body, shown = json.dumps(call.payload).encode("utf-8"), call.payload
        elif call.raw_payload is not None:
            body, shown = call.raw_payload.encode("utf-8"), call.raw_payload
        else:
            body, shown = None, UNSET
        options = {"invocation_type": call.invocation_type, "log_tail": call.log_tail, "qualifier": call.qualifier}
        return Request("invoke", "Invoke", call.function or out.function_name, {}, body, params=shown, options=options)
    assert isinstance(call, AwsCall)
    return Request("aws", call.operation, call.service, params=dict(call.params), options={"document": call.document})


def _log_groups(kind: str, call: Any, ctx: StepContext) -> dict[str, str | None]:
    function = call.function if isinstance(call, InvokeCall) and call.function else ctx.outputs.function_name
    execution = None
    if isinstance(call, HttpCall):
        execution = execution_group(call.api_id or ctx.outputs.api_id, call.stage or ctx.outputs.stage)
    return {"function": function_group(function), "execution": execution}


def _send(request: Request, ctx: StepContext) -> Response:
    if request.kind == "http":
        return ctx.transport.send(request)
    return perform(request, ctx.aws)


def run_step(step: Step, phase: str, index: int, scope: Scope, ctx: StepContext) -> StepResult:
    """Run `step` (with its retries); captured values are added to `scope` when the step passes."""
    if step.kind == "load":  # many requests, rendered one by one: harness.load (imported late: it imports us)
        from ..load.step import run_load_step

        return run_load_step(step, phase, index, scope, ctx)
    started = ctx.clock()
    base = dict(phase=phase, index=index, name=step.name, kind=step.kind, source=step.source, where=step.where)
    try:
        call = render_model(step.call, scope, f"{step.where}.{step.kind}")
        expect = render_model(step.expect, scope, f"{step.where}.expect")
        request = build_request(step.kind, call, ctx)
    except TemplateError as exc:
        return StepResult(**base, outcome=FAILED, error=str(exc), duration_s=ctx.clock() - started)
    retry = step.retry or NO_RETRY
    attempts, response, mismatches, error, captured, notes = 0, None, [], None, {}, ()
    while True:
        attempts += 1
        start_ms = int(ctx.wall() * 1000)
        response, mismatches, error, fatal, notes = None, [], None, False, ()
        try:
            response = _send(request, ctx)
            mismatches = check_response(expect, response, kind=step.kind)
            if expect.logs is not None:
                mismatches += check_logs(expect.logs, source=ctx.logs, groups=_log_groups(step.kind, call, ctx),
                                         start_ms=start_ms, tail=response.log_tail, clock=ctx.clock, sleep=ctx.sleep,
                                         request_id=response.header("x-amzn-RequestId") if step.kind == "http" else None)
            mismatches, notes = split_timing(mismatches, ctx.enforce_timing)
            if not mismatches:
                captured, problems = capture_all(step.captures, response)
                mismatches += problems
        except (TransportError, AwsCallError) as exc:
            error = str(exc)
        except MatcherError as exc:
            error, fatal = f"bad matcher after rendering: {exc}", True
        except Exception as exc:  # a bug must not stop the teardown
            log.exception("step %s failed unexpectedly", step.where)
            error, fatal = f"{type(exc).__name__}: {exc}", True
        passed = not mismatches and error is None
        elapsed = ctx.clock() - started
        out_of_time = retry.timeout is not None and elapsed + retry.interval > retry.timeout
        if passed or fatal or attempts >= retry.attempts or out_of_time:
            break
        log.debug("%s attempt %d failed; retrying in %.2fs", step.where, attempts, retry.interval)
        ctx.sleep(retry.interval)
    if passed:
        for name, value in captured.items():
            scope.set(name, value)
    return StepResult(**base, outcome=PASSED if passed else FAILED, mismatches=tuple(mismatches), error=error,
                      request=request, response=response, attempts=attempts, duration_s=ctx.clock() - started,
                      captured=captured if passed else {}, notes=notes)
