"""One execution environment: a runtime process (launch.py), its Runtime API server and its output pipe.

The process runs the runtime's command (awslambdaric's loop, aws-lambda-ric, a package's bootstrap) in its
own session, as a subreaper carrying the stack's mark (so a kill takes every descendant, setsid ones too, and
nothing it started outlives the stack: descendants.py), with stdout and stderr on one pipe. A watcher thread reads the
pipe (in batches, at most every DRAIN_PAUSE_S; an invocation's end drains it too) and notices the exit through
a pidfd (falling back to the pipe's EOF), then hands the exit to the pool. State fields (`state`,
`current`, `retired`, `closing`, ...) belong to the pool and change only under the pool's lock.
Memory: the peak is measured here (`max_memory_mb`); the pool kills a worker past its function's memory size.
Without Linux's /proc (macOS) the peak is known only once the process is reaped: no memory limit there, and
Max Memory Used is 0 until an environment ends.
Left out: /tmp isolation, a read-only task root.
"""
from __future__ import annotations

import fcntl
import logging
import os
import select
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..snapshots import FunctionConfig
from .api import RuntimeApiServer, SendNext
from . import spawner
from .descendants import MARK, OWN, kill_tree, own_mark
from .env import build_environment, log_stream_name
from .shared import generation
from .function_log import OutputCapture
from .launch import Launch
from .python_runtimes import PythonLauncher
from .scheduler import Timer

if TYPE_CHECKING:
    from .invocation import Invocation
    from .pool import FunctionPool

log = logging.getLogger(__name__)

#: Linux's /proc (peak memory, zombie state); elsewhere (macOS) the exit is seen through waitid and memory
#: only when the process is reaped.
HAS_PROC = os.path.exists("/proc/self/status")

#: The output pipe is read at most this often (plus whenever an invocation ends), in a pipe this big.
DRAIN_PAUSE_S = 0.02
PIPE_BYTES = 1 << 20


#: getrusage's ru_maxrss is in KB on Linux, in bytes on macOS.
RU_MAXRSS_PER_MB = 1024 * 1024 if sys.platform == "darwin" else 1024


def _waitable(pid: int) -> bool:
    """True when child `pid` has ended (without reaping it: its watcher does that)."""
    try:
        return os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None
    except ChildProcessError:  # already reaped
        return True


class NextCall:
    """One `/next` request waiting for work: `send` answers it on its own connection; `handed_off` says a
    submitter did (the waiting thread then only returns). Per request, not per worker: Node's native runtime
    client may open a new connection for its next `/next` while the thread of the previous one, already
    answered, still waits to be woken (a per-worker flag let the new request take the old one's hand-off and
    the next event go to the old connection: a warm invoke hung until its timeout)."""

    __slots__ = ("send", "handed_off")

    def __init__(self, send: SendNext | None) -> None:
        self.send = send
        self.handed_off = False


class Worker:
    """An execution environment of one function generation (code + configuration)."""

    def __init__(self, pool: FunctionPool, fn: FunctionConfig, first: Invocation | None = None) -> None:
        self.id = uuid.uuid4().hex
        self.pool = pool
        self.fn = fn
        self.cond = threading.Condition(pool.lock)
        self.state = "starting"  # starting -> busy <-> idle -> dead
        self.current: Invocation | None = first
        self.retired = False  # exit after the current invocation (new code or configuration)
        self.closing = False  # no more invocations; /next answers None
        # the /next waiting now (its connection's answer and whether a submitter wrote it); a runtime client may
        # send its next /next on a new connection before the thread of the one handed off has woken up
        self.next_call: NextCall | None = None
        self.idle_since = 0.0
        self.spawned_at = time.monotonic()
        self.init_ms: float | None = None  # Init Duration, reported with the first invocation
        self.gen = generation(fn)  # the code and configuration it runs
        self.init_timer: Timer | None = None
        self.log_stream = log_stream_name(fn.version, self.id)
        self.proc: Any = None  # a subprocess.Popen, or fork_server.AdoptedProcess
        self.capture: OutputCapture | None = None
        self.path_roots: tuple[tuple[str, str], ...] = ()  # local code/layer directories -> /var/task, /opt
        self.server: RuntimeApiServer | None = None
        self._pidfd: int | None = None
        self._watcher: threading.Thread | None = None
        self._memory_mb = 0
        self.out_of_memory = False  # killed for passing the function's memory size
        self._reap_lock = threading.Lock()  # no signal may reach a reaped (recyclable) pid

    def __repr__(self) -> str:
        return f"<Worker {self.id[:8]} {self.fn.name} {self.state} pid={self.pid}>"

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc else None

    # ---- process ------------------------------------------------------------------------------------

    def start(self, code_dir: Path) -> None:
        """Start the Runtime API server and the process (returns at once; init happens in the process)."""
        ctx = self.pool.ctx
        self.server = RuntimeApiServer(self, name=self.id[:8])
        self.server.start()
        launcher = ctx.launcher(self.fn.runtime) if ctx.launcher is not None else PythonLauncher(sys.executable, False)
        layers_dir = ctx.code.ensure_layers(self.fn)
        launch = launcher.launch(self.fn, code_dir, layers_dir)
        env = build_environment(
            self.fn, code_dir=code_dir, api_address=self.server.address, log_stream=self.log_stream,
            endpoint_url=ctx.endpoint_url, credentials=ctx.credentials, runtime_env=launch.env,
        )
        env[MARK] = own_mark()  # inherited by whatever the function starts (descendants.py)
        self.path_roots = _path_roots(code_dir, layers_dir)
        self.spawned_at = time.monotonic()  # Init Duration starts here (not with the unzip, as on AWS)
        spare = launch.spare() if launch.spare is not None else None
        if spare is not None:  # a process started ahead (node_spares.py) becomes this environment
            self.capture = OutputCapture(spare.read_fd)
            self.proc = spare.proc
            OWN.add(self.proc.pid)
            self._watch_process()
            spare.hand_over(env, str(code_dir))  # a spare gone meanwhile ends the invocation as its exit
            return
        read_fd, write_fd = os.pipe()
        try:
            fcntl.fcntl(read_fd, getattr(fcntl, "F_SETPIPE_SZ", 1031), PIPE_BYTES)  # room for DRAIN_PAUSE_S
        except OSError:
            pass
        self.capture = OutputCapture(read_fd)  # before the process: its /next may come before Popen returns
        try:
            self.proc = self._forked(launch, env, code_dir, write_fd) or spawner.start(
                launch.argv, env=env, cwd=str(code_dir), out_fd=write_fd)  # its own session, a subreaper
        except BaseException:
            self.capture.close()
            raise
        finally:
            os.close(write_fd)
        OWN.add(self.proc.pid)
        self._watch_process()

    def _watch_process(self) -> None:
        assert self.proc is not None
        try:
            self._pidfd = os.pidfd_open(self.proc.pid)
        except (AttributeError, OSError):
            self._pidfd = None
        self._watcher = threading.Thread(target=self._watch, name=f"worker-{self.id[:8]}", daemon=True)
        self._watcher.start()

    def _forked(self, launch: Launch, env: dict[str, str], code_dir: Path, out_fd: int) -> Any:
        """The process forked from the runtime's template (fork_server.py), or None to start a new one."""
        if launch.fork is None:
            return None
        try:
            return launch.fork.spawn(self.fn.handler, env, str(code_dir), list(launch.path), out_fd)
        except OSError as exc:
            log.warning("the fork server of %s failed (%s); starting a new process", self.fn.runtime, exc)
            return None

    def kill(self) -> None:
        """SIGKILL the worker's whole process group and every descendant, setsid ones too (idempotent)."""
        if self.proc is None:
            return
        with self._reap_lock:
            if self.proc.returncode is not None:
                return
            self.max_memory_mb()
            kill_tree(self.proc.pid)

    def has_exited(self) -> bool:
        """True once the process has ended, reaped or not (the watcher reaps it and tells the pool later).

        Ended: the pidfd is readable (every thread is gone), or the main thread is a zombie (the other threads
        of a killed multi-threaded process may still be on their way out; none runs user code any more).
        """
        if self.proc is None:
            return False
        with self._reap_lock:  # the pid stays ours until the watcher reaps it under this lock
            if self.proc.returncode is not None:
                return True
            if self._pidfd is not None:
                poller = select.poll()
                poller.register(self._pidfd, select.POLLIN)
                if poller.poll(0):
                    return True
            if not HAS_PROC:
                return _waitable(self.proc.pid)
            try:
                with open(f"/proc/{self.proc.pid}/stat", "rb") as stat:
                    return stat.read().rsplit(b") ", 1)[1][:1] in (b"Z", b"X")
            except (OSError, IndexError):
                return True

    def join(self, timeout: float) -> None:
        if self._watcher is not None:
            self._watcher.join(timeout)

    def close(self) -> None:
        """Release the server, the pipe and the pidfd (after the process is gone)."""
        if self.server is not None:
            self.server.close()
        if self.capture is not None:
            self.capture.close()
        if self._pidfd is not None:
            try:
                os.close(self._pidfd)
            except OSError:
                pass
            self._pidfd = None

    def max_memory_mb(self) -> int:
        """Peak resident memory of the process in MB (VmHWM), the last value seen once it is gone."""
        if HAS_PROC and self.proc is not None and self.proc.returncode is None:  # a reaped pid may be another's
            try:
                fd = os.open(f"/proc/{self.proc.pid}/status", os.O_RDONLY)
                try:
                    status = os.read(fd, 8192)
                finally:
                    os.close(fd)
                start = status.index(b"VmHWM:") + 6
                kb = int(status[start:status.index(b"kB", start)])
                self._memory_mb = max(self._memory_mb, kb // 1024)
            except (OSError, ValueError):
                pass
        return self._memory_mb

    def _watch(self) -> None:
        assert self.proc is not None and self.capture is not None
        poller = select.poll()
        poller.register(self.capture.fd, select.POLLIN)
        if self._pidfd is not None:
            poller.register(self._pidfd, select.POLLIN)
        try:
            running = True
            while running:
                for fd, _ in poller.poll():
                    if fd == self._pidfd:
                        running = False
                        continue
                    self.capture.drain()
                    if self.capture.eof:
                        poller.unregister(fd)
                        running = running and self._pidfd is not None
                if running and not self.capture.eof:
                    # read in batches, not on every write: a function's print would otherwise wake this
                    # thread in the middle of its invocation (the response drains the pipe anyway)
                    time.sleep(DRAIN_PAUSE_S)
            returncode = self._reap()
        except Exception:  # should not happen; make sure the pool hears about the worker anyway
            log.exception("watcher of %r failed", self)
            self.kill()
            OWN.discard(self.proc.pid)
            returncode = self.proc.wait()
        self.pool.exited(self, returncode)

    def _reap(self) -> int:
        """Wait for the exit, keeping the peak memory the kernel reports (gone from /proc by then)."""
        assert self.proc is not None
        with self._reap_lock:
            OWN.discard(self.proc.pid)  # before the pid is free for another process
            if self.proc.returncode is None:
                try:
                    _, status, usage = os.wait4(self.proc.pid, 0)
                    self._memory_mb = max(self._memory_mb, usage.ru_maxrss // RU_MAXRSS_PER_MB)
                    self.proc.returncode = os.waitstatus_to_exitcode(status)
                except ChildProcessError:  # reaped elsewhere
                    pass
            return self.proc.wait()

    # ---- Runtime API backend ---------------------------------------------------------------------------

    def next_invocation(self, send: SendNext) -> object:
        return self.pool.next_for(self, send)

    def post_response(self, request_id: str, body: bytes) -> int:
        return self.pool.respond(self, request_id, body)

    def post_error(self, request_id: str, body: bytes, error_type: str | None) -> int:
        return self.pool.fail(self, request_id, body, error_type)

    def post_init_error(self, body: bytes, error_type: str | None) -> int:
        return self.pool.init_failed(self, body, error_type)


def _path_roots(code_dir: Path, layers_dir: Path | None) -> tuple[tuple[str, str], ...]:
    """The function's local directories (as given and resolved) and where Lambda has them."""
    roots = []
    for local, remote in ((code_dir, "/var/task"), (layers_dir, "/opt")):
        if local is None:
            continue
        for form in {str(local), os.path.realpath(local)}:
            roots.append((form.rstrip("/"), remote))
    return tuple(roots)
