"""The lost-write check: after the run, is every acknowledged write in the table, and nothing else?

From the samples (`ledger`): an item is EXPECTED when its POST answered 200 and no DELETE of it answered 200;
UNSURE when a POST or DELETE of it got no answer or a 5xx (the write may or may not have happened: an integration
timeout, a crash after the write). Then the tables are scanned (strongly consistent, every page) for the items
carrying this run's marker (`load_run` = run id), so a shared table with other data works. LOST: expected but
not found. PHANTOM: found but neither expected nor unsure (a write that answered 4xx, a delete that answered 200,
or an id this run never sent). `cleanup` deletes the run's items afterwards.
DynamoDB is reached through `Call`: (operation, params) -> result with plain JSON values (the document client),
so the replay engine's `AwsCaller` and a boto3 client both fit. Left out: checking the attribute values written
(an update's new text), items written without the marker (custom templates that bypass the POST body's `Item`).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping

from .engine import Sample
from ..replay import MARKER

log = logging.getLogger(__name__)

Call = Callable[[str, dict[str, Any]], Mapping[str, Any]]
Item = tuple[str, str]  # (table, key value)
SHOWN_IDS = 20  # ids listed in reports; the counts are always complete


@dataclass(frozen=True)
class Ledger:
    """What the answers say the tables must hold (each a set of (table, id))."""

    acknowledged: frozenset[Item] = frozenset()  # POST answered 200
    deleted: frozenset[Item] = frozenset()  # DELETE answered 200
    unsure: frozenset[Item] = frozenset()  # a POST or DELETE without a definite answer

    @property
    def expected(self) -> frozenset[Item]:
        return self.acknowledged - self.deleted - self.unsure

    @property
    def tables(self) -> tuple[str, ...]:
        return tuple(sorted({table for table, _ in self.acknowledged | self.deleted | self.unsure}))


def _unsure(status: int) -> bool:
    return status == 0 or status >= 500


def ledger(samples: Iterable[Sample], in_flight: Iterable[Item] = ()) -> Ledger:
    """The ledger of a run's samples (only samples that name an item count); `in_flight`: writes sent but never
    answered (an interrupted run that did not wait for them), unsure too."""
    acknowledged: set[Item] = set()
    deleted: set[Item] = set()
    unsure: set[Item] = set(in_flight)
    for sample in samples:
        if sample.item_id is None or sample.table is None:
            continue
        item = (sample.table, sample.item_id)
        if sample.kind == "post":
            if sample.status == 200:
                acknowledged.add(item)
            elif _unsure(sample.status):
                unsure.add(item)
        elif sample.kind == "delete":
            if sample.status == 200:
                deleted.add(item)
            elif _unsure(sample.status):
                unsure.add(item)
    return Ledger(frozenset(acknowledged), frozenset(deleted), frozenset(unsure))


@dataclass(frozen=True)
class Verification:
    """The outcome of the check, per (table, id)."""

    tables: tuple[str, ...]
    acknowledged: int
    deleted: int
    expected: int
    found: int
    unsure: int
    lost: tuple[Item, ...] = ()
    phantom: tuple[Item, ...] = ()
    error: str | None = None  # the check itself could not run (scan failed)

    @property
    def ok(self) -> bool:
        return not self.lost and not self.phantom and self.error is None

    def to_json(self) -> dict[str, Any]:
        return {"tables": list(self.tables), "acknowledged": self.acknowledged, "deleted": self.deleted,
                "expected": self.expected, "found": self.found, "unsure": self.unsure, "lost": len(self.lost),
                "phantom": len(self.phantom), "lost_ids": [i for _, i in self.lost[:SHOWN_IDS]],
                "phantom_ids": [i for _, i in self.phantom[:SHOWN_IDS]], "error": self.error, "ok": self.ok}


def compare(book: Ledger, found: Iterable[Item]) -> Verification:
    """Lost and phantom items of `book` given the items `found` with the run's marker (pure)."""
    present = frozenset(found)
    expected = book.expected
    lost = tuple(sorted(expected - present))
    phantom = tuple(sorted(present - expected - book.unsure))
    tables = tuple(sorted(set(book.tables) | {table for table, _ in present}))
    return Verification(tables, len(book.acknowledged), len(book.deleted), len(expected), len(present),
                        len(book.unsure), lost, phantom)


def key_name(call: Call, table: str) -> str:
    """The table's hash key attribute (DescribeTable)."""
    schema = call("DescribeTable", {"TableName": table})["Table"]["KeySchema"]
    return next(k["AttributeName"] for k in schema if k["KeyType"] == "HASH")


def scan_marked(call: Call, table: str, key: str, run_id: str) -> set[Item]:
    """Every item of `table` whose marker is `run_id` (all pages, strongly consistent reads)."""
    params: dict[str, Any] = {
        "TableName": table, "ConsistentRead": True, "FilterExpression": "#m = :r", "ProjectionExpression": "#k",
        "ExpressionAttributeNames": {"#m": MARKER, "#k": key}, "ExpressionAttributeValues": {":r": run_id},
    }
    found: set[Item] = set()
    pages = 0
    while True:
        page = call("Scan", params)
        pages += 1
        found.update((table, str(item[key])) for item in page.get("Items", []) if key in item)
        last = page.get("LastEvaluatedKey")
        if not last:
            break
        params = {**params, "ExclusiveStartKey": last}
    log.debug("scanned %s: %d items of run %s in %d pages", table, len(found), run_id, pages)
    return found


def verify(call: Call, samples: Iterable[Sample], run_id: str, key_of: Callable[[str], str],
           tables: Iterable[str] = (), in_flight: Iterable[Item] = ()) -> tuple[Verification, set[Item]]:
    """Check the run's writes; also returns the items found (for `cleanup`). A failing scan is reported in
    `Verification.error`, never raised."""
    book = ledger(samples, in_flight)
    found: set[Item] = set()
    try:
        for table in sorted(set(book.tables) | set(tables)):
            found |= scan_marked(call, table, key_of(table), run_id)
    except Exception as exc:
        log.warning("load: the lost-write check failed: %s", exc)
        result = compare(book, found)
        return Verification(result.tables, result.acknowledged, result.deleted, result.expected, 0, result.unsure,
                            error=f"scan failed: {type(exc).__name__}: {exc}"), found
    return compare(book, found), found


def cleanup(call: Call, items: Iterable[Item], key_of: Callable[[str], str]) -> int:
    """Delete `items` (BatchWriteItem, 25 at a time, unprocessed ones retried); returns how many were sent."""
    by_table: dict[str, list[str]] = {}
    for table, item_id in items:
        by_table.setdefault(table, []).append(item_id)
    sent = 0
    for table, ids in by_table.items():
        key = key_of(table)
        for start in range(0, len(ids), 25):
            requests = {table: [{"DeleteRequest": {"Key": {key: i}}} for i in ids[start:start + 25]]}
            for _ in range(10):
                unprocessed = call("BatchWriteItem", {"RequestItems": requests}).get("UnprocessedItems") or {}
                if not unprocessed:
                    break
                requests = dict(unprocessed)
            sent += len(ids[start:start + 25])
    return sent
