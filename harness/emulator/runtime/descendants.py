"""Every process a function starts ends with its execution environment, and none outlives the stack.

A worker's own process group is not enough: a function can start children in a new session (`setsid`,
`start_new_session=True`, a daemon's double fork), which a group kill misses and which outlive everything. Here,
on Linux:
- every worker is a *child subreaper* (`PR_SET_CHILD_SUBREAPER`, set before the runtime's program runs and
  kept across exec: by the launcher (spawner.py), by the fork server's environment itself, or, without those,
  by `subreaper_preexec`): a descendant whose
  parent exits is re-parented to the worker, not to init, so while the worker lives its whole tree hangs below
  it;
- every process the stack starts for functions (workers, fork-server templates, Node.js spares) carries the
  stack's mark in its environment (`MARK` = `<stack pid>:<its start time>`), and so does everything they start;
- `kill_trees(roots)` stops (SIGSTOP) every descendant found by walking /proc's parent links, walks again
  until no new one appears (a fork racing the walk is caught stopped), then SIGKILLs them all;
- the stack itself is a subreaper too: the descendants of a worker that ended on its own come to the stack,
  and `OrphanSweeper` (a thread) kills those carrying the mark that are not one of the stack's own processes
  (`OWN`, seen on two sweeps in a row so a process just started is never taken for an orphan); at stop it
  kills every marked process left;
- the stack SIGKILLed (or dead otherwise): a keeper process (keeper.py) kills what it had started;
- keeper killed too: the next stack that starts kills every marked process whose stack is gone
  (`kill_leftovers`).
Not done: cgroups (a process that clears its environment and whose worker ended on its own is missed; this
machine's hierarchy is not always writable, and macOS has none). Elsewhere than Linux a function's process
group is killed, nothing more.
"""
from __future__ import annotations

import logging
import os
import signal
import sys
import threading
from typing import Callable, Iterable

log = logging.getLogger(__name__)

IS_LINUX = sys.platform.startswith("linux")
PR_SET_CHILD_SUBREAPER = 36
#: In the environment of every process started for functions: "<stack pid>:<its start time in ticks>:<its pid
#: namespace>" (a stack in a container is not judged by one outside it, whose pids differ).
MARK = "_HARNESS_STACK"
SWEEP_EVERY_S = 0.5


def _prctl() -> Callable[..., int] | None:
    if not IS_LINUX:
        return None
    try:
        import ctypes

        return ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None


_subreaper: bool | None = None


def become_subreaper() -> bool:
    """Make this process a child subreaper (Linux; asked once, the flag stays); True when it is one."""
    global _subreaper
    if _subreaper is None:
        prctl = _prctl()
        _subreaper = prctl is not None and prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    return _subreaper


def subreaper_preexec() -> Callable[[], None] | None:
    """A `preexec_fn` that makes the new process a subreaper before it runs its program (kept across exec);
    None where there is no such thing."""
    prctl = _prctl()
    if prctl is None:
        return None

    def preexec() -> None:
        prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)

    return preexec


# ---- /proc ------------------------------------------------------------------------------------------------


def _stat_fields(pid: int) -> list[bytes] | None:
    """/proc/<pid>/stat from its third field (state) on."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            return stat.read().rsplit(b") ", 1)[1].split()
    except (OSError, IndexError):
        return None


def start_ticks(pid: int) -> int | None:
    """When `pid` started (clock ticks since boot), None when there is no such process."""
    fields = _stat_fields(pid)
    try:
        return int(fields[19]) if fields else None
    except (IndexError, ValueError):
        return None


def _parents() -> dict[int, int]:
    """pid -> parent pid of every process in /proc."""
    found: dict[int, int] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            fields = _stat_fields(int(entry.name))
            if fields is not None and len(fields) > 1:
                found[int(entry.name)] = int(fields[1])
    return found


def descendants(root: int, parents: dict[int, int] | None = None) -> list[int]:
    """Every process below `root` (children, their children...), parents first."""
    children: dict[int, list[int]] = {}
    for pid, ppid in (_parents() if parents is None else parents).items():
        children.setdefault(ppid, []).append(pid)
    out: list[int] = []
    todo = list(children.get(root, ()))
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(children.get(pid, ()))
    return out


def mark_of(pid: int) -> str | None:
    """The stack mark `pid` was started with (its environment as of its exec), None without one."""
    try:
        with open(f"/proc/{pid}/environ", "rb") as environ:
            for entry in environ.read().split(b"\0"):
                if entry.startswith(MARK.encode() + b"="):
                    return entry[len(MARK) + 1:].decode("ascii", "replace")
    except OSError:
        pass
    return None


_own_mark: tuple[int, str] | None = None


def _pid_namespace() -> str:
    try:
        return os.readlink("/proc/self/ns/pid").partition("[")[2].rstrip("]")
    except OSError:
        return ""


def own_mark() -> str:
    """This process's mark: what the processes it starts for functions carry."""
    global _own_mark
    pid = os.getpid()
    if _own_mark is None or _own_mark[0] != pid:
        _own_mark = (pid, f"{pid}:{start_ticks(pid) if IS_LINUX else 0}:{_pid_namespace()}")
    return _own_mark[1]


def stack_gone(mark: str) -> bool:
    """Whether the stack that wrote `mark` has ended (its pid gone, or now another process's); False for a
    mark that is not of this pid namespace (or no mark at all): such a process is left alone."""
    pid, ticks, namespace = (mark.split(":") + ["", ""])[:3]
    if not pid.isdigit() or not ticks.isdigit() or namespace != _pid_namespace():
        return False
    return start_ticks(int(pid)) != int(ticks)


def _signal(pid: int, signum: int) -> None:
    try:
        os.kill(pid, signum)
    except (ProcessLookupError, PermissionError):
        pass


def kill_trees(roots: Iterable[int]) -> list[int]:
    """SIGKILL `roots` and all their descendants, stopped first so none forks away meanwhile. Returns the pids
    signalled (roots included)."""
    roots = [pid for pid in roots if pid != os.getpid()]
    seen: list[int] = list(roots)
    for pid in roots:
        _signal(pid, signal.SIGSTOP)
    if IS_LINUX and os.path.isdir("/proc"):
        for _ in range(20):
            parents = _parents()
            found = [pid for root in roots for pid in descendants(root, parents) if pid not in seen]
            if not found:
                break
            for pid in found:
                _signal(pid, signal.SIGSTOP)
            seen.extend(found)
    for pid in seen:
        _signal(pid, signal.SIGKILL)
    return seen


def kill_tree(root: int, *, group: bool = True) -> list[int]:
    """SIGKILL `root`'s descendants, then `root`'s process group (or `root` alone). Returns the descendants."""
    below = kill_trees([root])[1:] if IS_LINUX else []
    try:
        if group:
            os.killpg(root, signal.SIGKILL)
        else:
            os.kill(root, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    return below


def marked(which: Callable[[str], bool]) -> list[int]:
    """Every process whose mark satisfies `which`."""
    found = []
    for entry in os.scandir("/proc"):
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            mark = mark_of(int(entry.name))
            if mark is not None and which(mark):
                found.append(int(entry.name))
    return found


def kill_leftovers() -> int:
    """Kill every marked process whose stack is gone (a stack SIGKILLed with its keeper). Returns how many."""
    if not (IS_LINUX and os.path.isdir("/proc")):
        return 0
    leftovers = marked(stack_gone)
    if leftovers:
        log.warning("killing %d processes left by functions of a stack that was killed", len(leftovers))
        kill_trees(leftovers)
    return len(leftovers)


class OwnProcesses:
    """The pids of the processes this stack started for functions (workers, templates, spares), alive; the
    keeper hears of each (`listener`)."""

    def __init__(self) -> None:
        self._pids: set[int] = set()
        self._lock = threading.Lock()
        self.listener: Callable[[str, int], None] | None = None

    def add(self, pid: int) -> None:
        with self._lock:
            self._pids.add(pid)
            listener = self.listener
        if listener is not None:
            listener("+", pid)

    def discard(self, pid: int) -> None:
        with self._lock:
            self._pids.discard(pid)
            listener = self.listener
        if listener is not None:
            listener("-", pid)

    def __contains__(self, pid: int) -> bool:
        with self._lock:
            return pid in self._pids

    def pids(self) -> list[int]:
        with self._lock:
            return list(self._pids)


OWN = OwnProcesses()


class OrphanSweeper:
    """A thread of the stack process: kills and reaps what a function started once its worker is gone; starts
    the keeper and, first, kills what a killed stack left behind."""

    def __init__(self, keeper: bool = True) -> None:
        self.pid = os.getpid()
        self.mark = own_mark()
        self.enabled = become_subreaper()
        self.killed = 0
        self.leftovers = 0
        self.keeper: object | None = None
        self._want_keeper = keeper
        self._suspects: set[int] = set()
        self._to_reap: set[int] = set()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> OrphanSweeper:
        if self.enabled:
            if self._want_keeper:
                from .keeper import Keeper

                self.keeper = Keeper.start(self.mark, OWN)
            self._thread = threading.Thread(target=self._run, name="orphan-sweeper", daemon=True)
            self._thread.start()
        return self

    def sweep(self, everything: bool = False) -> int:
        """Kill the marked processes re-parented to the stack that are not its own, seen on the previous sweep
        too (`everything`: every marked process of this stack, at once), and reap the ones killed before.
        Returns how many were killed now."""
        if not self.enabled:
            return 0
        parents = _parents()
        candidates = {pid for pid, ppid in parents.items()
                      if pid != self.pid and (everything or ppid == self.pid) and mark_of(pid) == self.mark}
        if not everything:
            candidates -= set(OWN.pids())
            candidates, self._suspects = candidates & self._suspects, candidates
            candidates = {pid for pid in candidates if pid not in OWN}
        if candidates:
            self._to_reap.update(kill_trees(candidates))
        self.killed += len(candidates)
        for pid in list(self._to_reap):
            try:
                done, _ = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:  # not (or not yet) our child: gone, or still its worker's
                done = pid if pid not in parents else 0
            if done:
                self._to_reap.discard(pid)
        return len(candidates)

    def _run(self) -> None:
        try:
            self.leftovers = kill_leftovers()
        except Exception:
            log.exception("looking for processes left by a killed stack failed")
        while not self._stop.wait(SWEEP_EVERY_S):
            try:
                self.sweep()
            except Exception:  # never take the stack down; try again next time
                log.exception("orphan sweep failed")

    def stop(self) -> None:
        """Stop the thread, kill every marked process still there (after the workers were killed), then let
        the keeper go."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(2)
        try:
            self.sweep(everything=True)
        except Exception:
            log.exception("final orphan sweep failed")
        if self.keeper is not None:
            OWN.listener = None
            self.keeper.close()  # type: ignore[attr-defined]
