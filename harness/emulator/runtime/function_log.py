"""A worker's output as timestamped lines, and the platform lines Lambda wraps each invocation in.

A worker's stdout and stderr share one pipe (so their order is kept). awslambdaric's `logging` handler
writes there too (the standard sink, not the framed `_LAMBDA_TELEMETRY_LOG_FD` one), so one pipe carries
everything a function says. Lines are split on `\\n` only: awslambdaric joins a multi-line error report with
`\\r` to keep it one event, as on AWS. A line longer than a CloudWatch event takes (MAX_EVENT_BYTES, 256 KB
less the 26 bytes of an event's overhead) becomes several events, as Lambda splits it, cut at a character
boundary as soon as that much has arrived: reading costs time linear in the output, and a line without a
newline holds at most one event's worth of memory. Lines nobody has taken yet (an idle worker's background
thread) are kept up to MAX_BUFFERED_BYTES; older ones are dropped and counted (`dropped`).
Left out: INIT_START/INIT_REPORT lines, JSON log format.
"""
from __future__ import annotations

import math
import os
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Iterable

Line = tuple[int, str]  # (epoch ms, text without newline)

#: Bytes of lines kept while nobody takes them (a chatty background thread of an idle worker).
MAX_BUFFERED_BYTES = 256 * 1024 * 1024
#: The largest CloudWatch Logs event: 256 KB, less the 26 bytes PutLogEvents counts per event, less the newline
#: each event's message ends with (`event_message`; every piece of a split line gets one too [I]).
MAX_EVENT_BYTES = 262_144 - 26 - 1


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
        # every field ends with a tab, the last one too (LocalStack's recorded AWS log events,
        # tests/aws/services/lambda_/test_lambda.snapshot.json: "...Max Memory Used: 36 MB\t\n")
        return "\t".join(parts) + "\t"

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
        self._lines: deque[Line] = deque()
        self._bytes = 0  # of the lines in _lines
        self._partial: list[bytes] = []  # the line being written, in pieces (never joined until it ends)
        self._partial_size = 0
        self._partial_ts = 0
        self.eof = False
        self.dropped = 0  # lines dropped because nobody took them in time

    def drain(self) -> None:
        with self._lock:
            self._read_available()

    def take(self) -> list[Line]:
        """Drain, then return (and forget) every line so far, an unterminated last line included."""
        with self._lock:
            self._read_available()
            lines = list(self._lines)
            self._lines.clear()
            self._bytes = 0
            if self._partial:
                lines.append((self._partial_ts, b"".join(self._partial).decode(errors="replace")))
                self._partial, self._partial_size = [], 0
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
        """Split `chunk` into lines (and events of at most MAX_EVENT_BYTES); each byte is looked at once."""
        ts = now_ms()
        start = 0
        while start < len(chunk):
            if not self._partial:
                self._partial_ts = ts
            end = chunk.find(b"\n", start)
            piece = chunk[start:] if end < 0 else chunk[start:end]
            room = MAX_EVENT_BYTES - self._partial_size
            if len(piece) >= room and (end < 0 or len(piece) > room):  # an event is full: cut it off
                cut = _char_boundary(piece, room)
                self._partial.append(piece[:cut])
                self._end_line()
                start += cut
                continue
            self._partial.append(piece)
            self._partial_size += len(piece)
            if end < 0:
                return
            self._end_line()
            start = end + 1
        self._trim()

    def _end_line(self) -> None:
        text = b"".join(self._partial).decode(errors="replace")
        self._lines.append((self._partial_ts, text))
        self._bytes += len(text) + 64
        self._partial, self._partial_size = [], 0
        self._trim()

    def _trim(self) -> None:
        dropped = 0
        while self._bytes > MAX_BUFFERED_BYTES and self._lines:
            _, text = self._lines.popleft()
            self._bytes -= len(text) + 64
            dropped += 1
        if dropped:
            self.dropped += dropped
            _count_dropped(dropped)


_dropped_lock = threading.Lock()
_dropped_total = 0


def _count_dropped(lines: int) -> None:
    global _dropped_total
    with _dropped_lock:
        _dropped_total += lines


def dropped_lines() -> int:
    """Output lines every function of this process dropped so far (nobody took them in time)."""
    with _dropped_lock:
        return _dropped_total


def _char_boundary(data: bytes, limit: int) -> int:
    """The largest cut <= `limit` (and > 0) that does not split a UTF-8 character."""
    cut = max(1, min(limit, len(data)))
    back = cut
    while back > 0 and back > cut - 4 and back < len(data) and (data[back] & 0xC0) == 0x80:
        back -= 1
    return back if back > 0 else cut
