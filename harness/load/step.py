"""The scenario `load` step: run its profile through `run_load` and turn the verdict into a `StepResult`.

Called by the replay engine (`replay.steps.run_step`) for steps of kind `load`. The step's variables (stack,
vars, captures so far) are available to the mix templates, which are rendered per request; `table` is rendered
once. DynamoDB is reached through the runner's `AwsCaller` (document client). The result's request describes
the profile; its response carries the text report (content) and the figures (JSON, as `--json` writes them).
Every broken threshold, lost or phantom write is one mismatch (`load.p99`, `load.lost_writes`...).
Left out: live progress (a step is one line of the replay's progress), plots (use `harness load --plot`).
"""
from __future__ import annotations

import dataclasses
import logging
from typing import Any

from ..replay.scenario import LoadCall, Step
from ..replay.results import FAILED, PASSED, Mismatch, Request, Response, StepResult, split_timing
from ..replay.steps import StepContext
from ..replay.templating import Scope, TemplateError
from .driver import LoadResult, run_load
from .report import figures, format_report

log = logging.getLogger(__name__)


def mismatches(result: LoadResult) -> list[Mismatch]:
    """One mismatch per broken threshold, and for lost and phantom writes."""
    found = []
    s, v, t = result.summary, result.verification, result.profile.thresholds
    if t.max_p99_ms is not None and not s.latency.p99 <= t.max_p99_ms:
        found.append(Mismatch("load.p99", f"<= {t.max_p99_ms:g} ms", f"{s.latency.p99:.1f} ms", timing=True))
    if t.max_p95_ms is not None and not s.latency.p95 <= t.max_p95_ms:
        found.append(Mismatch("load.p95", f"<= {t.max_p95_ms:g} ms", f"{s.latency.p95:.1f} ms", timing=True))
    if t.max_error_rate is not None and s.error_rate > t.max_error_rate:
        codes = ", ".join(f"{code or 'no answer'}: {n}" for code, n in s.status.items())
        found.append(Mismatch("load.error_rate", f"<= {t.max_error_rate:.2%}",
                              f"{s.error_rate:.2%} ({s.errors} of {s.requests}; status {codes})"))
    if t.min_rps is not None and s.rps < t.min_rps:
        found.append(Mismatch("load.rps", f">= {t.min_rps:g}", f"{s.rps:.1f}", timing=True))
    if t.no_lost_writes:
        if v.lost:
            found.append(Mismatch("load.lost_writes", "0", str(len(v.lost)),
                                  "ids: " + ", ".join(i for _, i in v.lost[:20])))
        if v.phantom:
            found.append(Mismatch("load.phantom_writes", "0", str(len(v.phantom)),
                                  "ids: " + ", ".join(i for _, i in v.phantom[:20])))
        if v.error:
            found.append(Mismatch("load.writes", "the table scanned", v.error))
    if result.record.interrupted:
        found.append(Mismatch("load", "a complete run", "interrupted"))
    return found


def run_load_step(step: Step, phase: str, index: int, scope: Scope, ctx: StepContext) -> StepResult:
    """Run a `load` step (never raises: problems become a failed result)."""
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

    def dynamo(operation: str, params: dict[str, Any]) -> Any:
        return ctx.aws.call("dynamodb", operation, params, document=True)

    try:
        result = run_load(profile, target=ctx.target, outputs=ctx.outputs, dynamo=dynamo,
                          variables=scope.as_dict(), cleanup=call.cleanup)
    except Exception as exc:  # a bug must not stop the teardown
        log.exception("load step %s failed unexpectedly", step.where)
        return StepResult(**base, outcome=FAILED, error=f"{type(exc).__name__}: {exc}", request=request,
                          duration_s=ctx.clock() - started)
    found = mismatches(result)
    if not result.passed and not found:
        found = [Mismatch("load", "a passing run", "; ".join(result.broken))]
    found, notes = split_timing(found, ctx.enforce_timing)
    response = Response(status=0, content=format_report(result).encode("utf-8"), data=figures(result),
                        duration_ms=result.record.elapsed_s * 1000)
    log.info("%s: %d requests, %s", step.where, result.summary.requests, "passed" if not found else "failed")
    return StepResult(**base, outcome=PASSED if not found else FAILED, mismatches=tuple(found), request=request,
                      response=response, attempts=1, duration_s=ctx.clock() - started, notes=notes)

