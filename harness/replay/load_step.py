"""The scenario `load` step: run its profile through the context's `LoadDriver`, judge the outcome.

The step's variables (stack, vars, captures so far) reach the mix templates, which the driver renders per
request; `table` is rendered here, once. DynamoDB is reached through the runner's `AwsCaller` (document client).
Every broken threshold, lost or phantom write is one mismatch (`load.p99`, `load.lost_writes`...); latency and
rate bounds are timing bounds (`split_timing`). The result's request describes the profile; its response
carries the driver's text report (content) and figures (JSON). Without a driver the step fails, saying so.
Left out: running the traffic (see `load_driver.py`: harness.load does it).
"""
from __future__ import annotations

import dataclasses
import logging
from typing import Any

from .step_context import StepContext
from .load_driver import LoadOutcome
from .load_profile import Thresholds
from .results import FAILED, PASSED, Mismatch, Request, Response, StepResult, split_timing
from .scenario import LoadCall, Step
from .templating import Scope, TemplateError

log = logging.getLogger(__name__)

SHOWN_IDS = 20  # lost or phantom ids listed in a mismatch; the count is always complete
NO_DRIVER = ("no load driver: this runner was built without one (the CLI and the pytest plugin pass "
             "harness.load's; give Runner/runner_for `load=` to run load steps)")


def judge(outcome: LoadOutcome, thresholds: Thresholds) -> list[Mismatch]:
    """One mismatch per broken threshold, and for lost and phantom writes (empty: the run passed)."""
    found = []
    o, t = outcome, thresholds
    if t.max_p99_ms is not None and not o.p99_ms <= t.max_p99_ms:
        found.append(Mismatch("load.p99", f"<= {t.max_p99_ms:g} ms", f"{o.p99_ms:.1f} ms", timing=True))
    if t.max_p95_ms is not None and not o.p95_ms <= t.max_p95_ms:
        found.append(Mismatch("load.p95", f"<= {t.max_p95_ms:g} ms", f"{o.p95_ms:.1f} ms", timing=True))
    if t.max_error_rate is not None and o.error_rate > t.max_error_rate:
        codes = ", ".join(f"{code or 'no answer'}: {n}" for code, n in o.status.items())
        found.append(Mismatch("load.error_rate", f"<= {t.max_error_rate:.2%}",
                              f"{o.error_rate:.2%} ({o.errors} of {o.requests}; status {codes})"))
    if t.min_rps is not None and o.rps < t.min_rps:
        found.append(Mismatch("load.rps", f">= {t.min_rps:g}", f"{o.rps:.1f}", timing=True))
    if t.no_lost_writes:
        if o.lost:
            found.append(Mismatch("load.lost_writes", "0", str(len(o.lost)), "ids: " + ", ".join(o.lost[:SHOWN_IDS])))
        if o.phantom:
            found.append(Mismatch("load.phantom_writes", "0", str(len(o.phantom)),
                                  "ids: " + ", ".join(o.phantom[:SHOWN_IDS])))
        if o.check_error:
            found.append(Mismatch("load.writes", "the table scanned", o.check_error))
    if o.interrupted:
        found.append(Mismatch("load", "a complete run", "interrupted"))
    if o.broken and not found:  # the driver failed the run for a reason not judged here
        found.append(Mismatch("load", "a passing run", "; ".join(o.broken)))
    return found


def run_load_step(step: Step, phase: str, index: int, scope: Scope, ctx: StepContext) -> StepResult:
    """Run a `load` step (never raises for a failing run: problems become a failed result; Ctrl-C goes through)."""
    started = ctx.clock()
    base = dict(phase=phase, index=index, name=step.name, kind=step.kind, source=step.source, where=step.where)
    call = step.call
    assert isinstance(call, LoadCall)
    profile = call.profile
    try:
        if profile.table is not None:
            profile = dataclasses.replace(profile, table=str(scope.render(profile.table, f"{step.where}.load.table")))
    except TemplateError as exc:
        return StepResult(**base, outcome=FAILED, error=str(exc), duration_s=ctx.clock() - started)
    request = Request("load", "LOAD", ctx.outputs.invoke_url, params={**profile.to_json(), "cleanup": call.cleanup})
    if ctx.load is None:
        return StepResult(**base, outcome=FAILED, error=NO_DRIVER, request=request, duration_s=ctx.clock() - started)

    def dynamo(operation: str, params: dict[str, Any]) -> Any:
        return ctx.aws.call("dynamodb", operation, params, document=True)

    try:
        outcome = ctx.load(profile, target=ctx.target, outputs=ctx.outputs, dynamo=dynamo,
                           variables=scope.as_dict(), cleanup=call.cleanup)
    except Exception as exc:  # a bug must not stop the teardown
        log.exception("load step %s failed unexpectedly", step.where)
        return StepResult(**base, outcome=FAILED, error=f"{type(exc).__name__}: {exc}", request=request,
                          duration_s=ctx.clock() - started)
    found, notes = split_timing(judge(outcome, call.profile.thresholds), ctx.enforce_timing)
    response = Response(status=0, content=outcome.report.encode("utf-8"), data=dict(outcome.figures),
                        duration_ms=outcome.elapsed_s * 1000)
    log.info("%s: %d requests, %s", step.where, outcome.requests, "passed" if not found else "failed")
    return StepResult(**base, outcome=PASSED if not found else FAILED, mismatches=tuple(found), request=request,
                      response=response, attempts=1, duration_s=ctx.clock() - started, notes=notes)
