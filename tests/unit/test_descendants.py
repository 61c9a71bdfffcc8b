"""The process bookkeeping behind 'nothing a function starts outlives the stack' (descendants.py, keeper.py):
marks, the keeper's kill when the stack's pipe ends, and the next start's kill of a killed stack's leftovers."""
from __future__ import annotations

import os
import subprocess
import time

import pytest

from harness.emulator.runtime import descendants
from harness.emulator.runtime.descendants import MARK, kill_leftovers, mark_of, own_mark, stack_gone, start_ticks
from harness.emulator.runtime.keeper import keep

pytestmark = pytest.mark.skipif(not os.path.isdir("/proc"), reason="needs Linux's /proc")
NAMESPACE = os.readlink("/proc/self/ns/pid").partition("[")[2].rstrip("]") if os.path.isdir("/proc") else ""
GONE_STACK = f"{(1 << 22) + 12345}:77:{NAMESPACE}"  # a pid above the kernel's maximum: never a live process


def _sleeper(mark: str | None = None) -> subprocess.Popen[bytes]:
    env = dict(os.environ)
    env.pop(MARK, None)
    if mark is not None:
        env[MARK] = mark
    return subprocess.Popen(["sleep", "100"], env=env)


def _ended(proc: subprocess.Popen[bytes]) -> bool:
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return True
        time.sleep(0.02)
    return False


def test_marks_and_whether_their_stack_is_gone():
    mine = own_mark()
    assert mine == f"{os.getpid()}:{start_ticks(os.getpid())}:{NAMESPACE}"
    assert not stack_gone(mine)
    assert stack_gone(GONE_STACK)
    assert stack_gone(f"{os.getpid()}:{start_ticks(os.getpid()) + 1}:{NAMESPACE}")  # the pid now another's
    assert not stack_gone(f"{(1 << 22) + 12345}:77:4026531999")  # another pid namespace's: not ours to judge
    assert not stack_gone("not-a-mark") and not stack_gone("12:") and not stack_gone("12:5")
    proc = _sleeper(mine)
    try:
        deadline = time.monotonic() + 5
        while mark_of(proc.pid) != mine and time.monotonic() < deadline:  # until it has exec'd
            time.sleep(0.01)
        assert mark_of(proc.pid) == mine
    finally:
        proc.kill()
        proc.wait()


def test_the_keeper_kills_what_it_was_told_of_and_what_carries_the_mark():
    marked, told, forgotten, other = _sleeper("stack-x"), _sleeper(), _sleeper(), _sleeper("stack-y")
    try:
        time.sleep(0.1)
        lines = [f"+{told.pid} {start_ticks(told.pid)}\n", f"+{forgotten.pid} {start_ticks(forgotten.pid)}\n",
                 f"-{forgotten.pid} 0\n", "+junk\n", f"+{other.pid} 1\n"]  # `other` told with a wrong start time
        assert keep("stack-x", iter(lines)) == 2
        assert _ended(marked) and _ended(told)
        assert forgotten.poll() is None and other.poll() is None
    finally:
        for proc in (marked, told, forgotten, other):
            proc.kill()
            proc.wait()


def test_the_next_start_kills_only_what_a_gone_stack_left():
    left, live = _sleeper(GONE_STACK), _sleeper(own_mark())
    try:
        time.sleep(0.1)
        assert kill_leftovers() >= 1
        assert _ended(left)
        assert live.poll() is None
    finally:
        for proc in (left, live):
            proc.kill()
            proc.wait()


def test_an_orphan_is_killed_on_its_second_sweep_and_an_own_process_never(monkeypatch):
    sweeper = descendants.OrphanSweeper(keeper=False)
    if not sweeper.enabled:
        pytest.skip("cannot be a subreaper here")
    own, orphan = _sleeper(own_mark()), _sleeper(own_mark())  # both children of this (subreaper) process
    descendants.OWN.add(own.pid)
    try:
        time.sleep(0.1)
        assert sweeper.sweep() == 0  # first seen: maybe a process just started, not yet registered
        assert sweeper.sweep() == 1
        assert _ended(orphan) and own.poll() is None
    finally:
        descendants.OWN.discard(own.pid)
        for proc in (own, orphan):
            proc.kill()
            proc.wait()
