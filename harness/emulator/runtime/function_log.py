"""A worker's output as timestamped lines, and the platform lines Lambda wraps each invocation in.

A worker's stdout and stderr share one pipe (so their order is kept). awslambdaric's `logging` handler
writes there too (the standard sink, not the framed `_LAMBDA_TELEMETRY_LOG_FD` one), so one pipe carries
everything a function says. Lines are split on `\\n` only: awslambdaric joins a multi-line error report with
`\\r` to keep it one event, as on AWS. Left out: INIT_START/INIT_REPORT lines, JSON log format, the 256 KB
event size limit.
"""
from __future__ import annotations

import math
import os
import threading
import time
from dataclasses import dataclass
from typing import Iterable

Line = tuple[int, str]  # (epoch ms, text without newline)

#: Lines kept while nobody takes them (a chatty background thread of an idle worker).
MAX_BUFFERED_LINES = 50_000


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def iso_ms(ts_ms: int) -> str:
    """`2024-01-31T12:00:00.123Z`"""
    seconds, millis = divmod(ts_ms, 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{millis:03d}Z"


def billed_ms(duration_ms: float) -> int:
    return max(1, math.ceil(duration_ms))


@dataclass(frozen=True)
class InvocationRecord:
    """What the START/END/REPORT lines of one invocation say."""

    request_id: str
    version: str
    started_ms: int
    ended_ms: int
    duration_ms: float
    memory_size: int
    max_memory_mb: int
    init_ms: float | None = None
    status: str | None = None  # None (success), "error" or "timeout"
    error_type: str | None = None

    def start_line(self) -> str:
        return f"START RequestId: {self.request_id} Version: {self.version}"

    def end_line(self) -> str:
        return f"END RequestId: {self.request_id}"

    def report_line(self) -> str:
        parts = [
            f"REPORT RequestId: {self.request_id}",
            f"Duration: {self.duration_ms:.2f} ms",
            f"Billed Duration: {billed_ms(self.duration_ms)} ms",
            f"Memory Size: {self.memory_size} MB",
            f"Max Memory Used: {self.max_memory_mb} MB",
        ]
        if self.init_ms is not None:
            parts.append(f"Init Duration: {self.init_ms:.2f} ms")
        if self.status:
            parts.append(f"Status: {self.status}")
        if self.error_type:
            parts.append(f"Error Type: {self.error_type}")
        return "\t".join(parts)

    def lines(self, before: Iterable[Line], during: Iterable[Line], after: Iterable[str] = ()) -> list[Line]:
        """`before` (init output), START, `during`, END, REPORT, then the platform's `after` lines."""
        out = list(before)
        out.append((self.started_ms, self.start_line()))
        out.extend(during)
        out.append((self.ended_ms, self.end_line()))
        out.append((self.ended_ms, self.report_line()))
        out.extend((self.ended_ms, text) for text in after)
        return out


def render(lines: Iterable[Line]) -> str:
    """The log text as `LogType=Tail` shows it: one line per event."""
    return "".join(text + "\n" for _, text in lines)


def event_message(text: str) -> str:
    """A line as a CloudWatch Logs event of `/aws/lambda/<name>`: with its newline, as AWS stores it
    (`"START RequestId: ... Version: $LATEST\\n"`, a `print()`ed line ends with `\\n` too)."""
    return text + "\n"


def timeout_line(ts_ms: int, request_id: str, timeout_s: float) -> str:
    return f"{iso_ms(ts_ms)} {request_id} Task timed out after {timeout_s:.2f} seconds"


class OutputCapture:
    """Reads a non-blocking pipe into lines; `drain()` reads everything already written, in order.

    Both the worker's reader thread and the Runtime API (when a response arrives) drain under one
    lock, so a line the function wrote before posting its response is always read before the response
    is answered, and lines never change order.
    """

    def __init__(self, fd: int) -> None:
        self.fd = fd
        os.set_blocking(fd, False)
        self._lock = threading.Lock()
        self._lines: list[Line] = []
        self._partial = b""
        self._partial_ts = 0
        self.eof = False

    def drain(self) -> None:
        with self._lock:
            self._read_available()

    def take(self) -> list[Line]:
        """Drain, then return (and forget) every line so far, an unterminated last line included."""
        with self._lock:
            self._read_available()
            lines, self._lines = self._lines, []
            if self._partial:
                lines.append((self._partial_ts, self._partial.decode(errors="replace")))
                self._partial = b""
            return lines

    def close(self) -> None:
        with self._lock:
            self.eof = True
            try:
                os.close(self.fd)
            except OSError:
                pass

    def _read_available(self) -> None:
        while not self.eof:
            try:
                chunk = os.read(self.fd, 1 << 16)
            except BlockingIOError:
                return
            except OSError:
                chunk = b""
            if not chunk:
                self.eof = True
                return
            self._feed(chunk)

    def _feed(self, chunk: bytes) -> None:
        ts = now_ms()
        if not self._partial:
            self._partial_ts = ts
        parts = (self._partial + chunk).split(b"\n")
        self._partial = parts.pop()
        if parts:
            first_ts = self._partial_ts
            self._lines.append((first_ts, parts[0].decode(errors="replace")))
            self._lines.extend((ts, p.decode(errors="replace")) for p in parts[1:])
            self._partial_ts = ts
        if len(self._lines) > MAX_BUFFERED_LINES:
            del self._lines[: len(self._lines) - MAX_BUFFERED_LINES]
