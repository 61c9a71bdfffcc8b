"""`harness logs`: the stack's CloudWatch Logs read back from any endpoint, in time order.

Two sources: the function's log group (`/aws/lambda/<function>`: START, the handler's prints, END, REPORT)
and API Gateway's execution log (`API-Gateway-Execution-Logs_<api id>/<stage>`). A request id narrows both to
one request: an API Gateway request id (`x-amzn-RequestId` of the HTTP answer) selects its execution-log lines
and, through the Lambda request id those lines name, the invocation it made; a Lambda request id selects that
invocation. Works against the embedded stack, LocalStack (which writes no execution log) and AWS.
Left out: other functions' groups, API Gateway access logs, CloudWatch Logs Insights queries.
"""
from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, Iterable

from botocore.exceptions import ClientError

from .settings import StackSettings

_UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
# where an execution log names the Lambda invocation it made
_LAMBDA_ID = re.compile(rf"(?:x-amzn-RequestId=|Lambda request id: )({_UUID})")
_SINCE = re.compile(r"^(\d+(?:\.\d+)?)([smhd])$")
_UNIT_S = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@dataclass(frozen=True)
class LogSource:
    """One log group to read, and the label its lines carry."""

    label: str  # function | execution
    group: str


@dataclass(frozen=True)
class LogLine:
    timestamp: int  # ms since the epoch
    source: str
    message: str
    event_id: str
    stream: str = ""


def parse_since(text: str) -> float:
    """`30s`, `10m`, `2h`, `1d` as seconds; ValueError naming the accepted forms otherwise."""
    match = _SINCE.match(text.strip())
    if not match:
        raise ValueError(f"--since {text!r}: give a number and a unit, e.g. 30s, 10m, 2h, 1d")
    return float(match[1]) * _UNIT_S[match[2]]


def find_api_id(settings: StackSettings, apigw: Any) -> str | None:
    """The id of the stack's REST API (by name; the one tagged with the stack's name first), or None."""
    apis = [a for page in apigw.get_paginator("get_rest_apis").paginate() for a in page.get("items", [])]
    mine = [a for a in apis if a.get("name") == settings.api_name]
    mine.sort(key=lambda a: (a.get("tags") or {}).get("harness:stack") != settings.stack_name)
    return mine[0]["id"] if mine else None


def sources_for(settings: StackSettings, api_id: str | None, only: str | None = None) -> list[LogSource]:
    """The log groups of the stack: the function's, and the execution log when the API exists."""
    found = []
    if only in (None, "function"):
        found.append(LogSource("function", f"/aws/lambda/{settings.function_name}"))
    if only in (None, "execution") and api_id:
        found.append(LogSource("execution", f"API-Gateway-Execution-Logs_{api_id}/{settings.stage}"))
    return found


def read(logs: Any, sources: Iterable[LogSource], start_ms: int, missing: Callable[[LogSource], None] | None = None,
         ) -> list[LogLine]:
    """Every event since `start_ms` of every source, oldest first; a group that does not exist (yet) is
    reported through `missing` and skipped."""
    lines: list[LogLine] = []
    for source in sources:
        try:
            pages = logs.get_paginator("filter_log_events").paginate(logGroupName=source.group, startTime=start_ms)
            for page in pages:
                for event in page.get("events", []):
                    lines.append(LogLine(int(event.get("timestamp", 0)), source.label,
                                         str(event.get("message", "")).rstrip("\n"), str(event.get("eventId", "")),
                                         str(event.get("logStreamName", ""))))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "ResourceNotFoundException":
                raise
            if missing is not None:
                missing(source)
    lines.sort(key=lambda line: line.timestamp)  # stable: a group's own order is kept within a millisecond
    return lines


def for_request(lines: list[LogLine], request_id: str) -> list[LogLine]:
    """The lines of one request: those naming `request_id`, plus the invocation its execution log names, whole
    (from its START to its REPORT line in its log stream: what the handler printed names no request id)."""
    ids = {request_id}
    for line in lines:
        if line.source == "execution" and request_id in line.message:
            ids.update(_LAMBDA_ID.findall(line.message))
    inside: set[str] = set()  # function log streams between a START and a REPORT of a selected invocation
    kept = []
    for line in lines:
        named = any(i in line.message for i in ids)
        if line.source == "function":
            if named and line.message.startswith("START RequestId: "):
                inside.add(line.stream)
            elif line.stream in inside and line.message.startswith("REPORT RequestId: "):
                inside.discard(line.stream)
                named = True
            elif line.stream in inside and not named:
                named = not line.message.startswith("START RequestId: ")
        if named:
            kept.append(line)
    return kept


def select(lines: list[LogLine], request_id: str | None, only: str | None) -> list[LogLine]:
    """`for_request` when a request id is given, then the lines of the `only` source (both when None)."""
    if request_id:
        lines = for_request(lines, request_id)
    return [line for line in lines if only in (None, line.source)]


def format_line(line: LogLine) -> str:
    stamp = time.strftime("%H:%M:%S", time.localtime(line.timestamp / 1000)) + f".{line.timestamp % 1000:03d}"
    return f"{stamp} {line.source:<9} {line.message}"


def follow(logs: Any, sources: list[LogSource], start_ms: int, emit: Callable[[LogLine], None],
           stop: threading.Event, request_id: str | None = None, only: str | None = None,
           interval_s: float = 1.0) -> None:
    """Emit new lines as they arrive (polling every `interval_s`) until `stop` is set; each line once."""
    seen: set[tuple[str, str]] = set()
    since = start_ms
    while not stop.is_set():
        lines = read(logs, sources, since)
        for line in select(lines, request_id, only):
            key = (line.source, line.event_id or f"{line.timestamp}:{line.message}")
            if key not in seen:
                seen.add(key)
                emit(line)
        if lines:
            since = max(since, lines[-1].timestamp - 5000)  # a late line of the last seconds still shows
        stop.wait(interval_s)
