"""DynamoDB's successful answers where moto's differ: what is sent only when asked, what DynamoDB leaves out.

`fixed_answer(operation, request, raw, table_of)` gives the corrected answer (a JSON object) or None when moto's
stands: `ConsumedCapacity` only when `ReturnConsumedCapacity` asks (and 1 unit for a small UpdateItem, as for
PutItem), `ItemCollectionMetrics` only when `ReturnItemCollectionMetrics` asks, no empty index lists in table
descriptions, a `LastEvaluatedKey` when a Query or Scan stops at its Limit even if nothing is left (DynamoDB does
not look ahead), TransactGetItems' `ProjectionExpression` applied. Pure (no moto).
Left out: capacity figures beyond a small item's (moto's are kept), ItemCollectionMetrics' contents.
"""
from __future__ import annotations

import json
import re
from typing import Any, Callable

_PART = re.compile(r"\[(\d+)\]")


def _projected(item: dict[str, Any], projection: str, names: dict[str, str]) -> dict[str, Any]:
    """`item` with only the document paths `projection` names (maps and list elements kept as nested)."""
    out: dict[str, Any] = {}
    for path in (p.strip() for p in projection.split(",")):
        steps: list[str | int] = []
        for part in path.split("."):
            head = part.split("[", 1)[0]
            steps.append(names.get(head, head))
            steps.extend(int(i) for i in _PART.findall(part))
        _copy_path(item, out, steps)
    return out


def _copy_path(source: dict[str, Any], target: dict[str, Any], steps: list[str | int]) -> None:
    first = steps[0]
    if not isinstance(first, str) or first not in source:
        return
    value, into, key = source[first], target, first
    if len(steps) == 1:
        target[first] = value
        return
    node, out = value, target.setdefault(first, {"M": {}} if isinstance(steps[1], str) else {"L": []})
    for step, following in zip(steps[1:], [*steps[2:], None]):
        if isinstance(step, str):
            inner = node.get("M") if isinstance(node, dict) else None
            if not isinstance(inner, dict) or step not in inner:
                break
            child = inner[step]
            bucket = out.setdefault("M", {})
            if following is None:
                bucket[step] = child
                break
            out = bucket.setdefault(step, {"M": {}} if isinstance(following, str) else {"L": []})
        else:
            inner = node.get("L") if isinstance(node, dict) else None
            if not isinstance(inner, list) or step >= len(inner):
                break
            child = inner[step]
            bucket = out.setdefault("L", [])
            if following is None:
                bucket.append(child)
                break
            out = {"M": {}} if isinstance(following, str) else {"L": []}
            bucket.append(out)
        node = child
    del into, key
    if target.get(first) in ({"M": {}}, {"L": []}) and not isinstance(value, dict):
        del target[first]


def fixed_answer(operation: str, request: dict[str, Any], raw: bytes,
                 table_of: Callable[[str], Any]) -> dict[str, Any] | None:
    """The corrected answer, or None when moto's answer stands (see the module's docstring)."""
    try:
        answer = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(answer, dict):
        return None
    changed = False
    if request.get("ReturnConsumedCapacity", "NONE") in ("NONE", None) and "ConsumedCapacity" in answer:
        del answer["ConsumedCapacity"]
        changed = True
    elif operation == "UpdateItem" and isinstance(answer.get("ConsumedCapacity"), dict):
        answer["ConsumedCapacity"]["CapacityUnits"] = 1.0
        changed = True
    elif operation in ("Query", "Scan") and isinstance(answer.get("ConsumedCapacity"), dict):
        answer["ConsumedCapacity"]["CapacityUnits"] = 1.0 if request.get("ConsistentRead") is True else 0.5
        changed = True
    if request.get("ReturnItemCollectionMetrics", "NONE") in ("NONE", None) and "ItemCollectionMetrics" in answer:
        del answer["ItemCollectionMetrics"]
        changed = True
    for key in ("Table", "TableDescription"):
        description = answer.get(key)
        if isinstance(description, dict):
            _describe_as_dynamodb(description)
            changed = True
    if operation in ("Query", "Scan") and _stopped_at_limit(request, answer):
        table = table_of(request["TableName"]) if isinstance(request.get("TableName"), str) else None
        last = answer["Items"][-1]
        if table is not None and all(name in last for name, _ in table.keys):
            answer["LastEvaluatedKey"] = {name: last[name] for name, _ in table.keys}
            changed = True
    if operation == "TransactGetItems" and isinstance(answer.get("Responses"), list):
        for entry, response in zip(request.get("TransactItems") or [], answer["Responses"]):
            get = entry.get("Get") if isinstance(entry, dict) else None
            projection = get.get("ProjectionExpression") if isinstance(get, dict) else None
            if isinstance(projection, str) and isinstance(response, dict) and isinstance(response.get("Item"), dict):
                response["Item"] = _projected(response["Item"], projection, get.get("ExpressionAttributeNames") or {})
                changed = True
    return answer if changed else None


def _describe_as_dynamodb(description: dict[str, Any]) -> None:
    """A table description as DynamoDB gives it: no empty index lists, each index's ARN, the time on-demand
    billing was set (the table's creation: the emulator has no UpdateTable billing history), NumberOfDecreasesToday
    in every ProvisionedThroughput."""
    for lists in ("LocalSecondaryIndexes", "GlobalSecondaryIndexes", "Replicas"):
        if description.get(lists) == []:
            del description[lists]
    billing = description.get("BillingModeSummary")
    on_demand = isinstance(billing, dict) and billing.get("BillingMode") == "PAY_PER_REQUEST"
    if on_demand and "LastUpdateToPayPerRequestDateTime" not in billing and "CreationDateTime" in description:
        billing["LastUpdateToPayPerRequestDateTime"] = description["CreationDateTime"]
    if isinstance(description.get("ProvisionedThroughput"), dict):
        description["ProvisionedThroughput"].setdefault("NumberOfDecreasesToday", 0)
    arn = description.get("TableArn")
    for lists in ("LocalSecondaryIndexes", "GlobalSecondaryIndexes"):
        for index in description.get(lists) or []:
            if isinstance(index, dict):
                if isinstance(arn, str) and "IndexArn" not in index and isinstance(index.get("IndexName"), str):
                    index["IndexArn"] = f"{arn}/index/{index['IndexName']}"
                if isinstance(index.get("ProvisionedThroughput"), dict):
                    index["ProvisionedThroughput"].setdefault("NumberOfDecreasesToday", 0)


def _stopped_at_limit(request: dict[str, Any], answer: dict[str, Any]) -> bool:
    limit = request.get("Limit")
    return (isinstance(limit, int) and "LastEvaluatedKey" not in answer and not request.get("IndexName")
            and not request.get("FilterExpression") and request.get("Select") != "COUNT"
            and isinstance(answer.get("Items"), list) and len(answer["Items"]) == limit > 0
            and not request.get("ProjectionExpression"))
