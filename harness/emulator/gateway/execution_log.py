"""The execution log: the lines API Gateway writes per request, in AWS's wording.

Real requests go to CloudWatch Logs group `API-Gateway-Execution-Logs_{apiId}/{stage}`, each line prefixed
`(<requestId>) `; TestInvokeMethod returns the text instead (`Execution log for request <id>` then
`<date> : <line>` lines). Left out: stage logging settings (lines are always written, as if INFO logging
were on), access logs, header value masking, and AWS's exact truncation size (we cut at 1000 characters).
"""
from __future__ import annotations

import time
from typing import Any, Callable, Iterable, Mapping

LOG_BODY_LIMIT = 1000
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def now_ms() -> int:
    return int(time.time() * 1000)


class ExecutionLog:
    """Timestamped execution-log messages of one invocation (without the request-id prefix).

    Costly lines (maps of headers, bodies) can be `defer`red: their text is made when the log is read, for
    real requests by the log shipper once the stack is quiet, so formatting stays off the request's path.
    """

    __slots__ = ("_entries",)

    def __init__(self) -> None:
        self._entries: list[tuple[int, str | Callable[[], Iterable[str]]]] = []

    def add(self, message: str) -> None:
        self._entries.append((now_ms(), message))

    def extend(self, messages: Iterable[str]) -> None:
        ts = now_ms()
        self._entries.extend((ts, m) for m in messages)

    def defer(self, make: Callable[[], Iterable[str]]) -> None:
        """Lines stamped now, written by `make()` when the log is read (`make` must only read frozen data)."""
        self._entries.append((now_ms(), make))

    def __bool__(self) -> bool:
        return bool(self._entries)

    @property
    def lines(self) -> list[tuple[int, str]]:
        out: list[tuple[int, str]] = []
        for ts, entry in self._entries:
            if isinstance(entry, str):
                out.append((ts, entry))
            else:
                out.extend((ts, m) for m in entry())
        return out

    def messages(self) -> list[str]:
        return [m for _, m in self.lines]

    def cloudwatch_lines(self, request_id: str) -> list[tuple[int, str]]:
        """(timestamp_ms, message) pairs as written to CloudWatch Logs."""
        prefix = f"({request_id}) "
        return [(ts, prefix + m) for ts, m in self.lines]

    def test_invoke_text(self, request_id: str) -> str:
        """The `log` field of a TestInvokeMethod answer."""
        out = [f"Execution log for request {request_id}"]
        out.extend(f"{java_date(ts)} : {m}" for ts, m in self.lines)
        return "\n".join(out) + "\n"


def java_date(ts_ms: int) -> str:
    """`Thu Mar 05 19:15:17 UTC 2020` (Java's Date.toString in UTC), locale independent."""
    t = time.gmtime(ts_ms / 1000)
    return f"{_DAYS[t.tm_wday]} {_MONTHS[t.tm_mon - 1]} {t.tm_mday:02d} {t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d} UTC {t.tm_year}"


def request_time(ts_ms: int) -> str:
    """`04/Mar/2020:19:15:17 +0000` (requestContext.requestTime), locale independent."""
    t = time.gmtime(ts_ms / 1000)
    return f"{t.tm_mday:02d}/{_MONTHS[t.tm_mon - 1]}/{t.tm_year}:{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d} +0000"


def java_map(values: Mapping[str, Any] | None) -> str:
    """A map the way AWS's log prints it: `{a=1, b=2}` (`{}` when empty or None)."""
    if not values:
        return "{}"
    return "{" + ", ".join(f"{k}={v}" for k, v in values.items()) + "}"


def truncate(text: str, limit: int = LOG_BODY_LIMIT) -> str:
    return text if len(text) <= limit else text[:limit] + " [TRUNCATED]"


def body_text(body: bytes | str | None) -> str:
    """A body for a log line: decoded leniently and truncated."""
    if body is None:
        return ""
    if isinstance(body, bytes):
        # 4 bytes per character at most: enough to fill the limit, never the whole of a big body
        clipped = body[: LOG_BODY_LIMIT * 4].decode("utf-8", errors="replace")
        return truncate(clipped) if len(body) <= LOG_BODY_LIMIT * 4 else clipped[:LOG_BODY_LIMIT] + " [TRUNCATED]"
    return truncate(body)
