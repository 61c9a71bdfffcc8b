"""Every DynamoDB item moto holds, out and back in: what a `--state` snapshot keeps of DynamoDB's items.

`dump_items()` lists each table's items (every account and region) in DynamoDB's JSON, as GetItem answers
them (binary values stay the base64 text moto keeps); `load_items(tables)` puts them back into the tables of
the same names, which must exist by then (a snapshot's replay makes them first). Items go straight into
moto's tables (no condition, no request): they were valid when they were written. Left out: DynamoDB Local
(its items are not moto's), backups' contents.
"""
from __future__ import annotations

import logging
from typing import Any, Iterable

log = logging.getLogger(__name__)


def dump_items() -> list[dict[str, Any]]:
    """[{account, region, table, items: [item, ...]}] for every table holding items."""
    from moto.dynamodb.models import dynamodb_backends

    out = []
    for account_id, regions in list(dynamodb_backends.items()):
        for region, backend in list(regions.items()):
            for name, table in list(backend.tables.items()):
                items = [item.to_json()["Attributes"] for item in table.all_items()]
                if items:
                    out.append({"account": account_id, "region": region, "table": name, "items": items})
    return out


def load_items(tables: Iterable[dict[str, Any]]) -> tuple[int, int]:
    """Put every item back; (items put, items whose table is missing)."""
    from moto.dynamodb.models import dynamodb_backends

    put = missing = 0
    for entry in tables:
        items = entry.get("items") or []
        table = dynamodb_backends[entry["account"]][entry["region"]].tables.get(entry["table"])
        if table is None:
            log.warning("snapshot: table %s (%s, %s) is missing; %d items not restored", entry["table"],
                        entry["account"], entry["region"], len(items))
            missing += len(items)
            continue
        for attributes in items:
            table.put_item(attributes, overwrite=True)
            put += 1
    return put, missing
