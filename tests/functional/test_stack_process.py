"""A stack started as a child stops by itself when its parent dies (a killed test run leaves nothing behind)."""
from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from .apikit import pid_alive

pytestmark = pytest.mark.functional

ORPHAN = """
import os
from harness.emulator.process import StackProcess
stack = StackProcess().start()
print(stack.proc.pid, flush=True)
os._exit(0)  # the parent dies without stopping its stack
"""



@pytest.mark.slow  # > 0.9 s: `make test` runs it, `make test-fast` does not
def test_orphaned_stack_stops_when_its_parent_is_gone():
    done = subprocess.run([sys.executable, "-c", ORPHAN], capture_output=True, text=True, timeout=60)
    pid = int(done.stdout.strip().splitlines()[-1])
    deadline = time.monotonic() + 15
    while pid_alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    if pid_alive(pid):
        os.kill(pid, 9)
        pytest.fail(f"the orphaned stack {pid} was still running 15 s after its parent died")
