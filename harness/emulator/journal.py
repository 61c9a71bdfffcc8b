"""`--state DIR`'s write-ahead journal: every write the stack acknowledges is on disk before its answer leaves.

Each record (one write request: verb, path, the headers that route it, body, the API Gateway ids it made) is
one line of `DIR/journal.log`: the CRC-32 of the JSON, a space, the JSON, a newline. `append` blocks until its
record is written and - with the fsync policy `always` (the default) - `fsync`ed; appends from many threads
are committed together by one writer thread (group commit: one write and one fsync for every record that
arrived meanwhile). `HARNESS_STATE_FSYNC=never` leaves flushing to the OS: every acknowledged write still
survives the stack being killed (SIGKILL, a crash), but not a power loss or a kernel crash.
`records()` reads the journal back at start; a torn last line (the stack died mid-write, before that write was
acknowledged) and anything after it is cut off. `reset()` (the stack was reset) empties the journal, `fsync`ing
the file and its folder. Left out: compaction into snapshots (the journal grows with every write, and a start
replays all of it), other processes writing the same folder (one stack per folder).
"""
from __future__ import annotations

import json
import logging
import os
import threading
import zlib
from pathlib import Path
from typing import Any, Iterator

log = logging.getLogger(__name__)

FILE_NAME = "journal.log"
FSYNC_ENV = "HARNESS_STATE_FSYNC"
FSYNC_POLICIES = ("always", "never")


class JournalClosed(RuntimeError):
    """An append after `close()`: the write was not recorded (the stack is stopping)."""


def fsync_policy() -> str:
    policy = os.environ.get(FSYNC_ENV, "always").strip().lower()
    return policy if policy in FSYNC_POLICIES else "always"


def _line(record: dict[str, Any]) -> bytes:
    text = json.dumps(record, separators=(",", ":")).encode()
    return b"%08x %s\n" % (zlib.crc32(text), text)


def _fsync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


class Journal:
    """An append-only journal of writes in `directory` (created when missing)."""

    def __init__(self, directory: str | Path, policy: str | None = None) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.path = self.directory / FILE_NAME
        self.policy = policy or fsync_policy()
        for leftover in self.directory.glob(".dynamodb-*.json"):  # a save that died half-way (older versions)
            leftover.unlink(missing_ok=True)
        self._good_end = self._check()
        self._file = open(self.path, "ab")
        _fsync_dir(self.directory)  # the file's name is durable too
        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)
        self._pending: list[bytes] = []
        self._queued = 0  # records handed to append so far
        self._committed = 0  # records written (and fsynced, by policy)
        self._failed: BaseException | None = None
        self._closed = False
        self.appended = 0
        self._writer = threading.Thread(target=self._write_loop, name="journal-writer", daemon=True)
        self._writer.start()

    # ---- reading ---------------------------------------------------------------------------------------

    def _check(self) -> int:
        """The offset after the last whole record; a torn tail is cut off the file."""
        end = 0
        if not self.path.exists():
            return 0
        with open(self.path, "rb") as journal:
            for line in journal:
                if _parse(line) is None:
                    if any(_parse(later) is not None for later in journal):  # not a torn tail: damage
                        from .state import StateFileError

                        raise StateFileError(f"{self.path} is damaged at byte {end} (whole records follow); "
                                             "the stack does not start over a journal it would cut")
                    break
                end += len(line)
        if end != self.path.stat().st_size:
            log.warning("journal %s: cutting off a torn tail at byte %d", self.path, end)
            with open(self.path, "r+b") as journal:
                journal.truncate(end)
                journal.flush()
                os.fsync(journal.fileno())
        return end

    def records(self) -> Iterator[dict[str, Any]]:
        """Every record, in the order they were committed."""
        with open(self.path, "rb") as journal:
            for line in journal:
                record = _parse(line)
                if record is None:
                    return
                yield record

    # ---- writing ---------------------------------------------------------------------------------------

    def append(self, record: dict[str, Any]) -> None:
        """Write `record`; returns once it is committed (by the fsync policy). JournalClosed after close();
        OSError when the disk refused it."""
        line = _line(record)
        with self._lock:
            if self._closed:
                raise JournalClosed("the stack is stopping; the write was not recorded")
            self._pending.append(line)
            self._queued += 1
            ticket = self._queued
            self._cond.notify_all()
            while self._committed < ticket and self._failed is None:
                self._cond.wait()
            if self._committed < ticket:
                raise OSError(f"the journal {self.path} could not be written: {self._failed}")
            self.appended += 1

    def _write_loop(self) -> None:
        while True:
            with self._lock:
                while not self._pending and not self._closed:
                    self._cond.wait()
                if not self._pending and self._closed:
                    return
                batch, self._pending = self._pending, []
            try:
                self._file.write(b"".join(batch))
                self._file.flush()
                if self.policy == "always":
                    os.fsync(self._file.fileno())
            except OSError as error:
                log.exception("could not write the journal %s", self.path)
                with self._lock:
                    self._failed = error
                    self._cond.notify_all()
                return
            with self._lock:
                self._committed += len(batch)
                self._cond.notify_all()

    def reset(self) -> None:
        """Empty the journal (the stack was reset): nothing before this point is replayed."""
        with self._lock:
            while self._committed < self._queued and self._failed is None:
                self._cond.wait()
            self._file.truncate(0)
            self._file.flush()
            os.fsync(self._file.fileno())
        _fsync_dir(self.directory)

    def close(self) -> None:
        """Commit what is queued, then refuse further appends."""
        with self._lock:
            self._closed = True
            self._cond.notify_all()
        self._writer.join(10)
        try:
            self._file.flush()
            os.fsync(self._file.fileno())
        except (OSError, ValueError):
            pass
        self._file.close()
        _fsync_dir(self.directory)


def _parse(line: bytes) -> dict[str, Any] | None:
    if not line.endswith(b"\n") or len(line) < 10 or line[8:9] != b" ":
        return None
    text = line[9:-1]
    try:
        if int(line[:8], 16) != zlib.crc32(text):
            return None
        record = json.loads(text)
    except ValueError:
        return None
    return record if isinstance(record, dict) else None
