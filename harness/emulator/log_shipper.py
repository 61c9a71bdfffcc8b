"""CloudWatch Logs written in the background, when the stack has a moment, never on a request's path.

Every gateway request and every invocation produces log lines (execution logs, the function's output).
Writing them costs about as much as serving a small request, and in one process every thread shares the GIL,
so lines written while a request is in flight slow that request down. Lines are therefore kept in memory and
written in bulk (one PutLogEvents per stream, in order) when no request has arrived for `idle_s`, when more
than `max_pending` batches wait, or at once when someone reads: the front's chain calls `flush()` before any
CloudWatch Logs API call, so a reader always sees every line of the requests answered before its call
(AWS shows them a moment later; we are never later than that). `drop()` forgets the waiting lines (a reset).
The shipper is part of the stack's memory (stack_memory.py); the control plane gives it its `writer` (moto's
CloudWatch Logs); lines flushed while there is none are dropped.
Left out: CloudWatch's own PutLogEvents limits (1 MB, 10,000 events; moto does not enforce them, lines are
written in chunks of 5,000) and its ingestion delay.
"""
from __future__ import annotations

import logging
import threading
import time
from typing import Callable, Iterable

log = logging.getLogger(__name__)

Line = tuple[int, str]  # (timestamp in ms, message)
StreamKey = tuple[str, str, str, str]  # (region, account id, group, stream)
Writer = Callable[[StreamKey, list[Line]], None]
Lines = Iterable[Line] | Callable[[], Iterable[Line]]  # a callable is called when the lines are written

CHUNK = 5000


class LogShipper:
    """Buffers (stream, lines) batches; `writer` stores one stream's lines (sorted by time) in moto."""

    def __init__(self, writer: Writer | None = None, *, idle_s: float = 0.05, max_pending: int = 500) -> None:
        self.writer = writer
        self.idle_s = idle_s
        self.max_pending = max_pending
        self._pending: list[tuple[StreamKey, Lines]] = []
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._write_lock = threading.Lock()  # one writer at a time, so batches land in the order they came
        self._thread: threading.Thread | None = None
        self._last_activity = time.monotonic()

    def touch(self) -> None:
        """A request arrived: wait for a quieter moment before writing (a plain store, no lock)."""
        self._last_activity = time.monotonic()

    def put(self, key: StreamKey, lines: Lines) -> None:
        """Queue lines for a stream: a list, or a callable making them when they are written (formatting
        costs then stay off the request's path)."""
        batch = lines if callable(lines) else list(lines)
        if not batch:
            return
        with self._lock:
            self._pending.append((key, batch))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="log-shipper", daemon=True)
                self._thread.start()
            if len(self._pending) == 1 or len(self._pending) > self.max_pending:
                self._wake.notify()

    def pending(self) -> int:
        with self._lock:
            return len(self._pending)

    def drop(self) -> None:
        """Forget every waiting line (nothing is written)."""
        with self._lock:
            self._pending = []

    def flush(self) -> None:
        """Write every waiting line now, in the caller's thread."""
        with self._write_lock:
            with self._lock:
                batches, self._pending = self._pending, []
            self._write(batches)

    def _run(self) -> None:
        while True:
            with self._lock:
                while not self._pending:
                    self._wake.wait()
                quiet_for = time.monotonic() - self._last_activity
                if quiet_for < self.idle_s and len(self._pending) <= self.max_pending:
                    self._wake.wait(self.idle_s - quiet_for)
                    continue
            self.flush()

    def _write(self, batches: list[tuple[StreamKey, Lines]]) -> None:
        writer = self.writer
        if writer is None or not batches:
            return
        streams: dict[StreamKey, list[Line]] = {}
        for key, lines in batches:
            try:
                made = lines() if callable(lines) else lines
                streams.setdefault(key, []).extend(made)
            except Exception:  # a line that cannot be made must not lose the others
                log.exception("could not make the log lines for %s/%s", key[2], key[3])
        for key, lines in streams.items():
            lines.sort(key=lambda line: line[0])  # stable: same-millisecond lines keep their order
            for start in range(0, len(lines), CHUNK):
                try:
                    writer(key, lines[start:start + CHUNK])
                except Exception:  # a log line must never take the stack down
                    log.exception("could not write %d log lines to %s/%s", len(lines), key[2], key[3])
