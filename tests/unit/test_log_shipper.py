"""LogShipper: log lines wait for a quiet moment (or a reader), then land in order, one write per stream."""
from __future__ import annotations

import threading
import time

from harness.emulator.log_shipper import LogShipper

A = ("us-east-1", "123456789012", "group-a", "stream-1")
B = ("us-east-1", "123456789012", "group-b", "stream-1")


class Recorder:
    def __init__(self, fail_first: int = 0) -> None:
        self.calls: list[tuple[tuple[str, str, str, str], list[tuple[int, str]]]] = []
        self.fail_first = fail_first
        self.written = threading.Event()

    def __call__(self, key, lines) -> None:
        if self.fail_first:
            self.fail_first -= 1
            raise RuntimeError("moto said no")
        self.calls.append((key, list(lines)))
        self.written.set()


def test_flush_writes_one_call_per_stream_in_time_order_keeping_same_millisecond_order() -> None:
    out = Recorder()
    shipper = LogShipper(out, idle_s=60)
    shipper.put(A, [(5, "a5"), (7, "a7")])
    shipper.put(B, [(1, "b1")])
    shipper.put(A, [(6, "a6-first"), (6, "a6-second")])
    shipper.flush()
    assert out.calls == [
        (A, [(5, "a5"), (6, "a6-first"), (6, "a6-second"), (7, "a7")]),
        (B, [(1, "b1")]),
    ]
    assert shipper.pending() == 0


def test_nothing_is_written_while_requests_keep_arriving_then_all_once_quiet() -> None:
    out = Recorder()
    shipper = LogShipper(out, idle_s=1.0)
    shipper.put(A, [(1, "one")])
    for _ in range(30):  # a busy stack: a request every 10 ms (far below the 1 s of quiet, even on a slow run)
        shipper.touch()
        time.sleep(0.01)
    assert out.calls == []
    assert shipper.pending() == 1
    assert out.written.wait(5)
    assert out.calls == [(A, [(1, "one")])]


def test_too_many_waiting_batches_are_written_even_when_busy() -> None:
    out = Recorder()
    shipper = LogShipper(out, idle_s=60, max_pending=3)
    shipper.touch()
    for i in range(4):
        shipper.put(A, [(i, f"line {i}")])
    assert out.written.wait(5)
    assert out.calls[0][1] == [(i, f"line {i}") for i in range(4)]


def test_empty_batches_are_ignored_and_a_failing_write_does_not_stop_later_ones() -> None:
    out = Recorder(fail_first=1)
    shipper = LogShipper(out, idle_s=60)
    shipper.put(A, [])
    assert shipper.pending() == 0
    shipper.put(A, [(1, "lost to the failure")])
    shipper.flush()  # logged, not raised
    shipper.put(B, [(2, "kept")])
    shipper.flush()
    assert out.calls == [(B, [(2, "kept")])]


def test_big_batches_are_written_in_chunks() -> None:
    out = Recorder()
    shipper = LogShipper(out, idle_s=60)
    shipper.put(A, [(i, "x") for i in range(12000)])
    shipper.flush()
    assert [len(lines) for _, lines in out.calls] == [5000, 5000, 2000]
    assert [line for _, lines in out.calls for line in lines] == [(i, "x") for i in range(12000)]


def test_a_callable_batch_is_made_when_written_not_when_queued() -> None:
    out = Recorder()
    shipper = LogShipper(out, idle_s=60)
    made: list[str] = []

    def make():
        made.append("now")
        return [(3, "late")]

    shipper.put(A, make)
    assert made == []
    shipper.put(A, lambda: 1 / 0)  # a batch that cannot be made loses only itself
    shipper.put(A, [(1, "early")])
    shipper.flush()
    assert made == ["now"] and out.calls == [(A, [(1, "early"), (3, "late")])]
