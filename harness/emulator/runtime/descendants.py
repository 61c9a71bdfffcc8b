"""Every process a function starts ends with its execution environment, and none outlives the stack.

A worker's own process group is not enough: a function can start children in a new session (`setsid`,
`start_new_session=True`, a daemon's double fork), which a group kill misses and which outlive everything. Here,
on Linux:
- each worker makes itself a *child subreaper* (`PR_SET_CHILD_SUBREAPER`, `WORKER_PRELUDE` runs first in the
  worker): a descendant whose parent exits is re-parented to the worker, not to init, so while the worker lives
  its whole tree hangs below it in /proc; the prelude also marks the environment its children inherit
  (`MARK`);
- `kill_tree(pid)` stops (SIGSTOP) every descendant found by walking /proc's parent links, walks again until no
  new one appears (a fork racing the walk is caught stopped), then SIGKILLs them all and the worker's group;
- the stack itself is a subreaper too (`become_subreaper`): the descendants of a worker that ended on its own
  come to the stack, and `OrphanSweeper` (a thread) kills those carrying the mark, reaps them, and at stop
  kills every marked descendant left.
Not done: cgroups (a cgroup per environment would also catch a process that clears its environment after its
worker ended on its own; this machine's hierarchy is not always writable, and macOS has none); a SIGKILLed
stack cannot clean up (PR_SET_PDEATHSIG is not used: it fires when the *thread* that started a worker ends).
Elsewhere than Linux every function is left as before (its process group is killed).
"""
from __future__ import annotations

import logging
import os
import signal
import sys
import threading

log = logging.getLogger(__name__)

IS_LINUX = sys.platform.startswith("linux")
PR_SET_CHILD_SUBREAPER = 36
#: Inherited by everything a worker starts (not by the worker's own /proc environ, which is its exec's).
MARK = "_HARNESS_STACK_PID"
SWEEP_EVERY_S = 0.5

#: Python run first in a worker: subreaper, and the mark for its children (Linux only).
WORKER_PRELUDE = (
    "import os, sys\n"
    "if sys.platform.startswith('linux'):\n"
    "    import ctypes\n"
    "    _libc = ctypes.CDLL(None, use_errno=True)\n"
    f"    _libc.prctl({PR_SET_CHILD_SUBREAPER}, 1, 0, 0, 0)\n"
    f"    os.environ[{MARK!r}] = str(os.getppid())\n"
    "    del ctypes, _libc\n"
)


def become_subreaper() -> bool:
    """Make this process a child subreaper (Linux); True when it is one."""
    if not IS_LINUX:
        return False
    try:
        import ctypes

        return ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _parents() -> dict[int, int]:
    """pid -> parent pid of every process in /proc."""
    found: dict[int, int] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as stat:
                fields = stat.read().rsplit(b") ", 1)[1].split()
            found[int(entry.name)] = int(fields[1])
        except (OSError, IndexError, ValueError):
            continue
    return found


def descendants(root: int) -> list[int]:
    """Every process below `root` (children, their children...), parents first."""
    children: dict[int, list[int]] = {}
    for pid, ppid in _parents().items():
        children.setdefault(ppid, []).append(pid)
    out: list[int] = []
    todo = list(children.get(root, ()))
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(children.get(pid, ()))
    return out


def _signal(pid: int, signum: int) -> None:
    try:
        os.kill(pid, signum)
    except (ProcessLookupError, PermissionError):
        pass


def kill_tree(root: int, *, group: bool = True) -> list[int]:
    """SIGKILL `root`'s descendants (stopped first, so none forks away meanwhile), then `root`'s process group
    (or `root` alone). Returns the descendants killed."""
    seen: list[int] = []
    if IS_LINUX and os.path.isdir("/proc"):
        for _ in range(20):
            found = [pid for pid in descendants(root) if pid not in seen]
            if not found:
                break
            for pid in found:
                _signal(pid, signal.SIGSTOP)
            seen.extend(found)
        for pid in seen:
            _signal(pid, signal.SIGKILL)
    try:
        if group:
            os.killpg(root, signal.SIGKILL)
        else:
            os.kill(root, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    return seen


def _marked_by(pid: int, stack_pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/environ", "rb") as environ:
            return f"{MARK}={stack_pid}".encode() in environ.read().split(b"\0")
    except OSError:
        return False


class OrphanSweeper:
    """A thread of the stack process: kills and reaps what a function started once its worker is gone."""

    def __init__(self) -> None:
        self.pid = os.getpid()
        self.enabled = become_subreaper()
        self.killed = 0
        self._to_reap: set[int] = set()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> OrphanSweeper:
        if self.enabled:
            self._thread = threading.Thread(target=self._run, name="orphan-sweeper", daemon=True)
            self._thread.start()
        return self

    def sweep(self, everything: bool = False) -> int:
        """Kill the marked processes re-parented to the stack (`everything`: every marked descendant), and reap
        the ones killed before. Returns how many were killed now."""
        if not self.enabled:
            return 0
        parents = _parents()
        candidates = [pid for pid, ppid in parents.items() if everything or ppid == self.pid]
        killed = 0
        for pid in candidates:
            if pid != self.pid and _marked_by(pid, self.pid):
                self._to_reap.update(kill_tree(pid, group=False))
                self._to_reap.add(pid)
                killed += 1
        self.killed += killed
        for pid in list(self._to_reap):
            try:
                done, _ = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:  # not (or not yet) our child: gone, or still its worker's
                done = pid if pid not in parents else 0
            if done:
                self._to_reap.discard(pid)
        return killed

    def _run(self) -> None:
        while not self._stop.wait(SWEEP_EVERY_S):
            try:
                self.sweep()
            except Exception:  # never take the stack down; try again next time
                log.exception("orphan sweep failed")

    def stop(self) -> None:
        """Stop the thread, then kill every marked descendant still there (after the workers were killed)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(2)
        try:
            self.sweep(everything=True)
        except Exception:
            log.exception("final orphan sweep failed")
