"""The journal's group commit (journal.py): the appending threads write it themselves, one leader at a time,
every record once and in each thread's order, each `append` returning only once its record is in the file; a
failed write fails every append waiting on it; `close` lets the queued appends commit."""
from __future__ import annotations

import threading
import time

import pytest

from harness.emulator import journal as journal_module
from harness.emulator.journal import FILE_NAME, Journal, JournalClosed

THREADS = 8
EACH = 60


def _in_file(directory, record) -> bool:
    data = (directory / FILE_NAME).read_bytes()
    return f'"t":{record["t"]},"n":{record["n"]}}}'.encode() in data


@pytest.mark.parametrize("policy", ["async", "always", "never"])
def test_concurrent_appends_are_each_written_once_in_order_before_append_returns(tmp_path, policy, monkeypatch):
    journal = Journal(tmp_path, policy)
    real_write = journal_module.LiveFile.write
    batches: list[int] = []

    def slow_write(self, data: bytes, sync: bool) -> None:  # a slow disk: appends pile up behind a write
        batches.append(data.count(b"\n"))
        time.sleep(0.002)
        real_write(self, data, sync)

    monkeypatch.setattr(journal_module.LiveFile, "write", slow_write)
    late: list[dict] = []

    def appender(t: int) -> None:
        for n in range(EACH):
            record = {"t": t, "n": n}
            journal.append(record)
            if not _in_file(tmp_path, record):
                late.append(record)

    threads = [threading.Thread(target=appender, args=(t,)) for t in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    journal.close()
    assert not late, f"append returned before its record was written: {late[:3]}"
    records = list(Journal(tmp_path, policy).records())
    assert len(records) == THREADS * EACH == sum(batches)
    for t in range(THREADS):
        assert [r["n"] for r in records if r["t"] == t] == list(range(EACH))
    assert len(batches) < THREADS * EACH  # grouped: some writes carried several records
    assert journal.appended == THREADS * EACH


def test_a_failed_write_fails_every_append_waiting_on_it_and_the_next_ones(tmp_path, monkeypatch):
    journal = Journal(tmp_path, "never")
    entered = threading.Event()

    def failing_write(self, data: bytes, sync: bool) -> None:
        entered.set()
        time.sleep(0.05)  # the others queue up meanwhile
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(journal_module.LiveFile, "write", failing_write)
    errors: list[BaseException] = []

    def appender(n: int) -> None:
        try:
            journal.append({"n": n})
        except BaseException as error:  # noqa: BLE001 - collected for the assertion
            errors.append(error)

    first = threading.Thread(target=appender, args=(0,))
    first.start()
    entered.wait(5)
    rest = [threading.Thread(target=appender, args=(n,)) for n in range(1, 6)]
    for thread in rest:
        thread.start()
    for thread in (first, *rest):
        thread.join(10)
        assert not thread.is_alive()
    assert len(errors) == 6 and all(isinstance(e, OSError) and "No space left" in str(e) for e in errors)
    with pytest.raises(OSError):
        journal.append({"n": 99})
    journal.close()


def test_close_lets_queued_appends_commit_then_refuses(tmp_path, monkeypatch):
    journal = Journal(tmp_path, "async")
    real_write = journal_module.LiveFile.write
    writing = threading.Event()

    def slow_write(self, data: bytes, sync: bool) -> None:
        writing.set()
        time.sleep(0.05)
        real_write(self, data, sync)

    monkeypatch.setattr(journal_module.LiveFile, "write", slow_write)
    threads = [threading.Thread(target=journal.append, args=({"n": n},)) for n in range(4)]
    threads[0].start()
    writing.wait(5)
    for thread in threads[1:]:
        thread.start()
    deadline = time.monotonic() + 5
    while journal._queued < 4 and time.monotonic() < deadline:  # all four queued behind the first write
        time.sleep(0.001)
    journal.close()
    for thread in threads:
        thread.join(5)
    with pytest.raises(JournalClosed):
        journal.append({"n": 9})
    assert sorted(r["n"] for r in Journal(tmp_path, "async").records()) == [0, 1, 2, 3]
