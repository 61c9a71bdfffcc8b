"""The embedded stack: moto's AWS APIs, the API Gateway data plane and a real Lambda runtime on ONE port.

`EmbeddedStack(port=0).start()` runs it in this process (threads); `url` tells where. Every request goes through
one ordered chain of handlers (front/request_path.py: health and reset, execute-api, Lambda Invoke,
TestInvokeMethod, DynamoDB's hot path, the corrections around moto, moto). What the emulator keeps beside moto
lives in one `StackMemory` (stack_memory.py), which `POST /moto-api/reset` empties with moto's backends.
moto keeps its state in process-global backends, so run one stack per process (tests start `harness serve` in a subprocess, since
moto's `mock_aws` resets those globals). Starting tunes this process for latency: the GIL switch interval to
0.5 ms (`switch_interval_s`; None keeps it) and the garbage collector (`tune_gc`: what is loaded by then is
frozen out of collections, which run 30x less often; moto keeps every item and log line as objects, and full
collections over them were the biggest source of jitter). Functions are held to their memory size
(`memory_limits`; HARNESS_LAMBDA_MEMORY_LIMITS=0 only measures). With `state_dir`, every write the stack
acknowledges is journalled first and replayed at the next start (journal.py): tables and items, functions
and layers, REST APIs with their ids, IAM, log groups... With `dynamodb="local"`, Amazon's DynamoDB Local (started here, stopped
with the stack: dynamodb_local.py) answers every DynamoDB call through the same port instead of moto. A stop
stops accepting, lets the requests in flight
finish, then stops the rest; the journal is compacted as it grows (journal_compaction.py). Left out: the lines
functions print (CloudWatch Logs events written inside the stack).
"""
from __future__ import annotations

import gc
import logging
import os
import shutil
import signal
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

from ..defaults import DEFAULT_REGION
from . import memory_limits_from_env
from .http_server import MAX_BODY, WSGIServer

log = logging.getLogger(__name__)

#: Collections of the youngest generation every 20,000 net allocations instead of 700 (a request allocates
#: thousands), older generations as rarely as the defaults relative to them.
GC_THRESHOLDS = (20000, 20, 20)
#: At stop (with --state), how long requests in flight may take to finish.
DRAIN_S = 10.0


def _not_ready(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    """What the server answers until the chain is in place (it is before the server starts)."""
    start_response("503 Service Unavailable", [("Content-Type", "application/json")])
    return [b'{"status": "starting"}']


def body_limit(path: str, headers: Any) -> int:
    """The largest body the front reads for a request: API Gateway's 10 MB on an API's own URL (so a larger
    one is answered 413 before it is read, chunked or not), MAX_BODY for the AWS APIs."""
    from .gateway.gateway_responses import MAX_REQUEST_BODY
    from .gateway.parse import execute_api_target

    return MAX_REQUEST_BODY if execute_api_target(path, headers.get("Host")) is not None else MAX_BODY


class EmbeddedStack:
    """Start/stop the whole stack in process."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, region: str = DEFAULT_REGION,
                 work_dir: str | Path | None = None, default_concurrency: int = 1000,
                 idle_timeout_s: float = 300.0, switch_interval_s: float | None = 0.0005,
                 tune_gc: bool = True, memory_limits: bool | None = None,
                 state_dir: str | Path | None = None, dynamodb: str = "moto") -> None:
        self.host = host
        self.requested_port = port
        self.region = region
        self._own_work_dir = work_dir is None
        self.work_dir = Path(work_dir) if work_dir else Path(tempfile.mkdtemp(prefix="harness-stack-"))
        self.default_concurrency = default_concurrency
        self.idle_timeout_s = idle_timeout_s
        self.switch_interval_s = switch_interval_s
        self.tune_gc = tune_gc
        self.memory_limits = memory_limits_from_env() if memory_limits is None else memory_limits
        self.state_dir = Path(state_dir) if state_dir else None
        if dynamodb not in ("moto", "local"):
            raise ValueError(f"dynamodb must be 'moto' or 'local', not {dynamodb!r}")
        self.dynamodb = dynamodb
        self.dynamodb_local: Any = None
        self.restored_tables = 0
        self.server: WSGIServer | None = None
        self.control: Any = None
        self.runtime: Any = None
        self.memory: Any = None
        self.sweeper: Any = None
        self.journal: Any = None
        self.replayed_writes = 0
        self._serving = False
        self.ready = threading.Event()
        self._stopped = threading.Event()

    @property
    def port(self) -> int:
        assert self.server is not None, "stack not started"
        return self.server.port

    @property
    def url(self) -> str:
        host = "127.0.0.1" if self.host in ("0.0.0.0", "") else self.host
        return f"http://{host}:{self.port}"

    def start(self) -> EmbeddedStack:
        os.environ.setdefault("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
        if self.switch_interval_s:
            # A request crosses 3-4 threads of this process; with Python's default 5 ms GIL switch interval a
            # thread back from a socket waits up to 5 ms behind a busy one (e.g. the log shipper).
            sys.setswitchinterval(self.switch_interval_s)
        from .control import ControlPlane, MotoApp
        from .front.request_path import request_path
        from .gateway.chain import Gateway
        from .runtime import LambdaRuntime
        from .runtime.descendants import OrphanSweeper
        from .stack_memory import StackMemory

        if self.dynamodb == "local":  # before the server: nothing to stop when it cannot run
            from .dynamodb_local import DynamoDBLocal

            self.dynamodb_local = DynamoDBLocal().start()  # DynamoDBLocalUnavailable says why not
        try:
            self.server = WSGIServer(self.host, self.requested_port, _not_ready,  # the chain needs the URL first
                                     body_limit=body_limit)
        except BaseException:  # e.g. the port is in use: leave nothing behind (DynamoDB Local too)
            self.stop()
            raise
        self.memory = StackMemory()
        self.sweeper = OrphanSweeper().start()  # what a function started dies with its environment
        self.control = control = ControlPlane(self.memory)
        self.runtime = LambdaRuntime(
            endpoint_url=self.url, code_loader=control.function_code, layer_loader=control.layer_code,
            log_writer=control.put_log_lines,
            work_dir=self.work_dir / "code", default_concurrency=self.default_concurrency,
            idle_timeout_s=self.idle_timeout_s, memory_limits=self.memory_limits, pools=self.memory.workers,
        )
        control.on_function_deleted.append(self.runtime.function_deleted)
        gateway = Gateway(control=control, submit=self.runtime.submit, memory=self.memory, aws_endpoint=self.url)
        if self.state_dir is not None:
            from .journal import Journal

            try:
                self.journal = Journal(self.state_dir)
            except BaseException:
                self.stop()
                raise
        chain = request_path(control=control, runtime=self.runtime, gateway=gateway, memory=self.memory,
                             moto=MotoApp(), ready=self.ready, default_region=self.region, journal=self.journal,
                             dynamodb_local_url=self.dynamodb_local.url if self.dynamodb_local else None,
                             empty_dynamodb_local=self.dynamodb_local.empty if self.dynamodb_local else None)
        if self.journal is not None:  # every acknowledged write, again, before anything is served
            from .front.journal_writes import replay

            self.replayed_writes, failed = replay(chain, self.journal)
            if failed:
                log.warning("%d of %d journalled writes failed when replayed", failed, self.replayed_writes)
        self.server.app = chain
        if self.tune_gc:
            gc.collect()
            gc.freeze()  # moto's and botocore's loaded models are never scanned again
            gc.set_threshold(*GC_THRESHOLDS)
        self.server.start()
        self._serving = True
        if self.state_dir is not None and self.replayed_writes == 0:
            from .state import FILE_NAME, restore

            try:  # a state saved by an older version (a DynamoDB snapshot): imported once, through the journal
                self.restored_tables = restore(self.state_dir, self._dynamodb_client)
                legacy = self.state_dir / FILE_NAME
                if legacy.exists():
                    legacy.rename(legacy.with_name(FILE_NAME + ".imported"))
            except BaseException:
                self.stop()
                raise
        self.ready.set()
        log.info("embedded stack ready at %s", self.url)
        return self

    def stop(self, save_state: bool = True) -> None:
        """Stop accepting; with `--state`, let the requests in flight finish first (up to DRAIN_S; every write
        was journalled before it was answered, so nothing is left to save: `save_state` changes nothing);
        then stop the workers and the rest (without `--state` at once, as Ctrl-C of a run expects)."""
        if self._stopped.is_set():
            return
        self._stopped.set()
        if self.server is not None:
            if self._serving and self.journal is None:
                self.server.shutdown()  # nothing to keep: requests in flight end with the workers, at once
            elif self._serving and not self.server.drain(DRAIN_S):
                log.warning("requests still in flight after %.0f s; stopping anyway (their writes, if any, are "
                            "journalled or unanswered)", DRAIN_S)
            self.server.server_close()
        if self.runtime is not None:
            self.runtime.shutdown()
        if self.sweeper is not None:
            self.sweeper.stop()  # every process a function started, even setsid ones, ends with the stack
        if self.control is not None:
            self.control.flush_logs()
        if self.dynamodb_local is not None:
            self.dynamodb_local.stop()
        if self.journal is not None:
            self.journal.close()
        if self._own_work_dir:
            shutil.rmtree(self.work_dir, ignore_errors=True)

    def _dynamodb_client(self, region: str) -> Any:
        import boto3
        from botocore.config import Config

        return boto3.client("dynamodb", endpoint_url=self.url, region_name=region, aws_access_key_id="test",
                            aws_secret_access_key="test", config=Config(retries={"mode": "standard"}))

    def wait(self, parent_pid: int | None = None) -> None:
        """Block until SIGINT/SIGTERM (or, given `parent_pid`, until that process is gone), then stop."""
        def _stop(signum: int, frame: Any) -> None:
            self._stopped.set()

        signal.signal(signal.SIGTERM, _stop)
        signal.signal(signal.SIGINT, _stop)
        if hasattr(signal, "SIGHUP"):  # the terminal closed: a clean stop too (workers killed, state saved)
            signal.signal(signal.SIGHUP, _stop)
        if parent_pid:
            threading.Thread(target=self._watch_parent, args=(parent_pid,), name="parent-watch", daemon=True).start()
        self._stopped.wait()
        self._stopped.clear()
        self.stop()

    def _watch_parent(self, parent_pid: int) -> None:
        while not self._stopped.wait(0.5):
            if os.getppid() != parent_pid:
                log.warning("parent process %d is gone; stopping", parent_pid)
                self._stopped.set()

    def __enter__(self) -> EmbeddedStack:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()
