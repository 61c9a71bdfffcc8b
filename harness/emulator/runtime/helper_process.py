"""What the fork server (fork_server.py) and the launcher (spawner.py) share: a helper process of the stack reached
over a Unix socket, and the processes it starts that become the stack's own children.

`HelperProcess` runs `command()` with the child's end of a SOCK_SEQPACKET socket pair as its last argument, in
a session of its own, carrying the stack's mark and in OWN while it runs (descendants.py); a request and its
answer are one message each way, under `lock`. One that died is started again by the next `socket_locked()`.
`AdoptedProcess` is what worker.py and node_spares.py use of a Popen for a process the helper forked and the
stack (a child subreaper) adopted.
Left out: timeouts on a helper's answer (a helper that hangs holds its callers, as a Popen's exec would).
"""
from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import threading
from typing import IO, Mapping

from .descendants import MARK, OWN, own_mark

log = logging.getLogger(__name__)


class AdoptedProcess:
    """A process a helper forked and this process adopted."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.returncode: int | None = None

    def poll(self) -> int | None:
        """The exit code once it has ended (reaping it, as Popen.poll does); None while it runs."""
        if self.returncode is None:
            try:
                pid, status = os.waitpid(self.pid, os.WNOHANG)
            except ChildProcessError:  # reaped elsewhere
                self.returncode = -9
            else:
                if pid:
                    self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def kill(self) -> None:
        if self.returncode is None:
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def wait(self, timeout: float | None = None) -> int:
        if self.returncode is None:
            try:
                _, status = os.waitpid(self.pid, 0)
                self.returncode = os.waitstatus_to_exitcode(status)
            except ChildProcessError:
                self.returncode = -9
        return self.returncode


class HelperProcess:
    """One helper process; subclasses say what it runs (`command`) and what it is called (`name`)."""

    name = "helper process"
    output: int | IO[bytes] | None = None  # its stdout/stderr (None: the stack's)

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self._proc: subprocess.Popen[bytes] | None = None
        self._sock: socket.socket | None = None

    def command(self) -> tuple[list[str], Mapping[str, str]]:
        """Its argv (the socket's descriptor number is appended) and environment (the mark is added)."""
        raise NotImplementedError

    def start_failed(self, error: OSError) -> None:
        log.warning("could not start the %s: %s", self.name, error)

    def start_soon(self) -> None:
        """Start it in the background (a first request then finds it ready)."""
        def start() -> None:
            with self.lock:
                if not self.alive():
                    try:
                        self._restart()
                    except OSError as exc:
                        self.start_failed(exc)
        threading.Thread(target=start, name=f"{self.name}-start", daemon=True).start()

    def socket_locked(self) -> socket.socket:
        """Its socket, starting it (again) when it is not running; the caller holds `lock`."""
        if self._sock is not None and self.alive():
            return self._sock
        return self._restart()

    def alive(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def _restart(self) -> socket.socket:
        self.close_locked()
        mine, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        argv, env = self.command()
        try:
            self._proc = subprocess.Popen([*argv, str(theirs.fileno())], pass_fds=(theirs.fileno(),),
                                          stdin=subprocess.DEVNULL, stdout=self.output, stderr=self.output,
                                          env={**env, MARK: own_mark()}, cwd="/", start_new_session=True)
        except BaseException:
            mine.close()
            raise
        finally:
            theirs.close()
        OWN.add(self._proc.pid)
        self._sock = mine
        return mine

    def close_locked(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None
        if self._proc is not None:
            OWN.discard(self._proc.pid)
            if self._proc.poll() is None:
                self._proc.kill()
            self._proc.wait()
            self._proc = None

    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None and self.alive() else None

    def close(self) -> None:
        with self.lock:
            self.close_locked()
