"""The differential suite's requests: each is sent to DynamoDB Local and to the embedded stack (see twin.py).

A `Case` names a boto3 operation and its parameters (`{T}`, `{R}`, `{B}`: the session's tables, see
`Twin`), set-up calls made alike on both first, and how successes are compared: `exact` (the whole response
once made comparable), `unordered` (the items as a set: the order of a Scan is the implementation's own),
`count` (Count, ScannedCount and whether a LastEvaluatedKey came back: which items a limited Scan meets
first is the implementation's own). Errors are always compared whole: status, code and message.
Every key an item-writing case uses is its own, so the cases can run in any order.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Case:
    id: str
    operation: str
    params: dict[str, Any]
    setup: tuple[tuple[str, dict[str, Any]], ...] = ()
    compare: str = "exact"
    marks: tuple[Any, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class AwsAnswer:
    """Where DynamoDB Local answers otherwise than AWS: AWS's answer, pinned, and where it is recorded
    (docs/differences.md lists each)."""

    status: int
    code: str
    message: str
    source: str


def S(text: str) -> dict[str, str]:
    return {"S": text}


def N(text: str | int) -> dict[str, str]:
    return {"N": str(text)}


def put(table: str, item: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    return ("put_item", {"TableName": table, "Item": item})


HASH = [{"AttributeName": "pk", "KeyType": "HASH"}]
HASH_DEF = [{"AttributeName": "pk", "AttributeType": "S"}]
PPR = {"BillingMode": "PAY_PER_REQUEST"}
R_KEY = {"pk": S("p1"), "sk": N(1)}

TABLE_ADMIN = [
    Case("create-no-key-schema", "create_table", {"TableName": "{T}x-nokeys", "AttributeDefinitions": HASH_DEF, **PPR}),
    Case("create-empty-key-schema", "create_table", {"TableName": "{T}x-empty", "KeySchema": [],
                                                     "AttributeDefinitions": HASH_DEF, **PPR}),
    Case("create-two-hash-keys", "create_table", {
        "TableName": "{T}x-2h", **PPR,
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "b", "KeyType": "HASH"}],
        "AttributeDefinitions": [*HASH_DEF, {"AttributeName": "b", "AttributeType": "S"}]}),
    Case("create-range-first", "create_table", {
        "TableName": "{T}x-rf", **PPR,
        "KeySchema": [{"AttributeName": "b", "KeyType": "RANGE"}, {"AttributeName": "pk", "KeyType": "HASH"}],
        "AttributeDefinitions": [*HASH_DEF, {"AttributeName": "b", "AttributeType": "S"}]}),
    Case("create-undefined-key-attribute", "create_table", {
        "TableName": "{T}x-undef", **PPR, "KeySchema": HASH,
        "AttributeDefinitions": [{"AttributeName": "other", "AttributeType": "S"}]}),
    Case("create-extra-attribute-definition", "create_table", {
        "TableName": "{T}x-extra", **PPR, "KeySchema": HASH,
        "AttributeDefinitions": [*HASH_DEF, {"AttributeName": "other", "AttributeType": "S"}]}),
    Case("create-bad-attribute-type", "create_table", {
        "TableName": "{T}x-badtype", **PPR, "KeySchema": HASH,
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "X"}]}),
    Case("create-provisioned-without-throughput", "create_table", {
        "TableName": "{T}x-prov", "KeySchema": HASH, "AttributeDefinitions": HASH_DEF}),
    Case("create-on-demand-with-throughput", "create_table", {
        "TableName": "{T}x-odt", **PPR, "KeySchema": HASH, "AttributeDefinitions": HASH_DEF,
        "ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1}}),
    Case("create-existing", "create_table", {"TableName": "{T}", **PPR, "KeySchema": HASH,
                                             "AttributeDefinitions": HASH_DEF}),
    Case("create-name-too-short", "create_table", {"TableName": "ab", **PPR, "KeySchema": HASH,
                                                   "AttributeDefinitions": HASH_DEF}),
    Case("create-name-bad-characters", "create_table", {"TableName": "a b/c", **PPR, "KeySchema": HASH,
                                                        "AttributeDefinitions": HASH_DEF}),
    Case("create-lsi-other-hash-key", "create_table", {
        "TableName": "{T}x-lsi", **PPR,
        "KeySchema": [*HASH, {"AttributeName": "sk", "KeyType": "RANGE"}],
        "AttributeDefinitions": [*HASH_DEF, {"AttributeName": "sk", "AttributeType": "S"},
                                 {"AttributeName": "o", "AttributeType": "S"}],
        "LocalSecondaryIndexes": [{"IndexName": "bad", "Projection": {"ProjectionType": "ALL"},
                                   "KeySchema": [{"AttributeName": "o", "KeyType": "HASH"},
                                                 {"AttributeName": "sk", "KeyType": "RANGE"}]}]}),
    Case("create-lsi-without-range-key", "create_table", {
        "TableName": "{T}x-lsi2", **PPR, "KeySchema": HASH,
        "AttributeDefinitions": [*HASH_DEF, {"AttributeName": "o", "AttributeType": "S"}],
        "LocalSecondaryIndexes": [{"IndexName": "bad", "Projection": {"ProjectionType": "ALL"},
                                   "KeySchema": [*HASH, {"AttributeName": "o", "KeyType": "RANGE"}]}]}),
    Case("create-and-describe-with-indexes", "create_table", {
        "TableName": "{T}x-gsi", **PPR,
        "KeySchema": [*HASH, {"AttributeName": "sk", "KeyType": "RANGE"}],
        "AttributeDefinitions": [*HASH_DEF, {"AttributeName": "sk", "AttributeType": "S"},
                                 {"AttributeName": "g", "AttributeType": "S"}],
        "GlobalSecondaryIndexes": [{"IndexName": "by-g", "Projection": {"ProjectionType": "KEYS_ONLY"},
                                    "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}]}],
        "LocalSecondaryIndexes": [{"IndexName": "by-g-local", "Projection": {"ProjectionType": "ALL"},
                                   "KeySchema": [*HASH, {"AttributeName": "g", "KeyType": "RANGE"}]}]}),
    Case("describe-plain-table", "describe_table", {"TableName": "{T}"}),
    Case("describe-missing", "describe_table", {"TableName": "{T}x-missing"}),
    Case("delete-missing", "delete_table", {"TableName": "{T}x-missing"}),
    Case("list-tables-in-order", "list_tables", {"ExclusiveStartTableName": "{P}", "Limit": 3}),
    Case("list-tables-limit-zero", "list_tables", {"Limit": 0}),
]

PUT = [
    Case("put-missing-key", "put_item", {"TableName": "{T}", "Item": {"a": S("x")}}),
    Case("put-wrong-key-type", "put_item", {"TableName": "{T}", "Item": {"pk": N(1)}}),
    Case("put-empty-string-key", "put_item", {"TableName": "{T}", "Item": {"pk": S("")}}),
    Case("put-empty-binary-key", "put_item", {"TableName": "{B}", "Item": {"bk": {"B": b""}}}),
    Case("put-missing-range-key", "put_item", {"TableName": "{R}", "Item": {"pk": S("p9")}}),
    Case("put-empty-attribute-value", "put_item", {"TableName": "{T}", "Item": {"pk": S("put-e1"), "a": {}}}),
    Case("put-two-types-in-one-value", "put_item", {"TableName": "{T}", "Item": {"pk": S("put-e2"),
                                                                                  "a": {"S": "x", "N": "1"}}}),
    Case("put-empty-set", "put_item", {"TableName": "{T}", "Item": {"pk": S("put-e3"), "a": {"SS": []}}}),
    Case("put-empty-string-attribute", "put_item", {"TableName": "{T}", "Item": {"pk": S("put-ok1"), "a": S("")}}),
    Case("put-not-a-number", "put_item", {"TableName": "{T}", "Item": {"pk": S("put-e4"), "a": N("abc")}}),
    Case("put-39-digits", "put_item", {"TableName": "{T}", "Item": {"pk": S("put-e5"), "a": N("1" * 39)}}),
    Case("put-duplicate-in-set", "put_item", {"TableName": "{T}", "Item": {"pk": S("put-e6"),
                                                                            "a": {"SS": ["x", "x"]}}}),
    Case("put-return-all-new", "put_item", {"TableName": "{T}", "Item": {"pk": S("put-e7")}, "ReturnValues": "ALL_NEW"}),
    Case("put-return-all-old", "put_item", {"TableName": "{T}", "Item": {"pk": S("put-old"), "v": N(2)},
                                            "ReturnValues": "ALL_OLD"},
         setup=(put("{T}", {"pk": S("put-old"), "v": N(1)}),)),
    Case("put-condition-fails", "put_item", {"TableName": "{T}", "Item": {"pk": S("put-c1")},
                                             "ConditionExpression": "attribute_not_exists(pk)"},
         setup=(put("{T}", {"pk": S("put-c1")}),)),
    Case("put-condition-fails-returns-old", "put_item", {
        "TableName": "{T}", "Item": {"pk": S("put-c2")}, "ConditionExpression": "attribute_not_exists(pk)",
        "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}, setup=(put("{T}", {"pk": S("put-c2"), "v": N(1)}),)),
    Case("put-condition-holds", "put_item", {"TableName": "{T}", "Item": {"pk": S("put-c3")},
                                             "ConditionExpression": "attribute_not_exists(pk)"}),
    Case("put-condition-syntax-error", "put_item", {"TableName": "{T}", "Item": {"pk": S("put-c4")},
                                                    "ConditionExpression": "attribute_not_exists(pk"}),
    Case("put-condition-undefined-value", "put_item", {"TableName": "{T}", "Item": {"pk": S("put-c5")},
                                                       "ConditionExpression": "a = :missing"}),
    Case("put-condition-undefined-name", "put_item", {"TableName": "{T}", "Item": {"pk": S("put-c6")},
                                                      "ConditionExpression": "#a = :v",
                                                      "ExpressionAttributeValues": {":v": N(1)}}),
    Case("put-unused-value", "put_item", {"TableName": "{T}", "Item": {"pk": S("put-c7")},
                                          "ConditionExpression": "attribute_not_exists(pk)",
                                          "ExpressionAttributeValues": {":v": N(1)}}),
    Case("put-unused-name", "put_item", {"TableName": "{T}", "Item": {"pk": S("put-c8")},
                                         "ConditionExpression": "attribute_not_exists(pk)",
                                         "ExpressionAttributeNames": {"#n": "name"}}),
    Case("put-values-without-expression", "put_item", {"TableName": "{T}", "Item": {"pk": S("put-c9")},
                                                       "ExpressionAttributeValues": {":v": N(1)}}),
    Case("put-reserved-word", "put_item", {"TableName": "{T}", "Item": {"pk": S("put-c10")},
                                           "ConditionExpression": "attribute_not_exists(status)"}),
    Case("put-reserved-word-escaped", "put_item", {"TableName": "{T}", "Item": {"pk": S("put-c11")},
                                                   "ConditionExpression": "attribute_not_exists(#s)",
                                                   "ExpressionAttributeNames": {"#s": "status"}}),
    Case("put-missing-table", "put_item", {"TableName": "{T}x-missing", "Item": {"pk": S("a")}}),
    Case("put-too-large", "put_item", {"TableName": "{T}", "Item": {"pk": S("put-big"), "a": S("x" * 409_600)}}),
    Case("put-just-fits", "put_item", {"TableName": "{T}", "Item": {"pk": S("put-fit"),
                                                                    "a": S("x" * (409_600 - 9))}}),
    Case("put-binary-and-sets", "put_item", {"TableName": "{T}", "Item": {
        "pk": S("put-kinds"), "b": {"B": b"\x00\x01"}, "bs": {"BS": [b"a", b"b"]}, "ns": {"NS": ["1", "2.50"]},
        "ss": {"SS": ["a", "b"]}, "nul": {"NULL": True}, "t": {"BOOL": True},
        "l": {"L": [S("a"), N("1.0")]}, "m": {"M": {"x": {"M": {}}}}}, "ReturnValues": "ALL_OLD"}),
    Case("put-null-false", "put_item", {"TableName": "{T}", "Item": {"pk": S("put-e8"), "a": {"NULL": False}}}),
    Case("put-capacity-when-asked", "put_item", {"TableName": "{T}", "Item": {"pk": S("put-cap")},
                                                 "ReturnConsumedCapacity": "TOTAL"}),
]

GET = [
    Case("get-binary-key", "get_item", {"TableName": "{B}", "Key": {"bk": {"B": b"\x01\x02"}}},
         setup=(put("{B}", {"bk": {"B": b"\x01\x02"}, "v": {"BS": [b"x"]}}),)),
    Case("get-nested-projection", "get_item", {"TableName": "{T}", "Key": {"pk": S("get-nested")},
                                               "ProjectionExpression": "m.a, l[1], missing"},
         setup=(put("{T}", {"pk": S("get-nested"), "m": {"M": {"a": N(1), "b": N(2)}},
                            "l": {"L": [S("x"), S("y")]}}),)),
    Case("get-seeded", "get_item", {"TableName": "{R}", "Key": R_KEY}),
    Case("get-absent", "get_item", {"TableName": "{R}", "Key": {"pk": S("p1"), "sk": N(99)}}),
    Case("get-missing-range-key", "get_item", {"TableName": "{R}", "Key": {"pk": S("p1")}}),
    Case("get-extra-key-attribute", "get_item", {"TableName": "{T}", "Key": {"pk": S("a"), "b": S("c")}}),
    Case("get-wrong-key-type", "get_item", {"TableName": "{T}", "Key": {"pk": N(1)}}),
    Case("get-empty-key", "get_item", {"TableName": "{T}", "Key": {"pk": S("")}}),
    Case("get-missing-table", "get_item", {"TableName": "{T}x-missing", "Key": {"pk": S("a")}}),
    Case("get-projection", "get_item", {"TableName": "{R}", "Key": R_KEY, "ProjectionExpression": "n, #s",
                                        "ExpressionAttributeNames": {"#s": "size"}}),
    Case("get-projection-reserved", "get_item", {"TableName": "{R}", "Key": R_KEY, "ProjectionExpression": "size"}),
    Case("get-unused-name", "get_item", {"TableName": "{R}", "Key": R_KEY, "ProjectionExpression": "n",
                                         "ExpressionAttributeNames": {"#x": "x"}}),
    Case("get-capacity-when-asked", "get_item", {"TableName": "{R}", "Key": R_KEY, "ReturnConsumedCapacity": "TOTAL"}),
    Case("get-consistent", "get_item", {"TableName": "{R}", "Key": R_KEY, "ConsistentRead": True}),
]

UP_KEY = {"pk": S("up-1")}
UP_SEED = (put("{T}", {"pk": S("up-1"), "n": N(1), "s": S("a"), "ss": {"SS": ["a", "b"]},
                       "l": {"L": [N(1)]}, "m": {"M": {"a": N(1)}}}),)


def up(case_id: str, expression: str, values: dict[str, Any] | None = None, returns: str = "ALL_NEW",
       names: dict[str, str] | None = None, **extra: Any) -> Case:
    key = {"pk": S(case_id)}
    params: dict[str, Any] = {"TableName": "{T}", "Key": key, "UpdateExpression": expression,
                              "ReturnValues": returns, **extra}
    if values is not None:
        params["ExpressionAttributeValues"] = values
    if names is not None:
        params["ExpressionAttributeNames"] = names
    seed = put("{T}", {"pk": S(case_id), "n": N(1), "s": S("a"), "ss": {"SS": ["a", "b"]},
                       "l": {"L": [N(1)]}, "m": {"M": {"a": N(1)}}})
    return Case(case_id, "update_item", params, setup=(seed,))


UPDATE = [
    Case("update-key-only-all-new", "update_item", {"TableName": "{T}", "Key": {"pk": S("up-keyonly")},
                                                    "ReturnValues": "ALL_NEW"}),
    Case("update-key-only-existing", "update_item", {"TableName": "{T}", "Key": {"pk": S("up-keyonly2")},
                                                     "ReturnValues": "ALL_OLD"},
         setup=(put("{T}", {"pk": S("up-keyonly2"), "a": N(1)}),)),
    up("up-set", "SET a = :v, b = :w", {":v": S("x"), ":w": N("1.5")}),
    up("up-arith", "SET n = n + :v", {":v": N("2.5")}, returns="UPDATED_NEW"),
    up("up-arith-minus", "SET n = :v - n", {":v": N(10)}, returns="UPDATED_OLD"),
    up("up-arith-on-string", "SET n = s + :v", {":v": N(1)}),
    up("up-remove", "REMOVE s, m.a", returns="ALL_OLD"),
    up("up-add-number", "ADD n :v", {":v": N(5)}),
    up("up-add-new-number", "ADD fresh :v", {":v": N(5)}),
    up("up-add-set", "ADD ss :v", {":v": {"SS": ["c"]}}),
    up("up-add-to-string", "ADD s :v", {":v": N(1)}),
    up("up-delete-from-set", "DELETE ss :v", {":v": {"SS": ["a"]}}),
    up("up-delete-last-members", "DELETE ss :v", {":v": {"SS": ["a", "b"]}}),
    up("up-delete-wrong-type", "DELETE ss :v", {":v": {"NS": ["1"]}}),
    up("up-list-append", "SET l = list_append(l, :v)", {":v": {"L": [N(2)]}}),
    up("up-list-append-front", "SET l = list_append(:v, l)", {":v": {"L": [N(0)]}}),
    up("up-if-not-exists", "SET a = if_not_exists(a, :v), n = if_not_exists(n, :v)", {":v": N(7)}),
    up("up-nested-path", "SET m.b = :v, l[0] = :v", {":v": S("z")}),
    up("up-nested-path-missing-parent", "SET nothere.b = :v", {":v": S("z")}),
    up("up-list-index-past-end", "SET l[5] = :v", {":v": S("z")}),
    up("up-key-attribute", "SET pk = :v", {":v": S("other")}),
    up("up-overlapping-paths", "SET a = :v REMOVE a", {":v": S("z")}),
    up("up-overlapping-nested", "SET m = :v, m.a = :v", {":v": S("z")}),
    up("up-clause-twice", "SET a = :v SET b = :v", {":v": S("z")}),
    up("up-syntax-error", "SET a = ", {":v": S("z")}),
    up("up-unknown-clause", "PUT a = :v", {":v": S("z")}),
    up("up-undefined-value", "SET a = :missing", {":v": S("z")}),
    up("up-unused-value", "SET a = :v", {":v": S("z"), ":w": S("unused")}),
    up("up-undefined-name", "SET #a = :v", {":v": S("z")}),
    up("up-reserved-word", "SET data = :v", {":v": S("z")}),
    up("up-reserved-escaped", "SET #d = :v", {":v": S("z")}, names={"#d": "data"}),
    up("up-return-updated-old", "SET s = :v", {":v": S("b")}, returns="UPDATED_OLD"),
    up("up-return-bad", "SET s = :v", {":v": S("b")}, returns="EVERYTHING"),
    up("up-condition-fails", "SET s = :v", {":v": S("b")}, ConditionExpression="s = :v"),
    up("up-condition-holds", "SET s = :v", {":v": S("b")}, ConditionExpression="s <> :v"),
    up("up-condition-size", "SET s = :v", {":v": S("b"), ":one": N(1)},
       ConditionExpression="size(ss) > :one AND attribute_type(s, :t)"),
    up("up-expression-and-attribute-updates", "SET s = :v", {":v": S("b")},
       AttributeUpdates={"s": {"Action": "PUT", "Value": S("c")}}),
    up("up-empty-expression", "", {":v": S("b")}),
    up("up-capacity-when-asked", "SET s = :v", {":v": S("b")}, ReturnConsumedCapacity="TOTAL"),
    Case("update-missing-key", "update_item", {"TableName": "{R}", "Key": {"pk": S("p1")},
                                               "UpdateExpression": "SET a = :v",
                                               "ExpressionAttributeValues": {":v": N(1)}}),
]

DELETE = [
    Case("delete-return-old", "delete_item", {"TableName": "{T}", "Key": {"pk": S("del-1")}, "ReturnValues": "ALL_OLD"},
         setup=(put("{T}", {"pk": S("del-1"), "a": N(1)}),)),
    Case("delete-return-new", "delete_item", {"TableName": "{T}", "Key": {"pk": S("del-2")},
                                              "ReturnValues": "ALL_NEW"}),
    Case("delete-condition-fails", "delete_item", {"TableName": "{T}", "Key": {"pk": S("del-3")},
                                                   "ConditionExpression": "attribute_exists(pk)"}),
    Case("delete-absent", "delete_item", {"TableName": "{T}", "Key": {"pk": S("del-4")}}),
    Case("delete-wrong-key", "delete_item", {"TableName": "{T}", "Key": {"id": S("del-5")}}),
]

Q = {"TableName": "{R}", "KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": S("p1")}}
QUERY = [
    Case("query-all", "query", Q),
    Case("query-backwards", "query", {**Q, "ScanIndexForward": False}),
    Case("query-limit", "query", {**Q, "Limit": 2}),
    Case("query-limit-equals-remaining", "query", {**Q, "Limit": 5}),
    Case("query-limit-zero", "query", {**Q, "Limit": 0}),
    Case("query-exclusive-start", "query", {**Q, "ExclusiveStartKey": R_KEY}),
    Case("query-exclusive-start-malformed", "query", {**Q, "ExclusiveStartKey": {"pk": S("p1")}}),
    Case("query-exclusive-start-wrong-type", "query", {**Q, "ExclusiveStartKey": {"pk": S("p1"), "sk": S("1")}}),
    Case("query-between", "query", {**Q, "KeyConditionExpression": "pk = :p AND sk BETWEEN :a AND :b",
                                    "ExpressionAttributeValues": {":p": S("p1"), ":a": N(2), ":b": N(4)}}),
    Case("query-or", "query", {**Q, "KeyConditionExpression": "pk = :p OR sk = :a",
                               "ExpressionAttributeValues": {":p": S("p1"), ":a": N(2)}}),
    Case("query-begins-with-number", "query", {**Q, "KeyConditionExpression": "pk = :p AND begins_with(sk, :a)",
                                               "ExpressionAttributeValues": {":p": S("p1"), ":a": N(2)}}),
    Case("query-no-hash-condition", "query", {**Q, "KeyConditionExpression": "sk = :a",
                                              "ExpressionAttributeValues": {":a": N(2)}}),
    Case("query-non-key-condition", "query", {**Q, "KeyConditionExpression": "pk = :p AND tag = :a",
                                              "ExpressionAttributeValues": {":p": S("p1"), ":a": S("odd")}}),
    Case("query-value-first", "query", {**Q, "KeyConditionExpression": ":p = pk AND :a < sk",
                                        "ExpressionAttributeValues": {":p": S("p1"), ":a": N(3)}}),
    Case("query-same-key-twice", "query", {**Q, "KeyConditionExpression": "pk = :p AND sk = :a AND sk = :a",
                                           "ExpressionAttributeValues": {":p": S("p1"), ":a": N(1)}}),
    Case("query-hash-not-equals", "query", {**Q, "KeyConditionExpression": "pk < :p"}),
    Case("query-filter", "query", {**Q, "FilterExpression": "tag = :t",
                                   "ExpressionAttributeValues": {":p": S("p1"), ":t": S("odd")}}),
    Case("query-filter-on-key", "query", {**Q, "FilterExpression": "sk = :t",
                                          "ExpressionAttributeValues": {":p": S("p1"), ":t": N(1)}}),
    Case("query-filter-limit", "query", {**Q, "FilterExpression": "tag = :t", "Limit": 2,
                                         "ExpressionAttributeValues": {":p": S("p1"), ":t": S("odd")}}),
    Case("query-projection", "query", {**Q, "ProjectionExpression": "sk, n"}),
    Case("query-select-count", "query", {**Q, "Select": "COUNT"}),
    Case("query-select-specific-without-projection", "query", {**Q, "Select": "SPECIFIC_ATTRIBUTES"}),
    Case("query-select-all-with-projection", "query", {**Q, "Select": "ALL_ATTRIBUTES", "ProjectionExpression": "n"}),
    Case("query-unused-value", "query", {**Q, "ExpressionAttributeValues": {":p": S("p1"), ":x": S("x")}}),
    Case("query-undefined-value", "query", {**Q, "KeyConditionExpression": "pk = :nope"}),
    Case("query-wrong-value-type", "query", {**Q, "ExpressionAttributeValues": {":p": N(1)}}),
    Case("query-syntax-error", "query", {**Q, "KeyConditionExpression": "pk = = :p"}),
    Case("query-missing-table", "query", {**Q, "TableName": "{T}x-missing"}),
    Case("query-missing-index", "query", {**Q, "IndexName": "nope"}),
    Case("query-page-two", "query", {**Q, "Limit": 2, "ExclusiveStartKey": {"pk": S("p1"), "sk": N(2)}}),
    Case("query-begins-with-string", "query", {"TableName": "{T}", "KeyConditionExpression": "pk = :p",
                                               "FilterExpression": "begins_with(a, :x)",
                                               "ExpressionAttributeValues": {":p": S("q-1"), ":x": S("ab")}},
         setup=(put("{T}", {"pk": S("q-1"), "a": S("abc")}),)),
    Case("query-consistent-capacity", "query", {**Q, "ConsistentRead": True, "ReturnConsumedCapacity": "TOTAL",
                                                "Select": "COUNT"}),
    Case("query-capacity-when-asked", "query", {**Q, "ReturnConsumedCapacity": "TOTAL"}),
]

SC = {"TableName": "{R}"}
SCAN = [
    Case("scan-all", "scan", SC, compare="unordered"),
    Case("scan-segment-of-one", "scan", {**SC, "Segment": 0, "TotalSegments": 1}, compare="unordered"),
    Case("scan-filter-between-in", "scan", {**SC, "FilterExpression": "n BETWEEN :a AND :b OR tag IN (:t)",
                                            "ExpressionAttributeValues": {":a": N(15), ":b": N(35), ":t": S("x")}},
         compare="unordered"),
    Case("scan-filter-not-contains", "scan", {**SC, "FilterExpression": "NOT contains(#s, :x)",
                                              "ExpressionAttributeNames": {"#s": "size"},
                                              "ExpressionAttributeValues": {":x": S("xxx")}}, compare="unordered"),
    Case("scan-limit-zero", "scan", {**SC, "Limit": 0}),
    Case("scan-limit", "scan", {**SC, "Limit": 2}, compare="count"),
    Case("scan-filter", "scan", {**SC, "FilterExpression": "tag = :t", "ExpressionAttributeValues": {":t": S("even")}},
         compare="unordered"),
    Case("scan-filter-size", "scan", {**SC, "FilterExpression": "size(#s) >= :t",
                                      "ExpressionAttributeNames": {"#s": "size"},
                                      "ExpressionAttributeValues": {":t": N(4)}}, compare="unordered"),
    Case("scan-projection", "scan", {**SC, "ProjectionExpression": "sk"}, compare="unordered"),
    Case("scan-select-count", "scan", {**SC, "Select": "COUNT"}),
    Case("scan-segment-without-total", "scan", {**SC, "Segment": 0}),
    Case("scan-total-without-segment", "scan", {**SC, "TotalSegments": 2}),
    Case("scan-segment-out-of-range", "scan", {**SC, "Segment": 2, "TotalSegments": 2}),
    Case("scan-total-segments-zero", "scan", {**SC, "Segment": 0, "TotalSegments": 0}),
    Case("scan-exclusive-start-malformed", "scan", {**SC, "ExclusiveStartKey": {"nope": S("x")}}),
    Case("scan-exclusive-start-not-a-map", "scan", {**SC, "ExclusiveStartKey": {"pk": {}}}),
    Case("scan-undefined-value", "scan", {**SC, "FilterExpression": "tag = :t"}),
    Case("scan-unused-name", "scan", {**SC, "ExpressionAttributeNames": {"#a": "a"}}),
    Case("scan-filter-syntax-error", "scan", {**SC, "FilterExpression": "tag = ",
                                              "ExpressionAttributeValues": {":t": S("even")}}),
    Case("scan-missing-table", "scan", {"TableName": "{T}x-missing"}),
    Case("scan-bad-select", "scan", {**SC, "Select": "SOME"}),
]

BATCH = [
    Case("batch-write-26", "batch_write_item", {"RequestItems": {"{T}": [
        {"PutRequest": {"Item": {"pk": S(f"bw-{i}")}}} for i in range(26)]}}),
    Case("batch-write-duplicate-keys", "batch_write_item", {"RequestItems": {"{T}": [
        {"PutRequest": {"Item": {"pk": S("bw-dup")}}}, {"DeleteRequest": {"Key": {"pk": S("bw-dup")}}}]}}),
    Case("batch-write-empty", "batch_write_item", {"RequestItems": {}}),
    Case("batch-write-empty-list", "batch_write_item", {"RequestItems": {"{T}": []}}),
    Case("batch-write-missing-table", "batch_write_item", {"RequestItems": {"{T}x-missing": [
        {"PutRequest": {"Item": {"pk": S("a")}}}]}}),
    Case("batch-write-bad-key", "batch_write_item", {"RequestItems": {"{T}": [
        {"PutRequest": {"Item": {"nope": S("a")}}}]}}),
    Case("batch-write-both-requests", "batch_write_item", {"RequestItems": {"{T}": [
        {"PutRequest": {"Item": {"pk": S("bw-both")}}, "DeleteRequest": {"Key": {"pk": S("bw-both")}}}]}}),
    Case("batch-write-ok", "batch_write_item", {"RequestItems": {"{T}": [
        {"PutRequest": {"Item": {"pk": S("bw-ok1")}}}, {"DeleteRequest": {"Key": {"pk": S("bw-ok2")}}}]}}),
    Case("batch-get-101", "batch_get_item", {"RequestItems": {"{T}": {"Keys": [
        {"pk": S(f"bg-{i}")} for i in range(101)]}}}),
    Case("batch-get-duplicate-keys", "batch_get_item", {"RequestItems": {"{T}": {"Keys": [
        {"pk": S("bg-dup")}, {"pk": S("bg-dup")}]}}}),
    Case("batch-get-empty", "batch_get_item", {"RequestItems": {}}),
    Case("batch-get-bad-key", "batch_get_item", {"RequestItems": {"{T}": {"Keys": [{"nope": S("a")}]}}}),
    Case("batch-get-missing-table", "batch_get_item", {"RequestItems": {"{T}x-missing": {"Keys": [{"pk": S("a")}]}}}),
    Case("batch-get-ok", "batch_get_item", {"RequestItems": {"{R}": {"Keys": [R_KEY],
                                                                      "ProjectionExpression": "n"}}}),
]

TX_PUT = {"Put": {"TableName": "{T}", "Item": {"pk": S("tx-1")}}}
TRANSACT = [
    Case("transact-write-101", "transact_write_items", {"TransactItems": [
        {"Put": {"TableName": "{T}", "Item": {"pk": S(f"tx-many-{i}")}}} for i in range(101)]}),
    Case("transact-write-empty", "transact_write_items", {"TransactItems": []}),
    Case("transact-write-same-item-twice", "transact_write_items", {"TransactItems": [
        TX_PUT, {"Delete": {"TableName": "{T}", "Key": {"pk": S("tx-1")}}}]}),
    Case("transact-write-cancelled", "transact_write_items", {"TransactItems": [
        {"Put": {"TableName": "{T}", "Item": {"pk": S("tx-2")}}},
        {"ConditionCheck": {"TableName": "{T}", "Key": {"pk": S("tx-3")},
                            "ConditionExpression": "attribute_exists(pk)"}}]}),
    Case("transact-write-two-actions-in-one", "transact_write_items", {"TransactItems": [
        {"Put": {"TableName": "{T}", "Item": {"pk": S("tx-4")}},
         "Delete": {"TableName": "{T}", "Key": {"pk": S("tx-4")}}}]}),
    Case("transact-write-bad-key", "transact_write_items", {"TransactItems": [
        {"Delete": {"TableName": "{T}", "Key": {"nope": S("tx-5")}}}]}),
    Case("transact-write-missing-table", "transact_write_items", {"TransactItems": [
        {"Put": {"TableName": "{T}x-missing", "Item": {"pk": S("tx-6")}}}]}),
    Case("transact-write-ok", "transact_write_items", {"TransactItems": [
        {"Put": {"TableName": "{T}", "Item": {"pk": S("tx-7")}}},
        {"Update": {"TableName": "{T}", "Key": {"pk": S("tx-8")}, "UpdateExpression": "SET a = :v",
                    "ExpressionAttributeValues": {":v": N(1)}}}]}),
    Case("transact-write-cancelled-returns-old", "transact_write_items", {"TransactItems": [
        {"ConditionCheck": {"TableName": "{T}", "Key": {"pk": S("tx-9")}, "ConditionExpression": "attribute_not_exists(pk)",
                            "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}},
        {"Put": {"TableName": "{T}", "Item": {"pk": S("tx-10")}}}]},
         setup=(put("{T}", {"pk": S("tx-9"), "v": N(3)}),)),
    Case("transact-get-projection", "transact_get_items", {"TransactItems": [
        {"Get": {"TableName": "{R}", "Key": R_KEY, "ProjectionExpression": "n, #t",
                 "ExpressionAttributeNames": {"#t": "tag"}}},
        {"Get": {"TableName": "{R}", "Key": {"pk": S("p1"), "sk": N(77)}}}]}),
    Case("transact-get-bad-key", "transact_get_items", {"TransactItems": [
        {"Get": {"TableName": "{R}", "Key": {"pk": S("p1")}}}]}),
    Case("transact-get-101", "transact_get_items", {"TransactItems": [
        {"Get": {"TableName": "{T}", "Key": {"pk": S(f"tg-{i}")}}} for i in range(101)]}),
]

ALL = [*TABLE_ADMIN, *PUT, *GET, *UPDATE, *DELETE, *QUERY, *SCAN, *BATCH, *TRANSACT]


# ------------------------------------------------------------------ where DynamoDB Local differs from AWS
BEHAVIORS = "aws-behaviors.md (DynamoDB errors, confirmed against AWS)"
LS_SNAPSHOT = "LocalStack's AWS-recorded tests/aws/services/dynamodb/test_dynamodb.snapshot.json"
MOTO = "moto 5.2's AWS-verified DynamoDB tests (its per-operation validation_error_prefix)"
MODEL = "botocore's dynamodb service model constraint, in AWS's request-validation wording"
DYNALITE = "dynalite's validation tests, recorded against AWS"
PREFIX = "1 validation error detected: "
MISSING = "Requested resource not found"
KEY_ELEMENT = "The provided key element does not match the schema"


def _v(message: str, source: str) -> AwsAnswer:
    return AwsAnswer(400, "ValidationException", message, source)


AWS = {
    "describe-missing": AwsAnswer(400, "ResourceNotFoundException",
                                  f"{MISSING}: Table: {{T}}x-missing not found", LS_SNAPSHOT),
    "delete-missing": AwsAnswer(400, "ResourceNotFoundException", f"{MISSING}: Table: {{T}}x-missing not found",
                                LS_SNAPSHOT),
    **{case: AwsAnswer(400, "ResourceNotFoundException", MISSING, LS_SNAPSHOT) for case in (
        "put-missing-table", "get-missing-table", "query-missing-table", "scan-missing-table",
        "batch-write-missing-table", "batch-get-missing-table", "transact-write-missing-table")},
    "create-existing": AwsAnswer(400, "ResourceInUseException", "Table already exists: {T}", MOTO),
    "create-extra-attribute-definition": _v(
        "One or more parameter values were invalid: Number of attributes in KeySchema does not exactly match "
        "number of attributes defined in AttributeDefinitions", MOTO),
    "create-provisioned-without-throughput": _v(
        "One or more parameter values were invalid: ReadCapacityUnits and WriteCapacityUnits must both be "
        "specified when BillingMode is PROVISIONED", MOTO),
    "create-on-demand-with-throughput": _v(
        "ProvisionedThroughput cannot be specified when BillingMode is PAY_PER_REQUEST",
        "CreateTable API reference (ProvisionedThroughput: not with PAY_PER_REQUEST); wording " + MOTO),
    "create-bad-attribute-type": _v(
        f"{PREFIX}Value 'X' at 'attributeDefinitions.1.member.attributeType' failed to satisfy constraint: "
        "Member must satisfy enum value set: [B, N, S]", MODEL),
    "create-name-too-short": _v(
        f"{PREFIX}Value 'ab' at 'tableName' failed to satisfy constraint: Member must have length greater than "
        "or equal to 3", MODEL),
    "create-name-bad-characters": _v(
        f"{PREFIX}Value 'a b/c' at 'tableName' failed to satisfy constraint: Member must satisfy regular "
        "expression pattern: [a-zA-Z0-9_.-]+", MODEL),
    "list-tables-limit-zero": _v(
        f"{PREFIX}Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal "
        "to 1", MODEL),
    "query-limit-zero": _v(
        f"{PREFIX}Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal "
        "to 1", MODEL),
    "scan-limit-zero": _v(
        f"{PREFIX}Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal "
        "to 1", MODEL),
    "scan-total-segments-zero": _v(
        f"{PREFIX}Value '0' at 'totalSegments' failed to satisfy constraint: Member must have value greater than "
        "or equal to 1", MODEL),
    "put-missing-key": _v("One or more parameter values were invalid: Missing the key pk in the item", BEHAVIORS),
    "put-missing-range-key": _v("One or more parameter values were invalid: Missing the key sk in the item",
                                BEHAVIORS),
    "batch-write-bad-key": _v("One or more parameter values were invalid: Missing the key pk in the item",
                              BEHAVIORS),
    "put-wrong-key-type": _v("One or more parameter values were invalid: Type mismatch for key pk expected: S "
                             "actual: N", BEHAVIORS),
    **{case: _v(KEY_ELEMENT, BEHAVIORS) for case in (
        "get-missing-range-key", "get-extra-key-attribute", "get-wrong-key-type", "update-missing-key",
        "delete-wrong-key", "batch-get-bad-key", "transact-write-bad-key", "transact-get-bad-key")},
    "put-not-a-number": _v("The parameter cannot be converted to a numeric value: abc", MOTO),
    "put-39-digits": _v("Attempting to store more than 38 significant digits in a Number", DYNALITE),
    "put-duplicate-in-set": _v("One or more parameter values were invalid: Input collection [x, x] contains "
                               "duplicates.", DYNALITE),
    "put-empty-set": _v(f"{PREFIX}One or more parameter values were invalid: An string set  may not be empty", MOTO),
    "put-unused-value": _v(f"{PREFIX}Value provided in ExpressionAttributeValues unused in expressions: "
                           "keys: {:v}", MOTO),
    "put-unused-name": _v(f"{PREFIX}Value provided in ExpressionAttributeNames unused in expressions: "
                          "keys: {#n}", MOTO),
    "up-unused-value": _v(f"{PREFIX}Value provided in ExpressionAttributeValues unused in expressions: "
                          "keys: {:w}", MOTO),
    "up-empty-expression": _v(f"{PREFIX}Invalid UpdateExpression: The expression can not be empty;", MOTO),
    "up-overlapping-paths": _v(f"{PREFIX}Invalid UpdateExpression: Two document paths overlap with each other; "
                               "must remove or rewrite one of these paths; path one: [a], path two: [a]", MOTO),
    "up-overlapping-nested": _v(f"{PREFIX}Invalid UpdateExpression: Two document paths overlap with each other; "
                                "must remove or rewrite one of these paths; path one: [m], path two: [m, a]", MOTO),
    "up-clause-twice": _v(f'{PREFIX}Invalid UpdateExpression: The "SET" section can only be used once in an '
                          'update expression;', MOTO),
    "query-select-specific-without-projection": _v(
        f"{PREFIX}Must specify the AttributesToGet or ProjectionExpression when choosing to get "
        "SPECIFIC_ATTRIBUTES", MOTO),
    "query-select-all-with-projection": _v(
        f"{PREFIX}Cannot specify the ProjectionExpression when choosing to get ALL_ATTRIBUTES", MOTO),
    "scan-bad-select": _v(f"{PREFIX}Value 'SOME' at 'select' failed to satisfy constraint: Member must satisfy "
                          "enum value set: [SPECIFIC_ATTRIBUTES, COUNT, ALL_ATTRIBUTES, ALL_PROJECTED_ATTRIBUTES]",
                          MOTO),
    "query-no-hash-condition": _v("Query condition missed key schema element: pk", MOTO),
    "query-non-key-condition": _v("Query condition missed key schema element: sk", MOTO),
    "scan-segment-without-total": _v("The TotalSegments parameter is required but was not present in the request "
                                     "when Segment parameter is present", MOTO),
    "scan-total-without-segment": _v("The Segment parameter is required but was not present in the request when "
                                     "parameter TotalSegments is present", MOTO),
    "get-projection-reserved": _v("Invalid ProjectionExpression: Attribute name is a reserved keyword; reserved "
                                  "keyword: size", "AWS's reserved words list (DynamoDB Developer Guide: SIZE)"),
}
#: Successes where DynamoDB Local adds what AWS leaves out: the stack's answer must be exactly this.
AWS_BODIES = {
    "delete-absent": ({}, "DeleteItem API reference: ConsumedCapacity is returned only when "
                          "ReturnConsumedCapacity asks"),
}
