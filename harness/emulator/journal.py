"""`--state DIR`'s write-ahead journal: every write the stack acknowledges is written before its answer leaves.

Each record (one write request: verb, path, the headers that route it, body, the API Gateway ids it made) is
one line of `DIR/journal.log`: the CRC-32 of the JSON, a space, the JSON, a newline. `append` blocks until its
record is written to the OS (so it survives the stack's SIGTERM, SIGKILL or crash); appends from many threads
are committed together (group commit: the appending thread that finds no write under way writes every record
that arrived meanwhile, in one write; no hand-off to a writer thread). Flushing to the disk (`fdatasync` of a
file written in place into zeros laid down ahead, so no metadata changes: `LiveFile`) follows
`HARNESS_STATE_FSYNC`: `async` (the default) flushes in a thread of its own as soon as there is something
written, without holding the answer (a power loss or kernel crash can lose what was acknowledged in the last
flush's time, milliseconds); `always` flushes before answering (nothing acknowledged is lost even then, at a
cost of a disk flush per write or group of writes, 0.1-3 ms here); `never` leaves it to the OS (seconds).
`records()` reads the journal back at start; a torn last line (the stack died mid-write, before that write was
acknowledged) and anything after it is cut off. `reset()` (the stack was reset) empties the journal, `fsync`ing
the file and its folder.

Compaction (journal_compaction.py decides when and what) works on this file layout, every step crash-safe:
`rotate()` renames the live journal to `journal-<n>.done` (a closed segment) and starts an empty one;
`write_snapshot(n, ...)` writes `snapshot-<n>.json` (what segments 1..n made) through a temporary file that
is `fsync`ed and renamed, then removes older snapshots and the segments it covers. At start: a leftover
temporary file is removed, the newest whole snapshot counts, segments it covers are removed, and the replay is
that snapshot, then the newer segments in order, then the live journal. A snapshot file starts with the CRC-32
of the rest; a damaged one (or a damaged closed segment) stops the start rather than lose writes.
Left out: other processes writing the same folder (one stack per folder).
"""
from __future__ import annotations

import json
import logging
import os
import re
import threading
import zlib
from pathlib import Path
from typing import Any, Iterable, Iterator

log = logging.getLogger(__name__)

FILE_NAME = "journal.log"
SNAPSHOT_TMP = ".snapshot.json.tmp"
_SEGMENT = re.compile(r"^journal-(\d+)\.done$")
_SNAPSHOT = re.compile(r"^snapshot-(\d+)\.json$")
FSYNC_ENV = "HARNESS_STATE_FSYNC"
FSYNC_POLICIES = ("async", "always", "never")
DEFAULT_FSYNC = "async"
PREALLOCATE = 4 << 20


_fdatasync = getattr(os, "fdatasync", os.fsync)  # macOS has no fdatasync


class LiveFile:
    """The live journal, written in place into zeros laid down ahead (PREALLOCATE bytes at a time, `fsync`ed
    once): a commit then changes no metadata (the file's size stays), so `fdatasync` flushes just the data
    blocks instead of a filesystem journal commit, which waits for every other file's writes on a busy disk.
    A reader stops at the zeros (they are no record). `finish` cuts the zeros off (a clean close, a segment)."""

    def __init__(self, path: Path, end: int) -> None:
        self.path = path
        self.fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o644)
        self.end = end  # where the next record goes
        self.allocated = os.fstat(self.fd).st_size

    def write(self, data: bytes, sync: bool) -> None:
        if self.end + len(data) > self.allocated:
            grow = max(PREALLOCATE, len(data))
            os.pwrite(self.fd, bytes(grow), self.allocated)
            self.allocated += grow
            os.fsync(self.fd)  # the new size is durable before records rely on it
        os.pwrite(self.fd, data, self.end)
        self.end += len(data)
        if sync:
            _fdatasync(self.fd)

    def truncate(self, end: int = 0) -> None:
        os.ftruncate(self.fd, end)
        os.fsync(self.fd)
        self.end = self.allocated = end

    def finish(self) -> None:
        """Cut the zeros off, make it durable and close it."""
        try:
            self.truncate(self.end)
        finally:
            os.close(self.fd)


class JournalClosed(RuntimeError):
    """An append after `close()`: the write was not recorded (the stack is stopping)."""


def fsync_policy() -> str:
    policy = os.environ.get(FSYNC_ENV, DEFAULT_FSYNC).strip().lower()
    return policy if policy in FSYNC_POLICIES else DEFAULT_FSYNC


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
        for leftover in (*self.directory.glob(".dynamodb-*.json"), self.directory / SNAPSHOT_TMP):
            leftover.unlink(missing_ok=True)  # a save or a snapshot that died half-way
        self.snapshot_number = self._settle_snapshots()
        self._file = LiveFile(self.path, self._check())
        _fsync_dir(self.directory)  # the file's name is durable too
        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)
        self._pending: list[bytes] = []
        self._queued = 0  # records handed to append so far
        self._committed = 0  # records written (and fsynced, by policy)
        self._failed: BaseException | None = None
        self._closed = False
        self.appended = 0
        self.epoch = 0  # one more at every reset: a compaction begun before it writes nothing
        self._files_lock = threading.Lock()  # rotation, snapshots and reset, one at a time
        self._writing = False  # an appender is writing a batch (the leader; the others wait for it)
        self._writes = 0  # batches written, and flushed to the disk (policy async)
        self._flushed = 0
        self._flush_due = threading.Condition(self._lock)  # the flusher's own wake-up (appenders use _cond)
        self._flush_lock = threading.Lock()  # a flush never meets a file being closed
        self._flusher: threading.Thread | None = None
        if self.policy == "async":
            self._flusher = threading.Thread(target=self._flush_loop, name="journal-flusher", daemon=True)
            self._flusher.start()

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
            with open(self.path, "r+b") as journal:
                journal.seek(end)
                if journal.read(len(b"%08x " % 0)).strip(b"\0"):  # not just the zeros laid down ahead
                    log.warning("journal %s: cutting off a torn tail at byte %d", self.path, end)
                journal.truncate(end)
                journal.flush()
                os.fsync(journal.fileno())
        return end

    def _numbered(self, pattern: re.Pattern[str]) -> list[tuple[int, Path]]:
        found = []
        for path in self.directory.iterdir():
            match = pattern.match(path.name)
            if match:
                found.append((int(match[1]), path))
        return sorted(found)

    def _settle_snapshots(self) -> int:
        """The number of the newest snapshot (0: none); older snapshots and covered segments are removed."""
        snapshots = self._numbered(_SNAPSHOT)
        newest = snapshots[-1][0] if snapshots else 0
        stale = [path for number, path in snapshots[:-1]]
        stale += [path for number, path in self._numbered(_SEGMENT) if number <= newest]
        for path in stale:
            path.unlink(missing_ok=True)
        if stale:
            _fsync_dir(self.directory)
        return newest

    def segments(self) -> list[Path]:
        """The closed segments not yet in a snapshot, oldest first."""
        return [path for number, path in self._numbered(_SEGMENT) if number > self.snapshot_number]

    def snapshot(self) -> dict[str, Any] | None:
        """The newest snapshot's content (None without one)."""
        if not self.snapshot_number:
            return None
        path = self.directory / f"snapshot-{self.snapshot_number}.json"
        raw = path.read_bytes()
        head, _, text = raw.partition(b"\n")
        try:
            if int(head, 16) != zlib.crc32(text):
                raise ValueError("checksum")
            content = json.loads(text)
        except ValueError:
            from .state import StateFileError

            raise StateFileError(f"{path} is damaged; the stack does not start without the writes it holds") \
                from None
        return content if isinstance(content, dict) else {}

    def records(self, with_live: bool = True) -> Iterator[dict[str, Any]]:
        """Every record after the newest snapshot (closed segments, then the live journal), in commit order."""
        for segment in self.segments():
            yield from _segment_records(segment)
        if with_live:
            with open(self.path, "rb") as journal:
                for line in journal:
                    record = _parse(line)
                    if record is None:
                        return
                    yield record

    # ---- compaction's file steps ------------------------------------------------------------------------

    def rotate(self) -> int:
        """Close the live journal as segment n (every queued record committed first) and start an empty one;
        returns n. The caller holds every writer back meanwhile (journal_compaction.py)."""
        with self._files_lock, self._lock:
            while self._committed < self._queued and self._failed is None:
                self._cond.wait()
            if self._closed:
                raise JournalClosed("the stack is stopping")
            if self._failed is not None:
                raise OSError(f"the journal {self.path} could not be written: {self._failed}")
            numbers = [number for number, _ in self._numbered(_SEGMENT)]
            number = max([self.snapshot_number, *numbers]) + 1
            with self._flush_lock:
                self._file.finish()
                os.replace(self.path, self.directory / f"journal-{number}.done")
                self._file = LiveFile(self.path, 0)
            _fsync_dir(self.directory)  # both names durable before anything relies on them
            return number

    def write_snapshot(self, number: int, content: dict[str, Any], epoch: int) -> bool:
        """Make `content` snapshot `number` (it holds what segments up to `number` made); False when the
        journal was reset since `epoch` (nothing written)."""
        text = json.dumps(content, separators=(",", ":")).encode()
        tmp = self.directory / SNAPSHOT_TMP
        with open(tmp, "wb") as out:
            out.write(b"%08x\n" % zlib.crc32(text))
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        with self._files_lock:
            if epoch != self.epoch:
                tmp.unlink(missing_ok=True)
                return False
            os.replace(tmp, self.directory / f"snapshot-{number}.json")
            _fsync_dir(self.directory)  # the snapshot is durable before what it replaces goes
            self.snapshot_number = number
            self._settle_snapshots()
        return True

    def size(self) -> int:
        """Bytes of journal a start would replay record by record (closed segments and the live journal)."""
        total = self._file.end
        for path in self.segments():
            try:
                total += path.stat().st_size
            except OSError:
                pass
        return total

    # ---- writing ---------------------------------------------------------------------------------------

    def append(self, record: dict[str, Any]) -> None:
        """Write `record`; returns once it is committed (by the fsync policy). JournalClosed after close();
        OSError when the disk refused it.

        Group commit without a thread hand-off: the appender that finds no write under way writes every
        record queued so far itself (the leader); the ones arriving meanwhile wait, and the first of them
        still uncommitted when the leader is done writes the next batch."""
        line = _line(record)
        with self._lock:
            if self._closed:
                raise JournalClosed("the stack is stopping; the write was not recorded")
            self._pending.append(line)
            self._queued += 1
            ticket = self._queued
            while self._committed < ticket and self._failed is None and self._writing:
                self._cond.wait()
            if self._committed < ticket and self._failed is None:  # no write under way: lead one
                batch, self._pending = self._pending, []
                self._writing = True
            else:
                if self._committed < ticket:
                    raise OSError(f"the journal {self.path} could not be written: {self._failed}")
                self.appended += 1
                return
        self._write(batch)
        with self._lock:
            if self._failed is not None:
                raise OSError(f"the journal {self.path} could not be written: {self._failed}")
            self.appended += 1

    def _write(self, batch: list[bytes]) -> None:
        """The leader's write of `batch` (the records queued next, in order), then its commit."""
        try:
            self._file.write(b"".join(batch), sync=self.policy == "always")
        except OSError as error:
            log.exception("could not write the journal %s", self.path)
            with self._lock:
                self._failed = error
                self._writing = False
                self._cond.notify_all()
            return
        with self._lock:
            self._committed += len(batch)
            self._writes += 1
            self._writing = False
            self._cond.notify_all()
            self._flush_due.notify()

    def _flush_loop(self) -> None:
        """Policy async: flush what was written (and acknowledged) to the disk, as soon as there is any."""
        while True:
            with self._lock:
                while self._writes == self._flushed and not self._closed:
                    self._flush_due.wait()
                if self._writes == self._flushed:
                    return
                target, live = self._writes, self._file
            with self._flush_lock:
                if live is self._file:  # not closed meanwhile (a closed one was flushed when it was)
                    try:
                        _fdatasync(live.fd)
                    except OSError:
                        log.exception("could not flush the journal %s", self.path)
            with self._lock:
                self._flushed = target

    def reset(self) -> None:
        """Empty the journal (the stack was reset): nothing before this point is replayed."""
        with self._files_lock:
            with self._lock:
                while self._committed < self._queued and self._failed is None:
                    self._cond.wait()
                with self._flush_lock:
                    self._file.truncate(0)
                self.epoch += 1
            for path in self.directory.iterdir():  # snapshots and segments: all before the reset
                if _SEGMENT.match(path.name) or _SNAPSHOT.match(path.name):
                    path.unlink(missing_ok=True)
            self.snapshot_number = 0
        _fsync_dir(self.directory)

    def close(self) -> None:
        """Refuse further appends, let the ones queued commit (their leaders write them), then close."""
        with self._lock:
            self._closed = True
            self._cond.wait_for(lambda: self._committed >= self._queued or self._failed is not None, 10)
            self._flush_due.notify_all()
        if self._flusher is not None:
            self._flusher.join(10)
        with self._files_lock, self._flush_lock:  # a rotation under way finishes first
            try:
                self._file.finish()
            except OSError:
                pass
        _fsync_dir(self.directory)


def _segment_records(path: Path) -> Iterable[dict[str, Any]]:
    """A closed segment's records; any bad line is damage (a segment was whole when it was closed)."""
    with open(path, "rb") as segment:
        for line in segment:
            record = _parse(line)
            if record is None:
                from .state import StateFileError

                raise StateFileError(f"{path} is damaged; the stack does not start without the writes it holds")
            yield record


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
