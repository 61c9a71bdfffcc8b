"""harness.load's `LoadDriver` for the scenario `load` step: `drive` runs the profile and reports a `LoadOutcome`.

replay judges the outcome (thresholds, lost and phantom writes become mismatches) and never imports this
package: the CLI and the pytest plugin pass `drive` to `harness.replay.runner_for(load=...)`. On Ctrl-C the
run is abandoned at once (requests in flight are not waited for, no lost-write check, no cleanup) and
KeyboardInterrupt goes through, so the whole replay stops. Left out: live progress and plots (`harness load`).
"""
from __future__ import annotations

from typing import Any, Mapping

from ..deploy import StackOutputs
from ..replay import DynamoCall, LoadOutcome, LoadProfile
from ..targets import Target
from .driver import LoadResult, run_load
from .report import figures, format_report


def outcome(result: LoadResult) -> LoadOutcome:
    """The figures replay judges a run on, its text report and its JSON figures."""
    s, v = result.summary, result.verification
    return LoadOutcome(requests=s.requests, errors=s.errors, elapsed_s=result.record.elapsed_s,
                       p95_ms=s.latency.p95, p99_ms=s.latency.p99, status=dict(s.status),
                       lost=tuple(i for _, i in v.lost), phantom=tuple(i for _, i in v.phantom), check_error=v.error,
                       broken=result.broken, interrupted=result.record.interrupted, report=format_report(result),
                       figures=figures(result))


def drive(profile: LoadProfile, *, target: Target, outputs: StackOutputs, dynamo: DynamoCall,
          variables: Mapping[str, Any], cleanup: bool) -> LoadOutcome:
    """Run `profile` against the deployed stack (a `harness.replay.LoadDriver`)."""
    result = run_load(profile, target=target, outputs=outputs, dynamo=dynamo, variables=variables, cleanup=cleanup,
                      abandon_on_interrupt=True)
    return outcome(result)
