"""The keeper: a small process that outlives a killed stack just long enough to kill what the stack started.

A stack can end without cleaning up (SIGKILL, the out-of-memory killer, a crash): its workers and whatever
they started would go on forever. `Keeper.start` runs this file as a process of its own (its own session, so a
signal to the stack's process group or a terminal's Ctrl-C does not reach it) whose stdin is a pipe only the
stack holds. The stack tells it each process it starts or reaps for functions (`+pid` / `-pid` lines, from
descendants.OWN). When the pipe ends (the stack is gone, however it went) the keeper SIGKILLs those processes
that are still the same ones (same start time), every process below them, and every process carrying the
stack's mark (descendants.py), then exits. After a clean stop there is nothing left for it to kill.
Left out: a keeper that is SIGKILLed with the stack (the next stack's `kill_leftovers` does its work).
"""
from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading

try:
    from .descendants import IS_LINUX, OwnProcesses, kill_trees, marked, start_ticks
except ImportError:  # run as the keeper process: `python keeper.py MARK`, this folder first on sys.path
    from descendants import IS_LINUX, OwnProcesses, kill_trees, marked, start_ticks  # type: ignore[no-redef]

log = logging.getLogger(__name__)


def keep(mark: str, lines: object) -> int:
    """The keeper process's work: follow `lines` (+pid ticks / -pid) until they end, then kill. Returns how
    many processes it killed."""
    started: dict[int, int] = {}
    for line in lines:  # type: ignore[attr-defined]
        sign, _, rest = line.strip().partition(" ")
        if not sign[1:].isdigit():
            continue
        if sign[0] == "+" and rest.isdigit():
            started[int(sign[1:])] = int(rest)
        elif sign[0] == "-":
            started.pop(int(sign[1:]), None)
    roots = [pid for pid, ticks in started.items() if start_ticks(pid) == ticks]
    roots += [pid for pid in marked(lambda found: found == mark) if pid not in roots]
    return len(kill_trees(roots)) if roots else 0


class Keeper:
    """The stack's side: the keeper process and the pipe to it."""

    def __init__(self, proc: subprocess.Popen[bytes]) -> None:
        self.proc = proc
        self._lock = threading.Lock()

    @classmethod
    def start(cls, mark: str, own: OwnProcesses) -> Keeper | None:
        """Start the keeper and have `own` tell it every process; None where that is impossible."""
        if not IS_LINUX:
            return None
        try:
            proc = subprocess.Popen([sys.executable, "-E", "-s", "-S", os.path.abspath(__file__), mark],
                                    stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                    cwd="/", start_new_session=True, close_fds=True)
        except OSError as exc:
            log.warning("no keeper process (%s): a SIGKILLed stack leaves its functions' processes until the "
                        "next start", exc)
            return None
        keeper = cls(proc)
        for pid in own.pids():
            keeper.tell("+", pid)
        own.listener = keeper.tell
        return keeper

    def tell(self, sign: str, pid: int) -> None:
        ticks = start_ticks(pid) if sign == "+" else 0
        if sign == "+" and ticks is None:
            return  # already gone
        with self._lock:
            if self.proc.stdin is None:
                return
            try:
                self.proc.stdin.write(f"{sign}{pid} {ticks}\n".encode())
                self.proc.stdin.flush()
            except (BrokenPipeError, ValueError, OSError):
                log.warning("the keeper process is gone; processes are still killed at stop and next start")
                self.proc.stdin = None

    def close(self) -> None:
        """Let the keeper go (it finds nothing left to kill after a clean stop) and reap it."""
        with self._lock:
            if self.proc.stdin is not None:
                try:
                    self.proc.stdin.close()
                except OSError:
                    pass
                self.proc.stdin = None
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


if __name__ == "__main__":
    import io

    keep(sys.argv[1], io.TextIOWrapper(sys.stdin.buffer, encoding="ascii", errors="replace"))
