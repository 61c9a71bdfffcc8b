"""How invocations end: the worker's answers (response, error, init error) and the platform's own endings
(timeout, init timeout, the process exiting), each settled once into a result and its log lines.

`Endings` is a mixin of `FunctionPool`: it uses the pool's lock and bookkeeping (`_complete`, `_detach`,
`_claim_for_failure`, `_remove`, `_spawn`, `_start_later`) and follows its rules: state changes under the
lock, slow work (draining output, writing logs, resolving futures, killing processes) outside it.
Left out: init-error retries within one invocation (here the invocation that triggered the init fails).
"""
from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

from .invocation import Invocation, Outcome
from .function_log import Line, now_ms, timeout_line
from .payloads import (
    MAX_RESPONSE_BYTES, error_on_lambda_paths, error_type_of, exit_message, exit_payload, function_error_payload,
    lambda_paths, out_of_memory_payload, timeout_payload, too_large_payload,
)

if TYPE_CHECKING:
    from .shared import RuntimeContext
    from .worker import Worker

log = logging.getLogger(__name__)

#: Lambda's limit for the init phase; a worker that has not asked for work by then is killed.
INIT_TIMEOUT_S = 10.0


class Endings:
    """The outcome side of a function's pool (mixed into `FunctionPool`)."""

    if TYPE_CHECKING:  # provided by FunctionPool
        ctx: RuntimeContext
        lock: threading.Lock

        def _complete(self, worker: Worker, request_id: str, leave: bool = False) -> tuple[Invocation | None, bool]: ...
        def _detach(self, worker: Worker, inv: Invocation) -> bool: ...
        def _claim_for_failure(self, worker: Worker) -> Invocation | None: ...
        def _remove(self, worker: Worker) -> None: ...
        def _spawn(self) -> Worker | None: ...
        def _start_later(self, worker: Worker | None) -> None: ...

    # ---- the worker's answers ---------------------------------------------------------------------------

    def respond(self, worker: Worker, request_id: str, body: bytes) -> int:
        """202, or 413 for a response over 6 MB: the invocation fails with Function.ResponseSizeTooLarge and,
        as on AWS (whose runtime exits when its post is refused), the environment leaves service."""
        used = worker.max_memory_mb()  # read once: the memory check and the REPORT line
        if self.kill_if_out_of_memory(worker, used):
            return 202  # the process is gone; its exit ends the invocation as Runtime.OutOfMemory
        too_large = len(body) > MAX_RESPONSE_BYTES
        inv, kill = self._complete(worker, request_id, leave=too_large)
        if inv is None:
            return 400
        outcome = Outcome(too_large_payload(), "Unhandled") if too_large else Outcome(body)
        self._settle(worker, inv, outcome, worker.capture.take() if worker.capture else [], used)
        if kill:
            worker.kill()
        if not too_large:
            return 202
        with self.lock:
            fresh = self._spawn()  # invocations waiting for an environment get this one's place
        self._start_later(fresh)
        return 413

    def fail(self, worker: Worker, request_id: str, body: bytes, error_type: str | None) -> int:
        used = worker.max_memory_mb()
        if self.kill_if_out_of_memory(worker, used):
            return 202
        inv, kill = self._complete(worker, request_id)
        if inv is None:
            return 400
        outcome = Outcome(error_on_lambda_paths(function_error_payload(body, error_type), worker.path_roots),
                          "Unhandled")
        self._settle(worker, inv, outcome, worker.capture.take() if worker.capture else [], used)
        if kill:
            worker.kill()
        return 202

    def init_failed(self, worker: Worker, body: bytes, error_type: str | None) -> int:
        with self.lock:
            inv = worker.current or self._claim_for_failure(worker)
            settle = inv is not None and self._detach(worker, inv)
            fresh = self._spawn()
        if inv is not None and settle:
            payload = error_on_lambda_paths(function_error_payload(body, error_type), worker.path_roots)
            kind = error_type or error_type_of(payload) or "Runtime.Unknown"
            lines = worker.capture.take() if worker.capture else []
            self._settle(worker, inv, Outcome(payload, "Unhandled", "error", kind), lines)
        worker.kill()  # awslambdaric exits by itself after /init/error; make sure
        self._start_later(fresh)
        return 202

    # ---- the platform's own endings ---------------------------------------------------------------------

    def kill_if_out_of_memory(self, worker: Worker, used: int | None = None) -> bool:
        """With memory limits on: kill a worker whose peak resident memory (`used`, else read now) passed its
        function's memory size (checked when it answers and every MEMORY_POLL_S while it works); True when it
        was killed."""
        if not self.ctx.memory_limits:
            return False
        used = worker.max_memory_mb() if used is None else used
        if used <= worker.fn.memory_size:
            return False
        log.info("%s: %d MB used of %d MB: killed as out of memory", worker.fn.name, used, worker.fn.memory_size)
        worker.out_of_memory = True
        worker.kill()
        return True

    def _timed_out(self, worker: Worker, inv: Invocation) -> None:
        with self.lock:
            if not self._detach(worker, inv):
                return
        self._settle_timeout(worker, inv)

    def _init_timed_out(self, worker: Worker) -> None:
        with self.lock:
            inv = worker.current or (self._claim_for_failure(worker) if worker.state == "starting" else None)
            if worker.state != "starting" or inv is None or not self._detach(worker, inv):
                return
        log.warning("%s: init did not finish within %.0f s; worker killed", worker.fn.name, INIT_TIMEOUT_S)
        self._settle_timeout(worker, inv)

    def _settle_timeout(self, worker: Worker, inv: Invocation) -> None:
        worker.kill()
        lines = worker.capture.take() if worker.capture else []
        timeout_s = float(inv.fn.timeout)
        after = (timeout_line(now_ms(), inv.request_id, timeout_s),)
        outcome = Outcome(timeout_payload(inv.request_id, timeout_s), "Unhandled", "timeout", after=after)
        self._settle(worker, inv, outcome, lines)

    def exited(self, worker: Worker, returncode: int) -> None:
        """Called by the worker's watcher once the process is gone."""
        with self.lock:
            inv = worker.current or (self._claim_for_failure(worker) if worker.state == "starting" else None)
            settle = inv is not None and self._detach(worker, inv)
            self._remove(worker)
            fresh = self._spawn()
        lines = worker.capture.take() if worker.capture else []
        if inv is not None and settle:
            if worker.out_of_memory:
                kind, payload = "Runtime.OutOfMemory", out_of_memory_payload(inv.request_id, returncode)
            else:
                kind, payload = "Runtime.ExitError", exit_payload(inv.request_id, returncode)
            after = (exit_message(inv.request_id, returncode), kind)
            outcome = Outcome(payload, "Unhandled", "error", kind, after)
            self._settle(worker, inv, outcome, lines)
        else:
            self.ctx.write_log(worker.fn, worker.log_stream, lines)
        worker.close()
        log.debug("%r exited with %s", worker, returncode)
        self._start_later(fresh)

    def _settle(self, worker: Worker, inv: Invocation, outcome: Outcome, during: list[Line],
                used: int | None = None) -> None:
        used = worker.max_memory_mb() if used is None else used
        if worker.path_roots:  # the function's log names Lambda's directories (/var/task), as on AWS
            during = [(ts, lambda_paths(text, worker.path_roots)) for ts, text in during]
        if self.ctx.memory_limits:  # killed at the poll after it passed: Lambda never reports more than the size
            used = min(used, inv.fn.memory_size)
        result, lines = inv.settle(outcome, during, used)
        self.ctx.write_log(inv.fn, worker.log_stream, lines)
        inv.resolve(result)
