"""What a run produces: requests as sent, responses as received, mismatches, step and item results.

Plain frozen data shared by the checkers, the runner and the writers. `Response` is one shape for the three
step kinds (HTTP answer, Lambda Invoke result, AWS API result), so expectations and captures treat them alike.
Left out: rendering (see `report.py`, `writers.py`).
"""
from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Mapping

from .scenario import UNSET, Source

PASSED, FAILED, SKIPPED = "passed", "failed", "skipped"


@dataclass(frozen=True)
class Mismatch:
    """One difference between what was expected and what happened, at `path`."""

    path: str
    expected: str
    actual: str
    detail: str | None = None  # extra lines (e.g. the log lines that were seen)
    timing: bool = False  # a wall-clock bound (duration, p95/p99, requests/s): see `split_timing`

    def __str__(self) -> str:
        return f"{self.path}: expected {self.expected}, got {self.actual}"


@dataclass(frozen=True)
class Request:
    """A rendered request. kind http: method + url + headers + body; invoke: url = function, params = payload;
    aws: method = operation, url = service, params = parameters."""

    kind: str
    method: str
    url: str
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes | None = None
    params: Any = UNSET
    options: Mapping[str, Any] = field(default_factory=dict)
    timeout: float = 35.0


@dataclass(frozen=True)
class Response:
    """A response of any step kind. `data` holds an already-decoded JSON value (AWS results); otherwise the
    body is parsed on demand. `error` summarizes an AWS API error (`Code: Message`)."""

    status: int
    headers: Mapping[str, str] = field(default_factory=dict)
    content: bytes = b""
    duration_ms: float = 0.0
    data: Any = UNSET
    log_tail: str | None = None
    error: str | None = None

    @cached_property
    def text(self) -> str:
        if self.data is not UNSET and not self.content:
            return json.dumps(self.data, ensure_ascii=False)
        try:
            return self.content.decode("utf-8")
        except UnicodeDecodeError:
            return base64.b64encode(self.content).decode("ascii")

    @cached_property
    def is_binary(self) -> bool:
        try:
            self.content.decode("utf-8")
            return False
        except UnicodeDecodeError:
            return True

    @cached_property
    def json(self) -> Any:
        """The JSON value of the body, or UNSET when the body is not JSON."""
        if self.data is not UNSET:
            return self.data
        try:
            return json.loads(self.content.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return UNSET

    def header(self, name: str) -> str | None:
        """A header's value, name compared case-insensitively."""
        wanted = name.lower()
        for key, value in self.headers.items():
            if key.lower() == wanted:
                return value
        return None


@dataclass(frozen=True)
class StepResult:
    """The outcome of one step (its last attempt). `error` is set when the step could not be sent or checked."""

    phase: str  # setup | steps | teardown
    index: int
    name: str
    kind: str
    source: Source
    where: str
    outcome: str
    mismatches: tuple[Mismatch, ...] = ()
    error: str | None = None
    request: Request | None = None
    response: Response | None = None
    attempts: int = 0
    duration_s: float = 0.0
    captured: Mapping[str, Any] = field(default_factory=dict)
    notes: tuple[Mismatch, ...] = ()  # timing bounds broken while they were reported, not enforced
    difference: str | None = None  # the target's declared difference whose expectation was checked
    unchecked: tuple[str, ...] = ()  # expectations left out on this target, each with why (steps.checkable)

    @property
    def failed(self) -> bool:
        return self.outcome == FAILED


@dataclass(frozen=True)
class ItemResult:
    """The outcome of one scenario item: passed, failed or skipped, with its steps and durations."""

    item_id: str
    name: str
    scenario: str
    source: Source
    outcome: str
    steps: tuple[StepResult, ...] = ()
    skip_reason: str | None = None
    error: str | None = None  # a failure outside any step (stack deployment, vars)
    duration_s: float = 0.0
    stack_name: str | None = None
    vars: Mapping[str, Any] = field(default_factory=dict)

    @property
    def failed_steps(self) -> tuple[StepResult, ...]:
        return tuple(step for step in self.steps if step.failed)

    @property
    def notes(self) -> tuple[tuple[StepResult, Mismatch], ...]:
        """Timing bounds broken but not enforced, with their steps."""
        return tuple((step, note) for step in self.steps for note in step.notes)


def split_timing(found: list[Mismatch], enforce: bool) -> tuple[list[Mismatch], tuple[Mismatch, ...]]:
    """(mismatches that fail the step, notes). With `enforce` every mismatch fails; otherwise timing ones
    (wall-clock bounds, which depend on the machine's load) become notes."""
    if enforce:
        return found, ()
    return [m for m in found if not m.timing], tuple(m for m in found if m.timing)
