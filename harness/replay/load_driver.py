"""The contract between a scenario's `load` step and the engine that runs it: `LoadDriver` and `LoadOutcome`.

replay owns the profile (`load_profile.py`) and judges the outcome (`load_step.py`); a driver only runs the traffic
and measures it. `harness.load` provides one (`harness.load.step_driver.drive`); the composition layer (the CLI, the
pytest plugin) hands it to the `Runner`, so replay never imports harness.load. A driver gets the profile (templates
unrendered: it renders each request with `render_model` and `build_http_request`), the target, the stack's outputs,
DynamoDB as a document-client `DynamoCall`, the step's variables and whether to delete what it wrote. On Ctrl-C it
must stop at once and let `KeyboardInterrupt` through (the whole replay stops). Left out: live progress and plots (a
driver may offer them elsewhere, as `harness load` does).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Protocol

from ..deploy import StackOutputs
from ..targets import Target
from .load_profile import LoadProfile

DynamoCall = Callable[[str, dict[str, Any]], Mapping[str, Any]]  # (operation, params) -> plain JSON result


@dataclass(frozen=True)
class LoadOutcome:
    """What a driver measured: the figures the thresholds are judged on, and what reports show."""

    requests: int
    errors: int  # answers outside 2xx, and requests without an answer
    elapsed_s: float
    p95_ms: float = math.nan
    p99_ms: float = math.nan
    status: Mapping[int, int] = field(default_factory=dict)  # status code (0: no answer) -> count
    lost: tuple[str, ...] = ()  # ids of writes answered 200 but not in the table
    phantom: tuple[str, ...] = ()  # ids in the table that no acknowledged write accounts for
    check_error: str | None = None  # the lost-write check could not run
    broken: tuple[str, ...] = ()  # the driver's own verdict, one readable line per reason (empty: passed)
    interrupted: bool = False  # ended early by Ctrl-C and judged anyway
    report: str = ""  # the text report
    figures: Mapping[str, Any] = field(default_factory=dict)  # the figures as JSON (what `harness load --json` writes)

    @property
    def error_rate(self) -> float:
        return self.errors / self.requests if self.requests else 0.0

    @property
    def rps(self) -> float:
        return self.requests / self.elapsed_s if self.elapsed_s > 0 else 0.0


class LoadDriver(Protocol):
    """Runs one load profile against the deployed stack (never raises for a failing run)."""

    def __call__(self, profile: LoadProfile, *, target: Target, outputs: StackOutputs, dynamo: DynamoCall,
                 variables: Mapping[str, Any], cleanup: bool) -> LoadOutcome: ...
