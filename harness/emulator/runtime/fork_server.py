"""Python cold starts from a pre-initialised template process (a fork server), one per runtime interpreter.

The template is the runtime's interpreter with awslambdaric and boto3/botocore already imported. A cold start
sends it the environment's variables, working directory, import path, handler and output pipe (over a Unix
socket, the pipe as a passed file descriptor); it forks, and the fork forks the execution environment and exits,
so the environment is re-parented to the stack process, which is made a child subreaper (Linux's
PR_SET_CHILD_SUBREAPER): the worker is then the stack's own child (waited for, its exit code and peak memory
read, killed by process group) like a process started with Popen. The environment resets signals, starts its
own session, points stdout/stderr at the pipe, takes the variables (os.environ replaced, TZ re-read) and the
import path (Lambda's: code, layers, then the runtime's packages) and runs awslambdaric's loop as worker.py's
command line would. Init Duration still counts from the request: it is the function's own init (its module
and handler import), not the time the template saved.

Linux only (elsewhere, or with HARNESS_FORK_SERVER=0, workers start as new processes). A template that dies
is started again on the next cold start. The template and its environments carry the stack's mark, and
the orphans a function leaves behind are the stack's to kill (descendants.py). Left out: a template per set of
layers (the function's own imports are not pre-loaded), Node.js (node_spares.py's spare processes instead).
"""
from __future__ import annotations

import json
import logging
import os
import socket
import sys
from dataclasses import dataclass
from typing import Mapping

from .descendants import become_subreaper
from .helper_process import AdoptedProcess, HelperProcess

__all__ = ["AdoptedProcess", "ForkServer", "FORK_SERVER_ENV", "enabled"]

log = logging.getLogger(__name__)

FORK_SERVER_ENV = "HARNESS_FORK_SERVER"

#: The template's program (runs on the runtime's interpreter; argv[1]: the socket's descriptor).
TEMPLATE_MAIN = r'''
import json, os, signal, socket, sys, time
sys.modules["runtime_client"] = None  # awslambdaric's native client reads its endpoint when first imported:
from awslambdaric import bootstrap, lambda_runtime_client  # each environment loads it itself
from awslambdaric.lambda_runtime_client import LambdaRuntimeClient
del sys.modules["runtime_client"]
import boto3, botocore.session, botocore.client  # the provided SDK, loaded once for every environment
try:
    import ctypes
    libc = ctypes.CDLL(None)  # (no PR_SET_PDEATHSIG: it follows the starting thread; a closed socket ends us)
    libc.prctl(15, b"lambda-template")  # PR_SET_NAME: how `make bench` tells it from the environments
except Exception:
    libc = None
sock = socket.socket(fileno=int(sys.argv[1]))
base_path = [entry for entry in sys.path if entry]  # not '' (the template's own working directory)


def environment(req, out_fd):
    os.setsid()
    if libc is not None:
        libc.prctl(15, b"python")
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.dup2(out_fd, 1)
    os.dup2(out_fd, 2)
    os.close(devnull)
    os.close(out_fd)
    sock.close()
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGPIPE):
        signal.signal(signum, signal.SIG_DFL)
    os.chdir(req["cwd"])
    os.environ.clear()
    os.environ.update(req["env"])
    if libc is not None:
        libc.prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER: its descendants stay below it (descendants.py)
    time.tzset()
    sys.path[:] = req["path"] + base_path
    sys.argv = ["", req["handler"]]
    import runtime_client
    runtime_client.initialize_client(lambda_runtime_client._user_agent())
    lambda_runtime_client.runtime_client = runtime_client
    bootstrap.run(req["handler"], LambdaRuntimeClient(os.environ["AWS_LAMBDA_RUNTIME_API"], False))
    os._exit(0)


while True:
    try:
        msg, fds, _, _ = socket.recv_fds(sock, 1 << 22, 1)
    except (ConnectionError, OSError):
        os._exit(0)
    if not msg:
        os._exit(0)
    req = json.loads(msg)
    read_end, write_end = os.pipe()
    middle = os.fork()
    if middle == 0:
        os.close(read_end)
        pid = os.fork()
        if pid == 0:
            os.close(write_end)
            try:
                environment(req, fds[0])
            finally:
                os._exit(1)
        os.write(write_end, str(pid).encode())
        os._exit(0)
    os.close(write_end)
    for fd in fds:
        os.close(fd)
    pid = os.read(read_end, 32).decode()
    os.close(read_end)
    os.waitpid(middle, 0)  # the environment is the stack's child from here on
    sock.sendall(pid.encode() or b"0")
'''


def enabled(env: Mapping[str, str] | None = None) -> bool:
    value = ((os.environ if env is None else env).get(FORK_SERVER_ENV) or "1").strip().lower()
    return sys.platform.startswith("linux") and value not in ("0", "false", "no", "off") and \
        hasattr(socket, "send_fds") and become_subreaper()


@dataclass
class ForkServer(HelperProcess):
    """One template process of one interpreter; `spawn` is thread-safe."""

    python: str
    base_env: Mapping[str, str]

    def __post_init__(self) -> None:
        HelperProcess.__init__(self)
        self.name = f"fork server of {self.python}"

    def command(self) -> tuple[list[str], Mapping[str, str]]:
        # the mark in its environment: its environments' /proc/<pid>/environ is the template's (descendants.py)
        return [self.python, "-c", TEMPLATE_MAIN], dict(self.base_env, PYTHONUNBUFFERED="1",
                                                         PYTHONIOENCODING="utf-8", PYTHONNOUSERSITE="1")

    def spawn(self, handler: str, env: Mapping[str, str], cwd: str, path: list[str], out_fd: int) -> AdoptedProcess:
        """Fork an environment writing to `out_fd`; OSError when the template cannot do it."""
        request = json.dumps({"handler": handler, "env": dict(env), "cwd": cwd, "path": path}).encode()
        with self.lock:
            for attempt in (1, 2):  # a template that died is started again once
                sock = self.socket_locked()
                try:
                    socket.send_fds(sock, [request], [out_fd])
                    answer = sock.recv(32)
                    if answer and answer != b"0":
                        return AdoptedProcess(int(answer))
                except OSError:
                    if attempt == 2:
                        raise
                self.close_locked()
            raise OSError("the fork server did not start an environment")
