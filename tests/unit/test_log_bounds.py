"""Function output to CloudWatch events: long lines split as Lambda splits them (each byte read once), nothing
lost below the buffer's bound; each log group's memory capped (oldest dropped, counted), retention honoured."""
from __future__ import annotations

import os
import time
import uuid

from moto.logs.models import logs_backends

from harness.emulator.control.log_storage import EVENT_OVERHEAD, LogStorage
from harness.emulator.runtime import function_log
from harness.emulator.runtime.function_log import MAX_EVENT_BYTES, OutputCapture


def _capture_of(data_chunks) -> list[str]:
    read_fd, write_fd = os.pipe()
    capture = OutputCapture(read_fd)
    taken: list[str] = []
    try:
        for chunk in data_chunks:
            _feed(capture, write_fd, chunk)
        taken += [text for _, text in capture.take()]
    finally:
        os.close(write_fd)
        capture.close()
    return taken


def _feed(capture: OutputCapture, write_fd: int, data: bytes) -> None:
    """Write `data` through the pipe in pieces it holds, draining after each (one thread plays both ends)."""
    for start in range(0, len(data), 32768):
        os.write(write_fd, data[start:start + 32768])
        capture.drain()


def test_a_60_mb_line_becomes_events_of_at_most_256_kb():
    line = bytes(range(97, 123)) * (60 * 1024 * 1024 // 26)
    chunks = [line[i:i + 65536] for i in range(0, len(line), 65536)]
    events = _capture_of(chunks)
    assert all(0 < len(event.encode()) <= MAX_EVENT_BYTES for event in events)
    assert len(events) == -(-len(line) // MAX_EVENT_BYTES)
    assert "".join(events).encode() == line


def test_a_split_never_cuts_a_character():
    line = ("é" * MAX_EVENT_BYTES).encode() + b"\n"
    events = _capture_of([line[i:i + 4093] for i in range(0, len(line), 4093)])
    assert "".join(events) == "é" * MAX_EVENT_BYTES and "\ufffd" not in "".join(events)
    assert all(len(event.encode()) <= MAX_EVENT_BYTES for event in events)


def test_a_line_of_exactly_one_event_stays_one():
    assert _capture_of([b"x" * MAX_EVENT_BYTES + b"\nnext\n"]) == ["x" * MAX_EVENT_BYTES, "next"]


def test_many_lines_are_all_kept_until_taken(monkeypatch):
    """100,000 lines of 1 KB (the old bound kept the last 50,000)."""
    read_fd, write_fd = os.pipe()
    capture = OutputCapture(read_fd)
    line = b"y" * 1023 + b"\n"
    try:
        for _ in range(100):
            _feed(capture, write_fd, line * 1000)
        assert len(capture.take()) == 100_000 and capture.dropped == 0
        monkeypatch.setattr(function_log, "MAX_BUFFERED_BYTES", 10 * 1100)
        before = function_log.dropped_lines()
        _feed(capture, write_fd, line * 50)
        kept = capture.take()
        assert len(kept) < 50 and capture.dropped == 50 - len(kept)
        assert function_log.dropped_lines() - before == capture.dropped  # the stack's count (health, doctor)
    finally:
        os.close(write_fd)
        capture.close()


def _account() -> str:
    return str(uuid.uuid4().int)[:12]


def test_a_group_keeps_at_most_its_cap_dropping_the_oldest():
    account, region = _account(), "us-east-1"
    storage = LogStorage(max_bytes=10 * (100 + EVENT_OVERHEAD))
    now = int(time.time() * 1000)
    storage.write((region, account, "/g", "s1"), [(now + i, f"{i:03d}" + "x" * 97) for i in range(0, 8)])
    storage.write((region, account, "/g", "s2"), [(now + i, f"{i:03d}" + "x" * 97) for i in range(8, 16)])
    group = logs_backends[account][region].groups["/g"]
    kept = sorted(event.message[:3] for stream in group.streams.values() for event in stream.events)
    assert kept == [f"{i:03d}" for i in range(6, 16)]
    assert storage.stats()["dropped_events"] == 6
    assert storage.stats()["largest_group_bytes"] <= storage.max_bytes


def test_all_groups_together_keep_at_most_the_cap_the_largest_giving_first():
    account, region = _account(), "us-east-1"
    storage = LogStorage(max_bytes=10 * (100 + EVENT_OVERHEAD))
    now = int(time.time() * 1000)
    storage.write((region, account, "/small", "s"), [(now, "a" * 100), (now + 1, "b" * 100)])
    storage.write((region, account, "/big", "s"), [(now + i, f"{i:03d}" + "x" * 97) for i in range(2, 12)])
    groups = logs_backends[account][region].groups
    assert len(groups["/small"].streams["s"].events) == 2  # untouched: the largest group gave up its oldest
    assert [e.message[:3] for e in groups["/big"].streams["s"].events] == [f"{i:03d}" for i in range(4, 12)]
    assert storage.stats()["stored_bytes"] <= storage.max_bytes


def test_retention_is_honoured():
    account, region = _account(), "us-east-1"
    storage = LogStorage(max_bytes=1 << 30)
    now = int(time.time() * 1000)
    storage.write((region, account, "/r", "s"), [(now - 3 * 86_400_000, "old"), (now, "new")])
    backend = logs_backends[account][region]
    backend.put_retention_policy("/r", 1)
    storage.expire()
    assert [event.message for event in backend.groups["/r"].streams["s"].events] == ["new"]
    storage.write((region, account, "/r", "s"), [(now - 2 * 86_400_000, "late old"), (now, "newer")])
    assert [event.message for event in backend.groups["/r"].streams["s"].events] == ["new", "newer"]
    assert storage.stats()["expired_events"] == 2
