"""When and how `--state`'s journal is compacted: DynamoDB's item writes folded into a snapshot of the items.

The journal (journal.py) grows with every write; most of them, in a stack like the tutorial's, are DynamoDB
item writes (PutItem, UpdateItem, DeleteItem, BatchWriteItem, TransactWriteItems, PartiQL). Once the records
a start would replay pass `HARNESS_STATE_COMPACT_MB` (64 MB by default; 0 turns compaction off) a background
thread compacts:
1. every write is held back at the stack's front (`WriteGate`: a write enters before its handlers run and
   leaves once its record is committed; compaction waits until none is in flight, at most GATE_WAIT_S, else
   tries again later), the live journal is closed as a segment (`Journal.rotate`) and every item is listed
   (`dump_items`, in memory); then writes go on;
2. the snapshot is the previous snapshot's other writes plus the segments' other writes (every write that is
   not an item write, kept as it was made and in order: tables, functions, APIs, IAM...) and the items;
   `Journal.write_snapshot` makes it durable, then drops what it covers.
A replay (front/journal_writes.py) runs the snapshot's other writes, puts the items back into their tables,
then replays the newer segments and the live journal. A kill at any step loses nothing (journal.py's layout).
Left out: folding other writes (e.g. an UpdateFunctionCode superseded by a later one stays), DynamoDB Local
(its items are not moto's: no compaction), backups taken of a table (replayed, they back up the items as they
were before the snapshot's items are put back).
"""
from __future__ import annotations

import logging
import os
import threading
import time
from typing import Any, Callable

from .journal import Journal

log = logging.getLogger(__name__)

COMPACT_ENV = "HARNESS_STATE_COMPACT_MB"
DEFAULT_COMPACT_MB = 64.0
GATE_WAIT_S = 5.0
RETRY_S = 5.0
ITEM_WRITES = {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems", "ExecuteStatement",
               "BatchExecuteStatement", "ExecuteTransaction"}


def compact_bytes() -> int:
    """The journal size past which it is compacted (0: never)."""
    try:
        mb = float(os.environ.get(COMPACT_ENV, DEFAULT_COMPACT_MB))
    except ValueError:
        mb = DEFAULT_COMPACT_MB
    return max(0, int(mb * 1024 * 1024))


def is_item_write(record: dict[str, Any]) -> bool:
    """Whether a journal record is a DynamoDB item write (its effect is in the items' snapshot)."""
    for name, value in record.get("h") or ():
        if str(name).lower() == "x-amz-target":
            service, _, operation = str(value).partition(".")
            return service.startswith("DynamoDB_") and operation in ITEM_WRITES
    return False


class WriteGate:
    """Writes enter and leave freely, except while compaction holds the gate closed."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._inside = 0
        self._closed = False

    def enter(self) -> None:
        with self._cond:
            while self._closed:
                self._cond.wait()
            self._inside += 1

    def leave(self) -> None:
        with self._cond:
            self._inside -= 1
            self._cond.notify_all()

    def close(self, timeout: float) -> bool:
        """Hold new writes back and wait until none is inside; False (and open again) after `timeout`."""
        deadline = time.monotonic() + timeout
        with self._cond:
            self._closed = True
            while self._inside > 0:
                left = deadline - time.monotonic()
                if left <= 0:
                    self._closed = False
                    self._cond.notify_all()
                    return False
                self._cond.wait(left)
            return True

    def open(self) -> None:
        with self._cond:
            self._closed = False
            self._cond.notify_all()


class Compactor:
    """Starts a compaction (one at a time, in a thread) once the journal is past its limit."""

    def __init__(self, journal: Journal, gate: WriteGate, dump_items: Callable[[], list[dict[str, Any]]],
                 limit: int | None = None) -> None:
        self.journal = journal
        self.gate = gate
        self.dump_items = dump_items
        self.limit = compact_bytes() if limit is None else limit
        self.compactions = 0
        self._running = threading.Lock()
        self._not_before = 0.0
        self._thread: threading.Thread | None = None

    def maybe_start(self) -> None:
        """Called after each committed write (cheap when there is nothing to do)."""
        if not self.limit or time.monotonic() < self._not_before or self._running.locked():
            return
        if self.journal.size() < self.limit:
            self._not_before = time.monotonic() + 0.5  # stat() the files at most twice a second
            return
        if self._running.acquire(blocking=False):
            self._thread = threading.Thread(target=self._run, name="journal-compaction", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        try:
            if not self.compact():
                self._not_before = time.monotonic() + RETRY_S
        except Exception:  # the journal itself is intact: compaction is tried again later
            log.exception("compacting the --state journal failed")
            self._not_before = time.monotonic() + RETRY_S
        finally:
            self._running.release()

    def compact(self) -> bool:
        """One compaction (see the module docstring); False when writes did not pause in time or the journal
        was reset meanwhile."""
        journal = self.journal
        if not self.gate.close(GATE_WAIT_S):
            log.info("journal compaction postponed: writes did not pause within %.0f s", GATE_WAIT_S)
            return False
        try:
            epoch = journal.epoch
            previous = journal.snapshot()
            number = journal.rotate()
            items = self.dump_items()
        finally:
            self.gate.open()
        others = list((previous or {}).get("writes") or [])
        others += [record for record in journal.records(with_live=False) if not is_item_write(record)]
        done = journal.write_snapshot(number, {"version": 1, "writes": others, "items": items}, epoch)
        if done:
            self.compactions += 1
            log.info("journal compacted into snapshot %d (%d other writes, %d tables' items)", number,
                     len(others), len(items))
        return done

    def join(self, timeout: float) -> None:
        if self._thread is not None:
            self._thread.join(timeout)
