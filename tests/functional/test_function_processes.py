"""What a function starts ends with its execution environment: children in a new session (`setsid`) and
double-forked daemons are gone after DeleteFunction, after the worker exits on its own, and after the stack
stops. Its own stack (the stop is part of the test)."""
from __future__ import annotations

import json
import os
import time

import pytest

from harness.clients import Clients, Endpoint
from harness.deploy.package import build_zip
from harness.emulator.process import StackProcess

from .apikit import Kit

pytestmark = [pytest.mark.functional, pytest.mark.skipif(not os.path.isdir("/proc"), reason="needs Linux's /proc")]
REGION = "us-west-1"
SPAWNER = '''
import os, subprocess


def daemon():
    """A classic double fork: the grandchild, in its own session, is orphaned at once."""
    read, write = os.pipe()
    if os.fork() == 0:
        os.setsid()
        pid = os.fork()
        if pid == 0:
            os.close(read)
            os.write(write, str(os.getpid()).encode())
            os.close(write)
            os.execvp("sleep", ["sleep", "1000"])
        os._exit(0)
    os.close(write)
    pid = int(os.read(read, 32))
    os.close(read)
    return pid


def handler(event, context):
    setsid = subprocess.Popen(["sleep", "1000"], start_new_session=True).pid
    pids = [setsid, daemon()]
    if event.get("pidfile"):
        with open(event["pidfile"], "w") as out:
            out.write(" ".join(map(str, pids)))
        os._exit(3)  # the worker ends on its own: its children are orphaned
    return pids
'''


def _gone(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            return stat.read().rsplit(b") ", 1)[1][:1] in (b"Z", b"X")
    except OSError:
        return True


def _wait_gone(pids: list[int], seconds: float = 15.0) -> list[int]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        alive = [pid for pid in pids if not _gone(pid)]
        if not alive:
            return []
        time.sleep(0.1)
    return [pid for pid in pids if not _gone(pid)]


@pytest.fixture()
def own_stack():
    proc = StackProcess(region=REGION).start()
    yield proc
    proc.stop()


def _function(clients: Clients, tmp_path, kit: Kit, name: str) -> str:
    (tmp_path / "index.py").write_text(SPAWNER)
    full = f"{kit.prefix}{name}"
    lam = clients("lambda")
    lam.create_function(FunctionName=full, Runtime="python3.12", Role=kit.role_arn, Handler="index.handler",
                        Code={"ZipFile": build_zip(tmp_path)}, Timeout=10)
    lam.get_waiter("function_active_v2").wait(FunctionName=full, WaiterConfig={"Delay": 0.1})
    return full


@pytest.mark.slow  # > 0.9 s: `make test` runs it, `make test-fast` does not
def test_setsid_children_end_with_delete_function_the_worker_and_the_stack(own_stack, tmp_path):
    clients = Clients(Endpoint(own_stack.url, REGION))
    kit = Kit(clients, "proc")
    lam = clients("lambda")
    name = _function(clients, tmp_path, kit, "spawn")

    first = json.loads(lam.invoke(FunctionName=name)["Payload"].read())
    assert len(first) == 2 and not any(_gone(pid) for pid in first)
    lam.delete_function(FunctionName=name)
    assert _wait_gone(first) == [], "setsid children outlived DeleteFunction"

    name = _function(clients, tmp_path, kit, "exit")
    pidfile = tmp_path / "pids"
    answer = lam.invoke(FunctionName=name, Payload=json.dumps({"pidfile": str(pidfile)}))
    assert answer["FunctionError"] == "Unhandled"  # Runtime.ExitError
    orphans = [int(pid) for pid in pidfile.read_text().split()]
    assert len(orphans) == 2
    assert _wait_gone(orphans) == [], "the orphans of a worker that exited outlived it"

    last = json.loads(lam.invoke(FunctionName=_function(clients, tmp_path, kit, "last"))["Payload"].read())
    assert not any(_gone(pid) for pid in last)
    own_stack.stop()
    assert _wait_gone(last) == [], "setsid children outlived the stack"

