"""Log lines into moto's CloudWatch Logs, with memory bounded per log group and retention honoured.

moto keeps every log event as an object for ever: a stack serving steady traffic grew by the size of each
request's execution-log and function lines. Here, after each write to a group:
- retention: a group with a retention policy (`PutRetentionPolicy`) loses its events older than that many days
  (AWS deletes them within a few days of expiry; here at once). Also applied to every group that has one
  before each CloudWatch Logs API call (`expire`), so a read never shows expired events;
- a cap: the log groups together keep at most `max_bytes` (HARNESS_LOGS_MAX_MB, default 64 MB; counted as
  each message's length plus EVENT_OVERHEAD, what an event object costs in memory), so one group too; past
  it the oldest events of the largest group are dropped, and counted (`stats()`, shown by `/_harness/health`).
Left out: CloudWatch's quotas on the API side (moto's), metric filters and subscriptions beyond moto's.
"""
from __future__ import annotations

import os
import threading
import time
from typing import Any

from moto.logs.models import logs_backends

DEFAULT_MAX_MB = 64
MAX_MB_ENV = "HARNESS_LOGS_MAX_MB"
#: Bytes an event object costs beyond its message (moto's LogEvent: object, attribute dict, ints).
EVENT_OVERHEAD = 300
DAY_MS = 86_400_000


def max_bytes_from_env() -> int:
    try:
        return max(1, int(float(os.environ.get(MAX_MB_ENV, DEFAULT_MAX_MB)) * 1024 * 1024))
    except ValueError:
        return DEFAULT_MAX_MB * 1024 * 1024


class LogStorage:
    """Writes (timestamp ms, message) lines to moto's log streams and keeps each group within its bounds."""

    def __init__(self, max_bytes: int | None = None) -> None:
        self.max_bytes = max_bytes_from_env() if max_bytes is None else max_bytes
        self.dropped_events = 0  # past the cap
        self.expired_events = 0  # past a retention policy
        self._sizes: dict[tuple[str, str, str], tuple[Any, int]] = {}  # (account, region, group) -> (group, bytes)
        self._lock = threading.Lock()

    def write(self, key: tuple[str, str, str, str], lines: list[tuple[int, str]]) -> None:
        region, account_id, group, stream = key
        backend = logs_backends[account_id][region]
        if group not in backend.groups:
            backend.create_log_group(group, {})
        log_group = backend.groups[group]
        if stream not in log_group.streams:
            backend.create_log_stream(group, stream)
        backend.put_log_events(group, stream, [{"timestamp": ts, "message": msg} for ts, msg in lines])
        added = sum(len(msg) for _, msg in lines) + EVENT_OVERHEAD * len(lines)
        with self._lock:
            size_key = (account_id, region, group)
            counted, size = self._sizes.get(size_key, (None, 0))
            size = size + added if counted is log_group else _group_size(log_group)  # a new group (or a reset)
            if log_group.retention_in_days:
                size -= self._expire(log_group)
            self._sizes[size_key] = (log_group, size)
            excess = sum(counted for _, counted in self._sizes.values()) - self.max_bytes
            while excess > 0:  # the largest group gives up its oldest events first
                largest_key = max(self._sizes, key=lambda k: self._sizes[k][1])
                largest, largest_size = self._sizes[largest_key]
                removed = self._drop_oldest(largest, min(excess, largest_size))
                self._sizes[largest_key] = (largest, largest_size - removed)
                excess -= removed
                if removed == 0:
                    break

    def expire(self) -> None:
        """Apply every group's retention policy now (before a CloudWatch Logs call reads)."""
        with self._lock:
            for account_id, region, backend in list(logs_backends.iter_backends()):
                for name, log_group in list(backend.groups.items()):
                    if log_group.retention_in_days:
                        removed = self._expire(log_group)
                        counted, size = self._sizes.get((account_id, region, name), (None, 0))
                        if removed and counted is log_group:
                            self._sizes[(account_id, region, name)] = (log_group, size - removed)

    def stats(self) -> dict[str, Any]:
        with self._lock:
            return {"max_bytes": self.max_bytes, "dropped_events": self.dropped_events,
                    "expired_events": self.expired_events,
                    "stored_bytes": sum(size for _, size in self._sizes.values()),
                    "largest_group_bytes": max((size for _, size in self._sizes.values()), default=0)}

    def _expire(self, log_group: Any) -> int:
        """(Lock held.) Remove the group's events older than its retention; bytes removed."""
        oldest_kept = int(time.time() * 1000) - int(log_group.retention_in_days) * DAY_MS
        removed = 0
        for stream in list(log_group.streams.values()):
            events = stream.events
            if not events:
                continue
            kept = [event for event in events if event.timestamp >= oldest_kept]
            if len(kept) != len(events):
                gone = _bytes(events) - _bytes(kept)
                self.expired_events += len(events) - len(kept)
                stream.events = kept
                stream.stored_bytes = max(0, stream.stored_bytes - (gone - EVENT_OVERHEAD * (len(events) - len(kept))))
                removed += gone
        return removed

    def _drop_oldest(self, log_group: Any, excess: int) -> int:
        """(Lock held.) Drop the group's oldest events (by timestamp, across streams) until `excess` bytes are
        gone; bytes removed."""
        removed = 0
        streams = [stream for stream in log_group.streams.values() if stream.events]
        positions = {id(stream): 0 for stream in streams}
        while removed < excess and streams:
            stream = min(streams, key=lambda s: s.events[positions[id(s)]].timestamp)
            index = positions[id(stream)]
            event = stream.events[index]
            removed += len(event.message) + EVENT_OVERHEAD
            positions[id(stream)] = index + 1
            if index + 1 >= len(stream.events):
                streams.remove(stream)
        for stream in log_group.streams.values():
            count = positions.get(id(stream), 0)
            if count:
                gone = stream.events[:count]
                del stream.events[:count]
                stream.stored_bytes = max(0, stream.stored_bytes - sum(len(event.message) for event in gone))
                self.dropped_events += count
        return removed


def _bytes(events: list[Any]) -> int:
    return sum(len(event.message) for event in events) + EVENT_OVERHEAD * len(events)


def _group_size(log_group: Any) -> int:
    return sum(_bytes(stream.events) for stream in log_group.streams.values())
