"""The lost-write check: what the answers promise (ledger), what the table holds (scan), and the difference."""
from __future__ import annotations

from typing import Any

import pytest

from harness.load.engine import Sample
from harness.load.verify import Ledger, cleanup, compare, key_name, ledger, scan_marked, verify


def s(kind: str, item: str | None, status: int = 200, table: str = "t") -> Sample:
    return Sample(0.0, 1.0, status, kind, 0, table if item else None, item)


def test_the_ledger_reads_the_answers():
    book = ledger([
        s("post", "a"), s("post", "b"), s("post", "c"),  # acknowledged
        s("post", "d", 400),  # refused: must not be there
        s("post", "e", 0), s("post", "f", 504),  # no definite answer: unsure
        s("delete", "b"),  # deleted
        s("delete", "c", 502),  # unsure whether it is gone
        s("put", "a"), s("get", None), s("delete", "a", 400),  # changes nothing
    ])
    assert book.acknowledged == {("t", "a"), ("t", "b"), ("t", "c")}
    assert book.deleted == {("t", "b")}
    assert book.unsure == {("t", "c"), ("t", "e"), ("t", "f")}
    assert book.expected == {("t", "a")}
    assert book.tables == ("t",)


def test_lost_and_phantom_writes():
    book = Ledger(acknowledged=frozenset({("t", "a"), ("t", "b"), ("t", "c")}), deleted=frozenset({("t", "c")}),
                  unsure=frozenset({("t", "u")}))
    result = compare(book, {("t", "a"), ("t", "c"), ("t", "u"), ("t", "x")})
    assert result.lost == (("t", "b"),)  # answered 200, not there
    assert result.phantom == (("t", "c"), ("t", "x"))  # deleted with 200 but still there; never acknowledged
    assert (result.acknowledged, result.deleted, result.expected, result.found, result.unsure) == (3, 1, 2, 4, 1)
    assert not result.ok
    assert result.to_json()["lost_ids"] == ["b"] and result.to_json()["phantom"] == 2


def test_an_unsure_write_is_fine_either_way():
    book = Ledger(unsure=frozenset({("t", "u"), ("t", "v")}))
    assert compare(book, {("t", "u")}).ok


def test_everything_in_place():
    book = ledger([s("post", str(i)) for i in range(5)])
    result = compare(book, {("t", str(i)) for i in range(5)})
    assert result.ok and result.lost == () and result.phantom == () and result.found == 5


class Pages:
    """A DynamoDB Scan answering fixed pages; records the params of every call."""

    def __init__(self, pages: list[list[str]]) -> None:
        self.pages = pages
        self.params: list[dict[str, Any]] = []

    def __call__(self, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        assert operation == "Scan"
        self.params.append(params)
        index = len(self.params) - 1
        page: dict[str, Any] = {"Items": [{"id": i} for i in self.pages[index]]}
        if index + 1 < len(self.pages):
            page["LastEvaluatedKey"] = {"id": f"after-{index}"}
        return page


def test_the_scan_reads_every_page_consistently_and_filters_on_the_run_marker():
    scan = Pages([["a", "b"], [], ["c"]])
    assert scan_marked(scan, "t", "id", "run-1") == {("t", "a"), ("t", "b"), ("t", "c")}
    first, second, third = scan.params
    assert first["ConsistentRead"] is True and "ExclusiveStartKey" not in first
    assert first["FilterExpression"] == "#m = :r"
    assert first["ExpressionAttributeNames"] == {"#m": "load_run", "#k": "id"}
    assert first["ExpressionAttributeValues"] == {":r": "run-1"}
    assert second["ExclusiveStartKey"] == {"id": "after-0"} and third["ExclusiveStartKey"] == {"id": "after-1"}


def test_a_failing_scan_is_reported_not_raised():
    def broken(operation: str, params: dict[str, Any]) -> dict[str, Any]:
        raise ConnectionError("endpoint gone")

    result, found = verify(broken, [s("post", "a")], "run-1", key_of=lambda table: "id")
    assert not result.ok and found == set()
    assert result.error == "scan failed: ConnectionError: endpoint gone"
    assert result.acknowledged == 1 and result.lost == ()


def test_verify_scans_the_tables_of_the_run_and_the_ones_named():
    scanned: list[str] = []

    def call(operation: str, params: dict[str, Any]) -> dict[str, Any]:
        scanned.append(params["TableName"])
        return {"Items": [{"id": "a"}] if params["TableName"] == "t" else []}

    result, found = verify(call, [s("post", "a"), s("post", "b", table="u")], "r", lambda t: "id", tables=["v"])
    assert scanned == ["t", "u", "v"]
    assert found == {("t", "a")} and result.lost == (("u", "b"),)


def test_key_name_reads_the_hash_key():
    def call(operation: str, params: dict[str, Any]) -> dict[str, Any]:
        return {"Table": {"KeySchema": [{"AttributeName": "sk", "KeyType": "RANGE"},
                                        {"AttributeName": "pk", "KeyType": "HASH"}]}}

    assert key_name(call, "t") == "pk"


@pytest.mark.parametrize("count, batches", [(0, 0), (25, 1), (26, 2), (60, 3)])
def test_cleanup_deletes_in_batches_of_25(count, batches):
    sent: list[dict[str, Any]] = []

    def call(operation: str, params: dict[str, Any]) -> dict[str, Any]:
        assert operation == "BatchWriteItem"
        sent.append(params["RequestItems"])
        return {}

    assert cleanup(call, [("t", str(i)) for i in range(count)], lambda t: "id") == count
    assert len(sent) == batches
    assert all(len(batch["t"]) <= 25 for batch in sent)
    if count:
        assert sent[0]["t"][0] == {"DeleteRequest": {"Key": {"id": "0"}}}


def test_cleanup_retries_unprocessed_items():
    answers = [{"UnprocessedItems": {"t": [{"DeleteRequest": {"Key": {"id": "1"}}}]}}, {"UnprocessedItems": {}}]
    sent: list[dict[str, Any]] = []

    def call(operation: str, params: dict[str, Any]) -> dict[str, Any]:
        sent.append(params["RequestItems"])
        return answers[len(sent) - 1]

    cleanup(call, [("t", "0"), ("t", "1")], lambda t: "id")
    assert sent[1] == {"t": [{"DeleteRequest": {"Key": {"id": "1"}}}]}


def test_writes_still_in_flight_are_unsure():
    book = ledger([s("post", "a")], in_flight=[("t", "b")])
    assert book.unsure == {("t", "b")} and compare(book, {("t", "a"), ("t", "b")}).ok
