"""Run one step: render its templates, build the request, send it, check the response, capture, retry.

A step never raises: a template naming an undefined variable, a transport failure, a bad matcher after
rendering, even a bug, all become a failed `StepResult` with `error` set (a template error is found before
anything is sent); only Ctrl-C (KeyboardInterrupt) goes through, to stop the whole run. With `retry`, the
request and every check are repeated until they all hold, the attempts run out or the retry timeout passes;
the result is the last attempt's, with the number of attempts. On a target the step `differs` on, that target's
expectation is checked (the declared difference's name is in the result); on a target that writes no API Gateway
execution logs, a step's execution-log lines are not checked, and the result says so. A `load` step (many
concurrent requests, rendered one by one) goes to `load_step.py`, which runs it through the context's load driver.
Left out: running steps concurrently (beyond what a `load` step does inside itself).
"""
from __future__ import annotations

import dataclasses
import logging
from typing import Any

from ..targets import Target
from .awscalls import AwsCallError, perform
from .captures import capture_all
from .step_context import StepContext
from .expectations import check_response
from .load_step import run_load_step
from .log_checks import check_logs, execution_group, function_group
from .operands import MatcherError
from .rendering import build_request, render_model
from .results import FAILED, PASSED, Request, Response, StepResult, split_timing
from .scenario import Expectation, HttpCall, InvokeCall, Retry, Step
from .templating import Scope, TemplateError
from .transport import TransportError

log = logging.getLogger(__name__)

NO_RETRY = Retry(attempts=1, interval=0.0)


def _log_groups(kind: str, call: Any, ctx: StepContext) -> dict[str, str | None]:
    function = call.function if isinstance(call, InvokeCall) and call.function else ctx.outputs.function_name
    execution = None
    if isinstance(call, HttpCall):
        execution = execution_group(call.api_id or ctx.outputs.api_id, call.stage or ctx.outputs.stage)
    return {"function": function_group(function), "execution": execution}


def checkable(expect: Expectation, target: Target) -> tuple[Expectation, tuple[str, ...]]:
    """`expect` without its execution-log lines when `target` writes no execution logs (it lacks
    `execution-logs`), and what was left out, with why: the rest of the step still runs and is checked."""
    logs = expect.logs
    reason = target.lacks.get("execution-logs")
    if logs is None or not logs.execution or reason is None:
        return expect, ()
    kept = dataclasses.replace(expect, logs=dataclasses.replace(logs, execution=()))
    return kept, (f"logs.execution ({len(logs.execution)} lines) not checked: {target.name}: {reason}",)


def _send(request: Request, ctx: StepContext) -> Response:
    if request.kind == "http":
        return ctx.transport.send(request)
    return perform(request, ctx.aws)


def run_step(step: Step, phase: str, index: int, scope: Scope, ctx: StepContext) -> StepResult:
    """Run `step` (with its retries); captured values are added to `scope` when the step passes."""
    if step.kind == "load":  # many requests, rendered one by one by the injected driver
        return run_load_step(step, phase, index, scope, ctx)
    started = ctx.clock()
    base: dict[str, Any] = dict(phase=phase, index=index, name=step.name, kind=step.kind, source=step.source,
                                where=step.where)
    try:
        call = render_model(step.call, scope, f"{step.where}.{step.kind}")
        declared, difference = step.expect_on(ctx.target.name, ctx.row, ctx.runtime,
                                              template=ctx.outputs.from_template)
        where = f"{step.where}.differs.{ctx.target.name}" if difference else f"{step.where}.expect"
        expect, unchecked = checkable(render_model(declared, scope, where), ctx.target)
        request = build_request(call, ctx.target, ctx.outputs)
    except TemplateError as exc:
        return StepResult(**base, outcome=FAILED, error=str(exc), duration_s=ctx.clock() - started)
    base["difference"] = difference.name if difference else None
    base["unchecked"] = unchecked
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
