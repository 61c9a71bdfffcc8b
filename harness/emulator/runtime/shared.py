"""What every function pool of one LambdaRuntime shares, the pools themselves, and what makes a worker reusable."""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

from ..snapshots import FunctionConfig
from .code import CodeCache
from .function_log import Line, event_message
from .launch import Launcher
from .scheduler import Scheduler

if TYPE_CHECKING:
    from .pool import FunctionPool
    from .worker import Worker

log = logging.getLogger(__name__)

#: How long closing the pools waits for each killed worker to be reaped.
REAP_WAIT_S = 5.0

LogWriter = Callable[[str, str, str, str, list[Line]], None]


@dataclass(frozen=True)
class RuntimeContext:
    """What every pool shares."""

    scheduler: Scheduler
    code: CodeCache
    log_writer: LogWriter
    endpoint_url: str
    credentials: tuple[str, str]
    default_concurrency: int
    idle_timeout_s: float
    max_workers: int = 8  # execution environments per function at once (invocations beyond wait)
    max_starting: int = 2  # cold starts per function at once
    memory_limits: bool = True  # a worker whose peak resident memory passes the function's memory size is killed
    launcher: Callable[[str], Launcher] | None = None  # a runtime's prepared launcher (service.py prepares them)

    def write_log(self, fn: FunctionConfig, stream: str, lines: list[Line]) -> None:
        """The lines as the function's log events, each message ending with its newline (as on AWS)."""
        if not lines:
            return
        try:
            self.log_writer(fn.region, fn.account_id, fn.log_group, stream,
                            [(ts, event_message(text)) for ts, text in lines])
        except Exception:  # logs must never fail an invocation
            log.exception("could not write %d log lines of %s", len(lines), fn.name)


def generation(fn: FunctionConfig) -> tuple[Any, ...]:
    """What makes an execution environment reusable: code and configuration, not reserved concurrency."""
    return (fn.code_sha256, fn.handler, fn.runtime, fn.memory_size, fn.timeout, fn.role, fn.version,
            tuple(sorted(fn.environment.items())), fn.layers)


class FunctionPools:
    """The pools of a runtime by (function ARN, version): part of the stack's memory (stack_memory.py), so a
    reset empties them. `epoch` counts the resets: an invocation submitted before one is not retried after it."""

    def __init__(self) -> None:
        self._pools: dict[tuple[str, str], FunctionPool] = {}
        self._lock = threading.Lock()
        self.closed = False
        self.epoch = 0

    def get(self, key: tuple[str, str], make: Callable[[], FunctionPool]) -> FunctionPool | None:
        """The pool for `key`, made now if there is none; None once the runtime is shut down."""
        with self._lock:
            if self.closed:
                return None
            pool = self._pools.get(key)
            if pool is None:
                pool = self._pools[key] = make()
            return pool

    def items(self) -> list[tuple[tuple[str, str], FunctionPool]]:
        with self._lock:
            return list(self._pools.items())

    def close_all(self, *, final: bool = False) -> None:
        """Kill every worker of every pool (in-flight invocations end as Runtime.ExitError, waiting ones as
        Runtime.Unknown) and forget the pools, waiting until the workers are reaped; `final`: take no more."""
        with self._lock:
            pools = list(self._pools.values())
            self._pools.clear()
            self.epoch += 1
            self.closed = self.closed or final
        workers: list[Worker] = [worker for pool in pools for worker in pool.close()]
        for worker in workers:
            worker.join(timeout=REAP_WAIT_S)
