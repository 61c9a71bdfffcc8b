"""What every function pool of one LambdaRuntime shares, and what makes a worker reusable."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Callable

from ..snapshots import FunctionConfig
from .code import CodeCache
from .function_log import Line
from .scheduler import Scheduler

log = logging.getLogger(__name__)

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

    def write_log(self, fn: FunctionConfig, stream: str, lines: list[Line]) -> None:
        if not lines:
            return
        try:
            self.log_writer(fn.region, fn.account_id, fn.log_group, stream, lines)
        except Exception:  # logs must never fail an invocation
            log.exception("could not write %d log lines of %s", len(lines), fn.name)


def generation(fn: FunctionConfig) -> tuple[Any, ...]:
    """What makes an execution environment reusable: code and configuration, not reserved concurrency."""
    return (fn.code_sha256, fn.handler, fn.runtime, fn.memory_size, fn.timeout, fn.role, fn.version,
            tuple(sorted(fn.environment.items())), fn.layers)
