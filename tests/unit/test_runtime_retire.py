"""A worker taken out of service is killed before its waiting `/next` is dropped: awslambdaric, seeing the
connection drop, would otherwise log `Failed to get next invocation` into the function's log (runtime/pool.py)."""
from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from harness.emulator.runtime.code import CodeCache
from harness.emulator.runtime.pool import FunctionPool
from harness.emulator.runtime.scheduler import Scheduler
from harness.emulator.runtime.shared import RuntimeContext
from harness.emulator.runtime.worker import Worker
from harness.emulator.snapshots import FunctionConfig

FN = FunctionConfig(name="fn", arn="arn:aws:lambda:eu-west-1:111122223333:function:fn", runtime="python3.12",
                    handler="index.handler", timeout=3, memory_size=512, code_sha256="abc", role="r",
                    region="eu-west-1", account_id="111122223333")


@pytest.fixture
def pool(tmp_path: Path):
    scheduler = Scheduler()
    ctx = RuntimeContext(scheduler=scheduler, code=CodeCache(tmp_path, lambda fn: b""), log_writer=print,
                         endpoint_url="http://127.0.0.1:9", credentials=("a", "b"), default_concurrency=10,
                         idle_timeout_s=0.0)
    yield FunctionPool(ctx)
    scheduler.close()


def idle_worker(pool: FunctionPool, events: list[str]) -> tuple[Worker, threading.Thread]:
    """A worker whose `/next` waits (no process: `kill` is recorded; the other thread's kill comes late, as
    when the thread that took it out of service is slow to get the GIL back)."""
    worker = Worker(pool, FN)

    def kill() -> None:
        if threading.current_thread() is threading.main_thread():
            time.sleep(0.2)
        events.append("kill")

    worker.kill = kill  # type: ignore[method-assign]
    with pool.lock:
        pool.workers.add(worker)

    def wait_for_work() -> None:
        answer = pool.next_for(worker)
        events.append(f"/next answered {answer!r}")  # the connection is dropped now

    thread = threading.Thread(target=wait_for_work)
    thread.start()
    deadline = time.monotonic() + 5
    while worker not in pool.idle:
        assert time.monotonic() < deadline
        time.sleep(0.005)
    return worker, thread


@pytest.mark.parametrize("take_out", ["retire", "reap_idle", "close", "new code"])
def test_a_worker_out_of_service_is_killed_before_its_next_is_dropped(pool, take_out):
    events: list[str] = []
    worker, thread = idle_worker(pool, events)
    if take_out == "retire":  # DeleteFunction
        pool.retire()
    elif take_out == "reap_idle":
        pool.reap_idle(time.monotonic() + 1)
    elif take_out == "close":  # shutdown, reset
        pool.close()
    else:  # the next invocation brings new code: what `submit` does
        with pool.lock:
            pool.generation = ("older code",)
            victims = pool._roll(FN)
        for victim in victims:
            victim.kill()
    thread.join(5)
    assert events[:2] == ["kill", "/next answered None"], events
