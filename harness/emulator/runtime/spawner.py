"""Start runtime processes (Node.js workers and spares, `provided` bootstraps, Python without a fork server)
from a small pre-started launcher instead of from the stack process itself.

Why: every environment must be a child subreaper in a session of its own before its program runs
(descendants.py). From the stack that takes `subprocess.Popen(preexec_fn=...)`, and a `preexec_fn` makes
Python fork the whole stack process (its memory, holding the GIL) instead of `vfork`ing: measured, the
`provided.al2023` cold start went from 29 to 50 ms and Node.js's from 21 to 27 ms. The launcher is a tiny
Python process (`-S -E`, a few modules) with nothing to copy: it forks, the fork forks the environment
(`setsid`, `PR_SET_CHILD_SUBREAPER`, stdin/stdout/stderr from the passed descriptors, every other descriptor
closed, SIGPIPE/SIGXFSZ back to default as Popen's `restore_signals` does, `execvpe` with the request's
variables) and exits, so the environment is re-parented to the stack (a subreaper itself) and is the stack's
child like a Popen one (fork_server.py does the same for Python templates). A program that cannot be run
(missing, not executable, a missing working directory) raises the OSError Popen would raise (its errno comes
back through a close-on-exec pipe).
Linux only; where the stack is no subreaper, or the launcher cannot be started twice in a row, `start`
falls back to Popen with the `preexec_fn` (slower, same result). The launcher carries the stack's mark and
is in OWN; it ends when its socket closes (the stack gone). Left out: macOS (no subreapers there).
"""
from __future__ import annotations

import errno
import json
import logging
import os
import socket
import subprocess
import sys
from typing import Any, Mapping, Sequence

from .descendants import become_subreaper, subreaper_preexec
from .helper_process import AdoptedProcess, HelperProcess

log = logging.getLogger(__name__)

SPAWNER_ENV = "HARNESS_SPAWNER"

#: The launcher's program (argv[1]: its socket's descriptor). One request: JSON {argv, env, cwd} and the
#: descriptors [out] or [out, stdin]; one answer: the pid, or "E<errno>".
LAUNCHER_MAIN = r'''
import ctypes, json, os, signal, socket, sys
libc = ctypes.CDLL(None, use_errno=True)
libc.prctl(15, b"lambda-launcher")  # PR_SET_NAME
sock = socket.socket(fileno=int(sys.argv[1]))
try:
    top = os.sysconf("SC_OPEN_MAX")
except (ValueError, OSError):
    top = 65536


def read_all(fd):
    data = b""
    while chunk := os.read(fd, 64):
        data += chunk
    return data


def environment(req, fds, exec_w):
    os.setsid()
    libc.prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER: its descendants stay below it (descendants.py)
    stdin = fds[1] if len(fds) > 1 else os.open(os.devnull, os.O_RDONLY)
    os.dup2(stdin, 0)
    os.dup2(fds[0], 1)
    os.dup2(fds[0], 2)
    try:
        open_fds = [int(fd) for fd in os.listdir("/proc/self/fd")]  # (a high RLIMIT_NOFILE makes a range slow)
    except OSError:
        open_fds = range(3, top)
    for fd in open_fds:
        if fd > 2 and fd != exec_w:
            try:
                os.close(fd)
            except OSError:
                pass
    for signum in (signal.SIGPIPE, getattr(signal, "SIGXFSZ", None), signal.SIGINT, signal.SIGTERM):
        if signum is not None:
            signal.signal(signum, signal.SIG_DFL)
    os.chdir(req["cwd"])
    os.execvpe(req["argv"][0], req["argv"], req["env"])


def middle(req, fds, report_w):
    exec_r, exec_w = os.pipe2(os.O_CLOEXEC)
    pid = os.fork()
    if pid == 0:
        try:
            environment(req, fds, exec_w)
        except OSError as error:
            os.write(exec_w, str(error.errno or 0).encode())
        except BaseException:
            os.write(exec_w, b"0")
        os._exit(127)
    os.close(exec_w)
    failed = read_all(exec_r)
    if failed:
        os.waitpid(pid, 0)
        os.write(report_w, b"E" + failed)
    else:
        os.write(report_w, str(pid).encode())


while True:
    try:
        msg, fds, _, _ = socket.recv_fds(sock, 1 << 22, 2)
    except (ConnectionError, OSError):
        os._exit(0)
    if not msg:
        os._exit(0)
    req = json.loads(msg)
    report_r, report_w = os.pipe()
    child = os.fork()
    if child == 0:
        try:
            os.close(report_r)
            middle(req, fds, report_w)
        finally:
            os._exit(0)
    os.close(report_w)
    for fd in fds:
        os.close(fd)
    answer = read_all(report_r)
    os.close(report_r)
    os.waitpid(child, 0)  # the environment is the stack's child from here on
    sock.sendall(answer or b"E0")
'''


def enabled() -> bool:
    value = (os.environ.get(SPAWNER_ENV) or "1").strip().lower()
    return sys.platform.startswith("linux") and value not in ("0", "false", "no", "off") and \
        hasattr(socket, "send_fds") and hasattr(os, "pipe2") and become_subreaper()


class Spawner(HelperProcess):
    """The stack's one launcher process; thread-safe (one spawn at a time: each takes about a millisecond)."""

    name = "process launcher"
    output = subprocess.DEVNULL

    def __init__(self) -> None:
        super().__init__()
        self._broken = False  # could not be started: every start falls back to Popen

    def command(self) -> tuple[list[str], Mapping[str, str]]:
        return [sys.executable, "-S", "-E", "-c", LAUNCHER_MAIN], {}  # none of the stack's variables

    def start_failed(self, error: OSError) -> None:
        self._broken = True
        log.warning("could not start the process launcher (%s); runtimes start from the stack", error)

    def start_soon(self) -> None:
        if enabled() and not self._broken:
            super().start_soon()

    def spawn(self, argv: Sequence[str], env: Mapping[str, str], cwd: str, out_fd: int,
              stdin_fd: int | None = None) -> AdoptedProcess | None:
        """Start `argv`; None when there is no launcher (the caller starts it itself). The OSError Popen would
        raise when the program cannot be run."""
        if self._broken or not enabled():
            return None
        request = json.dumps({"argv": list(argv), "env": dict(env), "cwd": cwd}).encode()
        fds = [out_fd] if stdin_fd is None else [out_fd, stdin_fd]
        with self.lock:
            for attempt in (1, 2):  # a launcher that died is started again once
                try:
                    sock = self.socket_locked()
                    socket.send_fds(sock, [request], fds)
                    answer = sock.recv(64)
                except OSError as exc:
                    log.warning("the process launcher failed (%s)%s", exc, "; starting it again" if attempt == 1
                                else "; runtimes start from the stack")
                    self.close_locked()
                    continue
                if answer.startswith(b"E"):
                    code = int(answer[1:] or b"0") or errno.EIO
                    raise OSError(code, os.strerror(code), argv[0])
                if answer.isdigit():
                    return AdoptedProcess(int(answer))
                self.close_locked()
            self._broken = True
            return None


SPAWNER = Spawner()


def start(argv: Sequence[str], *, env: Mapping[str, str], cwd: str, out_fd: int,
          stdin_fd: int | None = None) -> Any:
    """A runtime process in its own session, a subreaper, writing to `out_fd` (stdin: `stdin_fd` or
    /dev/null): an AdoptedProcess from the launcher, else a Popen. Raises what Popen raises for a program that
    cannot be run."""
    proc = SPAWNER.spawn(argv, env, cwd, out_fd, stdin_fd)
    if proc is not None:
        return proc
    return subprocess.Popen(list(argv), cwd=cwd, env=dict(env),
                            stdin=subprocess.DEVNULL if stdin_fd is None else stdin_fd, stdout=out_fd, stderr=out_fd,
                            start_new_session=True, close_fds=True, preexec_fn=subreaper_preexec())
