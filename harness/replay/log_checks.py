"""Log expectations: lines the function log, the API Gateway execution log or an invoke's log tail must contain.

CloudWatch Logs is read with `FilterLogEvents` from the step's start time (minus `SKEW_MS` for clock skew) and
polled until every expected line is there or the expectation's timeout passes (logs land a moment after the
response). A missing log group counts as empty. A string is a substring to find in one event's message; a
matcher object (e.g. {"$regex": ...}) must match one message. Execution log lines are kept only when they carry
the step's request id (`(<x-amzn-RequestId>) ...`, as API Gateway writes them), so an earlier request's
lines never satisfy a later step.
Left out: telling function log lines of different requests apart (the client never sees Lambda's request id,
so lines a step that ran just before wrote may be seen too).
"""
from __future__ import annotations

import logging
import time
from typing import Any, Callable, Mapping, Protocol

from .awscalls import AwsCaller
from .matchers import describe, matcher_name, matches
from .scenario import LogExpectation
from .results import Mismatch

log = logging.getLogger(__name__)

SKEW_MS = 2000
POLL_INTERVAL = 0.5
SHOWN_LINES = 20


class LogSource(Protocol):
    def messages(self, group: str, start_ms: int) -> list[str]: ...


def function_group(function: str) -> str:
    return f"/aws/lambda/{function.split(':')[-1] if function.startswith('arn:') else function}"


def execution_group(api_id: str, stage: str) -> str:
    return f"API-Gateway-Execution-Logs_{api_id}/{stage}"


class CloudWatchLogs:
    """Reads events through an `AwsCaller` (`logs.FilterLogEvents`, every page)."""

    def __init__(self, caller: AwsCaller, max_pages: int = 20) -> None:
        self.caller = caller
        self.max_pages = max_pages

    def messages(self, group: str, start_ms: int) -> list[str]:
        params: dict[str, Any] = {"logGroupName": group, "startTime": max(0, start_ms - SKEW_MS)}
        found: list[str] = []
        for _ in range(self.max_pages):
            try:
                page = self.caller.call("logs", "FilterLogEvents", dict(params))
            except Exception as exc:  # a missing group (ResourceNotFoundException) reads as empty
                log.debug("no events from %s: %s", group, exc)
                return found
            found.extend(str(event.get("message", "")) for event in page.get("events", []))
            token = page.get("nextToken")
            if not token or token == params.get("nextToken"):
                break
            params["nextToken"] = token
        return found


def _present(expected: Any, lines: list[str]) -> bool:
    if matcher_name(expected):
        return any(matches(expected, line.rstrip("\n")) for line in lines)
    return any(str(expected) in line for line in lines)


def _wanted(expected: Any) -> str:
    return f"a line matching {describe(expected)}" if matcher_name(expected) else f'a line containing "{expected}"'


def _detail(lines: list[str]) -> str:
    shown = [line.rstrip("\n") for line in lines[-SHOWN_LINES:]]
    head = f"last {len(shown)} of {len(lines)} lines:" if len(lines) > len(shown) else f"{len(lines)} lines:"
    return "\n".join([head, *shown]) if lines else "no lines"


def _read(source: LogSource, group: str | None, start_ms: int, request_id: str | None) -> list[str]:
    if not group:
        return []
    lines = source.messages(group, start_ms)
    if request_id:
        lines = [line for line in lines if line.startswith(f"({request_id})")]
    return lines


def check_logs(expect: LogExpectation, *, source: LogSource | None, groups: Mapping[str, str | None],
               start_ms: int, tail: str | None, request_id: str | None = None, clock: Callable[[], float] = time.monotonic,
               sleep: Callable[[float], None] = time.sleep) -> list[Mismatch]:
    """Every expected log line that did not appear (one mismatch each, with the lines that were seen)."""
    found: list[Mismatch] = []
    if expect.tail:
        lines = (tail or "").splitlines()
        for line in expect.tail:
            if not _present(line, lines):
                found.append(Mismatch("logs.tail", _wanted(line), f"none in {len(lines)} lines of the log tail",
                                      _detail(lines)))
    pending = {kind: lines for kind, lines in (("function", expect.function), ("execution", expect.execution)) if lines}
    if not pending:
        return found
    if source is None:
        return found + [Mismatch(f"logs.{kind}", "readable logs", "no log source") for kind in pending]
    deadline = clock() + expect.timeout
    while True:
        seen = {kind: _read(source, groups.get(kind), start_ms, request_id if kind == "execution" else None)
                for kind in pending}
        missing = {kind: [line for line in lines if not _present(line, seen[kind])] for kind, lines in pending.items()}
        if not any(missing.values()) or clock() >= deadline:
            break
        sleep(POLL_INTERVAL)
    for kind, lines in missing.items():
        for line in lines:
            where = groups.get(kind) or "(no log group)"
            if kind == "execution" and request_id:
                where += f" for request {request_id}"
            found.append(Mismatch(f"logs.{kind}", _wanted(line), f"none in {len(seen[kind])} events of {where}",
                                  _detail(seen[kind])))
    return found
