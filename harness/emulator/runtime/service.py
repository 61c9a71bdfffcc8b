"""`LambdaRuntime`: runs Lambda functions' deployed code in local worker processes, like AWS does.

Each worker is a runtime's official interface client (awslambdaric, aws-lambda-ric) or a package's own bootstrap
(launch.py, families.py), talking to its own local Runtime API; warm workers are reused. Invocations beyond the function's reserved concurrency (or
`default_concurrency`, AWS's default account limit of 1000) are throttled; the others wait for a ready
worker while new ones start, up to `max_workers` per function (default 4 per core, at least 8), so a peak
costs a few cold starts on this machine instead of one per concurrent request.

Runtimes (families.py): python3.N (python_runtimes.py), nodejs18.x-24.x (node.py), provided.al2/al2023
(provided.py). A runtime is prepared once per stack at its first invoke (its cache is built once per machine,
which may take minutes); a stand-in version (no local python3.12 or Node.js 22) is said once as a warning. A
runtime that cannot run here is refused at invoke time with HTTP 502 `InvalidRuntimeException`, the error AWS
gives when it cannot run a function's runtime. Layers are merged in order (code.py) and each runtime finds them
where Lambda's does under /opt.
The pools of workers belong to the stack's memory (stack_memory.py): its reset kills every worker and forgets
every pool (the runtime goes on taking invocations), and an asynchronous retry submitted before a reset
(`epoch`) is refused after it.
Left out: Java, .NET and Ruby, container images, a real /opt (a layer's files are not found at /opt/...), extensions,
SnapStart, response streaming, the account-wide concurrency pool.

Memory: the peak resident memory (VmHWM) of a worker is compared with its function's memory size when the
worker answers and every MEMORY_POLL_S while it is in init or an invocation; past it, the worker is killed as
Lambda's out-of-memory kill (Runtime.OutOfMemory, `Runtime exited with error: signal: killed`, Max Memory
Used = the memory size). The worker process's own memory counts (not subprocesses it starts, not the page
cache); a spike freed before the next check is still in the peak. `memory_limits=False` only measures.
"""
from __future__ import annotations

import concurrent.futures
import logging
import os
import threading
import time
from pathlib import Path
from typing import Any, Callable

from .. import ids
from ..aws_errors import AwsError, function_not_found
from ..snapshots import FunctionConfig, InvokeResult
from .code import CodeCache
from .families import family_for
from .launch import Launcher
from .runtime_cache import RuntimeBuildError
from .invocation import Invocation
from .function_log import Line
from .shared import FunctionPools, RuntimeContext
from .pool import FunctionPool
from .scheduler import Scheduler

log = logging.getLogger(__name__)

#: How often busy and starting workers' peak memory is compared with their function's memory size.
MEMORY_POLL_S = 0.025


def invalid_runtime(runtime: str, why: str = "only Python, Node.js and provided.al2/al2023 functions run here") \
        -> AwsError:
    return AwsError(
        502, "InvalidRuntimeException",
        f"The runtime parameter of {runtime or '(none)'} is not supported by this local stack: {why}.",
    )


class LambdaRuntime:
    """Runs invocations on warm worker processes; thread-safe."""

    def __init__(
        self,
        *,
        endpoint_url: str,
        code_loader: Callable[[FunctionConfig], bytes],
        layer_loader: Callable[[FunctionConfig, str], bytes] | None = None,
        log_writer: Callable[[str, str, str, str, list[Line]], None],
        work_dir: Path,
        default_concurrency: int = 1000,
        idle_timeout_s: float = 300.0,
        credentials: tuple[str, str] = ("test", "test"),
        max_workers: int | None = None,
        max_starting: int | None = None,
        memory_limits: bool = True,
        pools: FunctionPools | None = None,
    ) -> None:
        cores = os.cpu_count() or 2
        self._scheduler = Scheduler()
        self._ctx = RuntimeContext(
            scheduler=self._scheduler,
            code=CodeCache(Path(work_dir), code_loader, layer_loader),
            log_writer=log_writer,
            endpoint_url=endpoint_url,
            credentials=credentials,
            default_concurrency=default_concurrency,
            idle_timeout_s=idle_timeout_s,
            max_workers=max_workers or max(8, 4 * cores),
            max_starting=max_starting or max(4, 2 * cores),
            memory_limits=memory_limits,
            launcher=self._launcher_of,
        )
        self._pools = FunctionPools() if pools is None else pools  # the stack's memory holds them (reset)
        self._lock = threading.Lock()
        self._launchers: dict[str, Launcher] = {}
        self._runtime_locks: dict[str, threading.Lock] = {}
        self._scheduler.call_every(min(max(idle_timeout_s / 2, 0.02), 30.0), self._reap)
        if memory_limits:
            self._scheduler.call_every(MEMORY_POLL_S, self._check_memory)

    def submit(
        self, fn: FunctionConfig, payload: bytes, *, client_context: str | None = None,
        request_id: str | None = None, epoch: int | None = None, trace_id: str | None = None,
    ) -> concurrent.futures.Future[InvokeResult]:
        """Start an invocation; the future gives its result (function errors are results, not exceptions).

        `client_context` is the JSON text handed to the runtime (the Invoke API's header, base64-decoded).
        `trace_id`: the caller's X-Amzn-Trace-Id; the function's `_X_AMZN_TRACE_ID` keeps its Root (invocation.py).
        `epoch`: the runtime's `epoch` when the invocation was first submitted (a retry after a reset is refused).
        Raises `AwsError` at once: 429 `throttled()`, 502 InvalidRuntimeException, 404 when the function's
        code is gone (or the stack was reset since `epoch`).
        """
        if epoch is not None and epoch != self._pools.epoch:
            raise function_not_found(fn.arn)
        self._prepare(fn.runtime)
        inv = Invocation(fn, request_id or ids.request_id(), payload, client_context, trace_id)
        pool = self._pool(fn)
        worker = pool.submit(fn, inv)
        if worker is not None:  # a new worker: start it here, so a missing code package answers this call
            try:
                pool.start(worker, inv)
            except LookupError:
                raise function_not_found(fn.arn) from None
        return inv.future

    @property
    def epoch(self) -> int:
        """How many resets the runtime went through (see `submit`)."""
        return self._pools.epoch

    @property
    def endpoint_url(self) -> str:
        """Where functions (and the stack's own deliveries) reach the AWS APIs."""
        return self._ctx.endpoint_url

    def function_deleted(self, name_or_arn: str) -> None:
        """DeleteFunction: retire the workers of every function with this name or ARN (any version; a name is
        matched in every region and account, which at worst costs another function of that name a cold start)."""
        name = name_or_arn.split(":function:", 1)[-1].split(":", 1)[0]
        for (arn, _), pool in self._pools.items():
            if arn.endswith(f":function:{name}"):
                pool.retire()

    def shutdown(self) -> None:
        """Kill every worker (in-flight invocations end with `Runtime.ExitError`) and stop the threads."""
        self._pools.close_all(final=True)
        self._scheduler.close()
        for launcher in list(self._launchers.values()):
            close = getattr(launcher, "close", None)
            if close is not None:
                close()

    def stats(self) -> dict[str, Any]:
        """Workers per function (`busy`, `idle`, `starting`, `inflight`), for a health endpoint."""
        pools = dict(self._pools.items())
        functions = {f"{arn}:{version}" if version != "$LATEST" else arn: pool.stats()
                     for (arn, version), pool in pools.items()}
        return {
            "workers": sum(s["busy"] + s["idle"] + s["starting"] for s in functions.values()),
            "functions": {key: s for key, s in functions.items() if any(s.values())},
        }

    def _pool(self, fn: FunctionConfig) -> FunctionPool:
        pool = self._pools.get((fn.arn, fn.version), lambda: FunctionPool(self._ctx))
        if pool is None:
            raise AwsError(503, "ServiceException", "The Lambda runtime is shut down.")
        return pool

    def _prepare(self, runtime: str) -> None:
        """Make `runtime`'s launcher ready (once per stack; the first call may build its cache), saying a
        stand-in version once; AwsError 502 InvalidRuntimeException when it cannot run here."""
        if runtime in self._launchers:
            return
        family = family_for(runtime)
        if family is None:
            raise invalid_runtime(runtime)
        with self._lock:
            lock = self._runtime_locks.setdefault(runtime, threading.Lock())
        with lock:
            if runtime in self._launchers:
                return
            verdict = family.check(runtime)
            if not verdict.usable:
                raise invalid_runtime(runtime, verdict.detail)
            try:
                launcher = family.prepare(runtime)
            except RuntimeBuildError as exc:
                log.error("%s cannot run here: %s", runtime, exc)
                raise invalid_runtime(runtime, str(exc).splitlines()[0]) from None
            if verdict.warning:
                log.warning("%s", verdict.warning)
            self._launchers[runtime] = launcher

    def _launcher_of(self, runtime: str) -> Launcher:
        return self._launchers[runtime]

    def _check_memory(self) -> None:
        for _, pool in self._pools.items():
            pool.kill_over_memory()

    def _reap(self) -> None:
        now = time.monotonic()
        for _, pool in self._pools.items():
            pool.reap_idle(now)
