"""`--state`'s journal compaction (journal.py's files, journal_compaction.py's steps): what a start replays
after a compaction and after a kill at each of its steps, the write gate, which records fold into items."""
from __future__ import annotations

import threading
import time

import pytest

from harness.emulator.journal import SNAPSHOT_TMP, Journal
from harness.emulator.journal_compaction import Compactor, WriteGate, is_item_write
from harness.emulator.state import StateFileError


def _record(n: int, target: str = "DynamoDB_20120810.PutItem") -> dict:
    return {"m": "POST", "u": "/", "h": [["X-Amz-Target", target]], "b": str(n), "ids": []}


def _control(n: int) -> dict:
    return {"m": "POST", "u": f"/2015-03-31/functions/{n}", "h": [["Content-Type", "application/json"]], "b": "",
            "ids": []}


ITEMS = [{"account": "123456789012", "region": "us-east-1", "table": "t", "items": [{"id": {"S": "a"}}]}]


def _journal(tmp_path) -> Journal:
    return Journal(tmp_path, policy="never")


def _compactor(journal: Journal, items=ITEMS) -> Compactor:
    return Compactor(journal, WriteGate(), lambda: items, limit=1)


def _bodies(journal: Journal) -> list[str]:
    return [record["b"] for record in journal.records()]


def test_item_writes_fold_into_items_and_other_writes_stay_in_order(tmp_path):
    journal = _journal(tmp_path)
    for record in (_control(1), _record(1), _control(2), _record(2)):
        journal.append(record)
    assert _compactor(journal).compact()
    journal.append(_record(3))
    journal.append(_control(3))
    journal.close()

    again = _journal(tmp_path)
    snapshot = again.snapshot()
    assert snapshot is not None
    assert [r["u"] for r in snapshot["writes"]] == ["/2015-03-31/functions/1", "/2015-03-31/functions/2"]
    assert snapshot["items"] == ITEMS
    assert _bodies(again) == ["3", ""]  # only what came after the snapshot
    assert sorted(p.name for p in tmp_path.iterdir()) == ["journal.log", "snapshot-1.json"]

    assert _compactor(again, items=[]).compact()  # a second snapshot keeps the first one's other writes
    again.close()
    third = _journal(tmp_path)
    assert [r["u"] for r in third.snapshot()["writes"]] == [f"/2015-03-31/functions/{n}" for n in (1, 2, 3)]
    assert third.snapshot()["items"] == [] and _bodies(third) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["journal.log", "snapshot-2.json"]
    third.close()


def test_a_kill_after_the_rotation_replays_the_closed_segment(tmp_path):
    journal = _journal(tmp_path)
    journal.append(_record(1))
    journal.rotate()  # killed here: no snapshot yet
    journal.append(_record(2))
    after = _journal(tmp_path)  # what the next start finds
    assert after.snapshot() is None and _bodies(after) == ["1", "2"]
    assert (tmp_path / "journal-1.done").exists()
    assert _compactor(after).compact()  # the next compaction covers both segments
    assert _bodies(after) == [] and after.snapshot()["items"] == ITEMS
    assert not list(tmp_path.glob("journal-*.done"))


def test_a_kill_while_the_snapshot_is_written_leaves_a_temporary_file_that_the_start_removes(tmp_path):
    journal = _journal(tmp_path)
    journal.append(_record(1))
    journal.rotate()
    (tmp_path / SNAPSHOT_TMP).write_bytes(b"0000 {\"version\": 1, \"wri")  # killed mid-write
    after = _journal(tmp_path)
    assert not (tmp_path / SNAPSHOT_TMP).exists()
    assert after.snapshot() is None and _bodies(after) == ["1"]


def test_a_kill_after_the_snapshot_before_the_clean_up_replays_the_snapshot_once(tmp_path):
    journal = _journal(tmp_path)
    journal.append(_record(1))
    number = journal.rotate()
    segment = (tmp_path / f"journal-{number}.done").read_bytes()
    assert _compactor(journal).compact()
    (tmp_path / f"journal-{number}.done").write_bytes(segment)  # as if killed before it was removed
    (tmp_path / "snapshot-1.json").write_bytes((tmp_path / "snapshot-2.json").read_bytes())  # an older one too
    after = _journal(tmp_path)
    assert after.snapshot_number == 2 and after.snapshot()["items"] == ITEMS
    assert _bodies(after) == []  # the covered segment is not replayed again
    assert sorted(p.name for p in tmp_path.iterdir()) == ["journal.log", "snapshot-2.json"]


def test_a_damaged_snapshot_or_segment_stops_the_start(tmp_path):
    journal = _journal(tmp_path)
    journal.append(_record(1))
    assert _compactor(journal).compact()
    journal.close()
    path = tmp_path / "snapshot-1.json"
    path.write_bytes(path.read_bytes()[:-3] + b"xx}")
    with pytest.raises(StateFileError, match="damaged"):
        _journal(tmp_path).snapshot()
    path.unlink()
    (tmp_path / "journal-2.done").write_bytes(b"not a record\n")
    with pytest.raises(StateFileError, match="damaged"):
        list(_journal(tmp_path).records())


def test_a_reset_drops_snapshots_and_a_compaction_under_way_writes_nothing(tmp_path):
    journal = _journal(tmp_path)
    journal.append(_record(1))
    assert _compactor(journal).compact()
    journal.append(_record(2))
    epoch = journal.epoch
    number = journal.rotate()
    journal.reset()
    assert not journal.write_snapshot(number, {"writes": [], "items": ITEMS}, epoch)
    assert journal.snapshot() is None and _bodies(journal) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["journal.log"]


def test_the_gate_waits_for_writes_inside_and_gives_up_in_time():
    gate = WriteGate()
    gate.enter()
    assert not gate.close(0.05)  # a write inside: not closed, and open again
    gate.enter()
    gate.leave()
    entered = threading.Event()

    def later_write() -> None:
        gate.enter()
        entered.set()
        gate.leave()

    closer = threading.Thread(target=lambda: gate.leave() if time.sleep(0.05) is None else None)
    closer.start()
    assert gate.close(5)  # once the write inside leaves
    writer = threading.Thread(target=later_write)
    writer.start()
    assert not entered.wait(0.1)  # held back while closed
    gate.open()
    assert entered.wait(5)
    closer.join()
    writer.join()


def test_which_records_are_item_writes():
    assert is_item_write(_record(1, "DynamoDB_20120810.UpdateItem"))
    assert is_item_write(_record(1, "DynamoDB_20120810.BatchWriteItem"))
    assert not is_item_write(_record(1, "DynamoDB_20120810.CreateTable"))
    assert not is_item_write(_record(1, "DynamoDB_20120810.DeleteTable"))
    assert not is_item_write(_record(1, "AWSCognitoIdentityProviderService.PutItem"))
    assert not is_item_write(_control(1))


def test_the_live_file_is_written_into_zeros_laid_ahead_and_a_kill_leaves_only_zeros_to_cut(tmp_path, caplog):
    from harness.emulator.journal import PREALLOCATE

    journal = Journal(tmp_path, policy="always")
    journal.append(_record(1))
    size = (tmp_path / "journal.log").stat().st_size
    journal.append(_record(2))
    assert size == (tmp_path / "journal.log").stat().st_size == PREALLOCATE  # no size change per commit
    assert journal.size() < 1000  # the records, not the zeros
    # killed here: the next start finds the records, then zeros (no torn record)
    after = _journal(tmp_path)
    assert _bodies(after) == ["1", "2"]
    assert "torn" not in caplog.text
    after.close()
    assert (tmp_path / "journal.log").stat().st_size < 1000  # a clean close leaves no zeros
    journal.close()


def test_the_async_policy_answers_before_its_flush_and_flushes_everything_written(tmp_path, monkeypatch):
    from harness.emulator import journal as journal_module

    flushed = threading.Event()
    release = threading.Event()

    def slow_flush(fd: int) -> None:
        release.wait(5)  # a disk flush that takes its time
        flushed.set()

    monkeypatch.setattr(journal_module, "_fdatasync", slow_flush)
    journal = Journal(tmp_path, policy="async")
    journal.append(_record(1))  # returns while the flush waits
    assert not flushed.is_set()
    assert _bodies(_journal(tmp_path)) == ["1"]  # written to the OS: another reader (a restart) has it
    release.set()
    assert flushed.wait(5)
    journal.close()
