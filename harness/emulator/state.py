"""The DynamoDB snapshot format of `--state` before the journal (journal.py): imported once, then left alone.

Older versions wrote every table of the default account (all regions) to `DIR/dynamodb.json` when the stack
stopped: its description (keys, attribute definitions, billing mode, secondary indexes, tags) and every item,
in DynamoDB's JSON (binary values base64). `restore` recreates them through the stack's own API (so the
journal records them); the stack calls it when the journal is empty, then renames the file
`dynamodb.json.imported`. A file this version cannot read stops the start (exit 2) and is left as it was.
`save`/`snapshot` still write the format (the stack no longer calls them: it journals each write instead).
Left out: other accounts than the credentials' default, streams, TTL settings, point-in-time recovery.
"""
from __future__ import annotations

import base64
import json
import logging
import os
import tempfile
from pathlib import Path
from typing import Any, Callable, Iterable

from ..errors import UsageError

log = logging.getLogger(__name__)

FILE_NAME = "dynamodb.json"
VERSION = 1
Client = Callable[[str], Any]  # region -> a boto3 DynamoDB client on the stack


class StateFileError(UsageError, ValueError):
    """The state file exists but cannot be read by this version (the stack refuses to start over it: exit 2)."""


def _to_json(value: Any) -> Any:
    """An AttributeValue from boto3's low-level client into JSON (bytes as base64 text)."""
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, dict):
        return {k: _to_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_to_json(v) for v in value]
    return value


def _from_json(value: Any, kind: str | None = None) -> Any:
    """The reverse of `_to_json`: `B` and `BS` members back to bytes."""
    if isinstance(value, dict):
        return {k: _from_json(v, k) for k, v in value.items()}
    if kind == "B" and isinstance(value, str):
        return base64.b64decode(value)
    if kind == "BS" and isinstance(value, list):
        return [base64.b64decode(v) for v in value]
    if isinstance(value, list):
        return [_from_json(v) for v in value]
    return value


def _index(index: dict[str, Any], provisioned: bool) -> dict[str, Any]:
    kept = {"IndexName": index["IndexName"], "KeySchema": index["KeySchema"], "Projection": index["Projection"]}
    throughput = index.get("ProvisionedThroughput")
    if provisioned and throughput:
        kept["ProvisionedThroughput"] = {k: throughput[k] for k in ("ReadCapacityUnits", "WriteCapacityUnits")}
    return kept


def describe(table: dict[str, Any], tags: list[dict[str, str]]) -> dict[str, Any]:
    """CreateTable's parameters for a DescribeTable answer (pure)."""
    provisioned = (table.get("BillingModeSummary") or {}).get("BillingMode", "PROVISIONED") == "PROVISIONED"
    params: dict[str, Any] = {
        "TableName": table["TableName"], "KeySchema": table["KeySchema"],
        "AttributeDefinitions": table["AttributeDefinitions"],
        "BillingMode": "PROVISIONED" if provisioned else "PAY_PER_REQUEST",
    }
    if provisioned:
        throughput = table.get("ProvisionedThroughput") or {}
        params["ProvisionedThroughput"] = {"ReadCapacityUnits": throughput.get("ReadCapacityUnits") or 1,
                                           "WriteCapacityUnits": throughput.get("WriteCapacityUnits") or 1}
    for field, kind in (("GlobalSecondaryIndexes", True), ("LocalSecondaryIndexes", False)):
        if table.get(field):
            params[field] = [_index(index, provisioned and kind) for index in table[field]]
    if tags:
        params["Tags"] = tags
    return params


def _items(client: Any, name: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    params: dict[str, Any] = {"TableName": name, "ConsistentRead": True}
    while True:
        page = client.scan(**params)
        items.extend(_to_json(item) for item in page.get("Items", []))
        if not page.get("LastEvaluatedKey"):
            return items
        params["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def snapshot(client_for: Client, regions: Iterable[str]) -> dict[str, Any]:
    """Every table of `regions`, described and with all its items."""
    saved: dict[str, list[dict[str, Any]]] = {}
    for region in sorted(set(regions)):
        client = client_for(region)
        tables = []
        for page in client.get_paginator("list_tables").paginate():
            for name in page["TableNames"]:
                table = client.describe_table(TableName=name)["Table"]
                tags = client.list_tags_of_resource(ResourceArn=table["TableArn"]).get("Tags", [])
                tables.append({"create": describe(table, tags), "items": _items(client, name)})
        if tables:
            saved[region] = tables
    return {"version": VERSION, "regions": saved}


def save(state_dir: str | Path, client_for: Client, regions: Iterable[str]) -> Path:
    """Write the snapshot to `state_dir/dynamodb.json` (atomically); returns the path."""
    directory = Path(state_dir)
    directory.mkdir(parents=True, exist_ok=True)
    data = snapshot(client_for, regions)
    fd, temporary = tempfile.mkstemp(prefix=".dynamodb-", suffix=".json", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(data, out)
        os.replace(temporary, directory / FILE_NAME)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    count = sum(len(t["items"]) for tables in data["regions"].values() for t in tables)
    log.info("saved %d tables, %d items to %s", sum(map(len, data["regions"].values())), count, directory)
    return directory / FILE_NAME


def restore(state_dir: str | Path, client_for: Client) -> int:
    """Recreate the saved tables and items; returns how many tables. No file: nothing to do. A file this
    version cannot read raises StateFileError (the stack does not start over a state it would lose)."""
    path = Path(state_dir) / FILE_NAME
    if not path.is_file():
        return 0
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise StateFileError(f"{path} is not a state file this harness can read: {exc}") from None
    if not isinstance(data, dict) or data.get("version") != VERSION or not isinstance(data.get("regions"), dict):
        raise StateFileError(f"{path} is not a state file this harness can read (version {VERSION} expected)")
    restored = 0
    for region, tables in data["regions"].items():
        client = client_for(region)
        for table in tables:
            client.create_table(**table["create"])
            name = table["create"]["TableName"]
            items = [_from_json(item) for item in table["items"]]
            for start in range(0, len(items), 25):
                request = {name: [{"PutRequest": {"Item": item}} for item in items[start:start + 25]]}
                while request:
                    request = client.batch_write_item(RequestItems=request).get("UnprocessedItems") or {}
            restored += 1
    log.info("restored %d tables from %s", restored, path)
    return restored
