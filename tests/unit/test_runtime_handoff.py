"""The `/next` hand-off is per request: Node's native runtime client may send its next `/next` on a new
connection while the thread of the previous one, already answered by a submitter (runtime/pool.py `_hand_off`),
has not woken up yet. The new request must not take the old one's hand-off, and the next invocation must go to
the connection the runtime now waits on (before: 1-5% of warm Node.js invokes hung until their timeout)."""
from __future__ import annotations

import threading
import time
import types
from typing import Any, Callable

from harness.emulator.runtime.api import HANDED_OFF
from harness.emulator.runtime.invocation import Invocation
from harness.emulator.runtime.worker import Worker

from .test_runtime_retire import FN, pool  # noqa: F401 (fixture)


def _until(check: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 5
    while not check():
        assert time.monotonic() < deadline
        time.sleep(0.005)


def test_a_new_next_does_not_take_the_hand_off_of_the_one_still_waiting(pool):  # noqa: F811
    worker = Worker(pool, FN)
    worker.kill = lambda: None  # type: ignore[method-assign]
    worker.capture = types.SimpleNamespace(take=lambda: [])  # type: ignore[assignment]
    with pool.lock:
        pool.workers.add(worker)
    sent: dict[str, list[str]] = {"A": [], "B": []}
    answers: dict[str, Any] = {}
    threads: list[threading.Thread] = []

    def next_on(connection: str, send: Callable[[Any], None]) -> None:
        answers[connection] = pool.next_for(worker, send)

    def send_b(event: Any) -> None:
        sent["B"].append(event.request_id)

    def send_a(event: Any) -> None:
        sent["A"].append(event.request_id)
        # the runtime answers at once and asks again on a new connection, before A's thread is woken
        pool._complete(worker, event.request_id)
        threads.append(threading.Thread(target=next_on, args=("B", send_b)))
        threads[-1].start()
        _until(lambda: worker.next_call is not None and worker.next_call.send is send_b)

    first = threading.Thread(target=next_on, args=("A", send_a))
    first.start()
    _until(lambda: worker in pool.idle)
    pool.submit(FN, Invocation(FN, "one", b"{}", None))
    first.join(5)
    assert answers["A"] is HANDED_OFF  # A's answer was written by the submitter
    assert "B" not in answers  # B still waits: it did not take A's hand-off
    pool.submit(FN, Invocation(FN, "two", b"{}", None))
    _until(lambda: sent["B"] == ["two"])
    assert sent == {"A": ["one"], "B": ["two"]}  # the next event went where the runtime waits
    threads[0].join(5)
    assert answers["B"] is HANDED_OFF
