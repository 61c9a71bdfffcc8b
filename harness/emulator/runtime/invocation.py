"""One invocation on its way through a worker, and how its outcome becomes an InvokeResult + log lines.

`Invocation` is mutable and owned by its pool (fields change only under the pool's lock, except
`before`, written by the worker's own `/next` thread); everything that leaves it is frozen.
"""
from __future__ import annotations

import concurrent.futures
import time
from dataclasses import dataclass
from typing import Iterable

from .. import ids
from ..snapshots import FunctionConfig, InvokeResult
from .api import NextEvent
from .function_log import InvocationRecord, Line, now_ms, render
from .scheduler import Timer


def trace_id(incoming: str | None = None) -> str:
    """The invocation's X-Ray trace header, the function's `_X_AMZN_TRACE_ID` (awslambdaric and the Node runtime
    set it from `/next`'s `Lambda-Runtime-Trace-Id`): `Root=1-<time>-<24 hex>;Parent=<16 hex>;Sampled=0`, new per
    invocation; the Root (and Sampled) of `incoming`, the caller's X-Amzn-Trace-Id, when it has one, as Lambda keeps
    the trace it is called in (LocalStack's AWS-validated test_lambda_integration_xray.py,
    test_xray_trace_propagation; test_traceid_outside_handler: a new trace per invocation).
    Left out: the `Lineage` field AWS adds."""
    root, sampled = None, "0"
    if incoming:
        for part in incoming.split(";"):
            key, _, value = part.strip().partition("=")
            if key == "Root" and value:
                root = value
            elif key == "Sampled" and value in ("0", "1"):
                sampled = value
    if root is None:
        root = f"1-{int(time.time()):08x}-{ids.random_hex(24)}"
    return f"Root={root};Parent={ids.random_hex(16)};Sampled={sampled}"


@dataclass(frozen=True)
class Outcome:
    """How an invocation ended, as the platform reports it."""

    payload: bytes
    function_error: str | None = None
    status: str | None = None  # REPORT's Status: None, "error" or "timeout"
    error_type: str | None = None  # REPORT's Error Type
    after: tuple[str, ...] = ()  # platform lines after REPORT (timeout / exit messages)


class Invocation:
    __slots__ = (
        "fn", "request_id", "payload", "client_context", "future", "submitted", "started", "started_ms",
        "deadline_ms", "timer", "done", "init_ms", "before", "caller_trace",
    )

    def __init__(self, fn: FunctionConfig, request_id: str, payload: bytes, client_context: str | None,
                 caller_trace: str | None = None) -> None:
        self.fn = fn
        self.caller_trace = caller_trace  # the caller's X-Amzn-Trace-Id (see `trace_id`)
        self.request_id = request_id
        self.payload = payload
        self.client_context = client_context
        self.future: concurrent.futures.Future[InvokeResult] = concurrent.futures.Future()
        self.submitted = time.monotonic()
        self.started: float | None = None  # monotonic, set when a worker takes it from /next
        self.started_ms = 0
        self.deadline_ms = 0
        self.timer: Timer | None = None
        self.done = False
        self.init_ms: float | None = None
        self.before: list[Line] = []

    def start(self, init_ms: float | None) -> None:
        self.started = time.monotonic()
        self.started_ms = now_ms()
        self.deadline_ms = self.started_ms + self.fn.timeout * 1000
        self.init_ms = init_ms

    def next_event(self) -> NextEvent:
        return NextEvent(
            request_id=self.request_id,
            payload=self.payload,
            deadline_ms=self.deadline_ms,
            function_arn=self.fn.arn,
            trace_id=trace_id(self.caller_trace),
            client_context=self.client_context,
        )

    def settle(self, outcome: Outcome, during: Iterable[Line], max_memory_mb: int) -> tuple[InvokeResult, list[Line]]:
        """The result and the log lines of this invocation, given how it ended and what it printed.

        An invocation that never started (its worker failed during init) is timed from submission.
        """
        ended_ms = now_ms()
        began = self.started if self.started is not None else self.submitted
        duration_ms = (time.monotonic() - began) * 1000.0
        record = InvocationRecord(
            request_id=self.request_id,
            version=self.fn.version,
            started_ms=self.started_ms or ended_ms - int(duration_ms),
            ended_ms=ended_ms,
            duration_ms=duration_ms,
            memory_size=self.fn.memory_size,
            max_memory_mb=max_memory_mb,
            init_ms=self.init_ms,
            status=outcome.status,
            error_type=outcome.error_type,
        )
        lines = record.lines(self.before, during, outcome.after)
        result = InvokeResult(
            request_id=self.request_id,
            status=200,
            payload=outcome.payload,
            function_error=outcome.function_error,
            log=render(lines),
            executed_version=self.fn.version,
            duration_ms=duration_ms,
        )
        return result, lines

    def resolve(self, result: InvokeResult) -> None:
        if not self.future.done():
            try:
                self.future.set_result(result)
            except concurrent.futures.InvalidStateError:  # cancelled by the caller meanwhile
                pass
