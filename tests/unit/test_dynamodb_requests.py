"""DynamoDB's semantic checks, shapes and answer fixes (pure functions in control/moto_changes/dynamodb_*.py).

The expected texts are DynamoDB Local's (nulls inside an Item: read from DynamoDB Local by hand, since boto3
cannot send them) (tests/functional/dynamodb_differential pins them against it) or AWS's
where docs/differences.md says DynamoDB Local differs.
"""
from __future__ import annotations

import json

import pytest

from harness.emulator.control.moto_changes.dynamodb_answers import fixed_answer
from harness.emulator.control.moto_changes.dynamodb_expressions import ExpressionError, parse_condition, parse_update, \
    path_first
from harness.emulator.control.moto_changes.dynamodb_requests import TableKeys, request_problem
from harness.emulator.aws_errors import AwsError
from harness.emulator.front.model_validation import check_dynamodb_request

TABLE = TableKeys((("pk", "S"), ("sk", "N")), frozenset({"by-g"}))


def tables(name: str) -> TableKeys | None:
    return TABLE if name == "t" else None


@pytest.mark.parametrize(("text", "message"), [
    ("attribute_not_exists(pk", 'Syntax error; token: "<EOF>", near: "pk"'),
    ("pk = = :p", 'Syntax error; token: "=", near: "= = :p"'),
    ("tag = ", 'Syntax error; token: "<EOF>", near: "= "'),
    ("", "The expression can not be empty;"),
])
def test_condition_syntax_errors_name_the_token_and_its_neighbours(text, message):
    with pytest.raises(ExpressionError, match="^" + message.replace("(", r"\(").replace("[", r"\[") + "$"):
        parse_condition(text)


def test_update_expressions_parse_every_clause():
    parsed = parse_update("SET a = if_not_exists(a, :v), l = list_append(l, :w), n = n + :v REMOVE m.b, l[0] "
                          "ADD s :x DELETE ss :y")
    assert parsed.values == [":v", ":w", ":v", ":x", ":y"]
    assert parsed.operators[:1] == ["SET"] and {"REMOVE", "ADD", "DELETE", "+"} <= set(parsed.operators)
    with pytest.raises(ExpressionError, match='token: "PUT", near: "PUT a"'):
        parse_update("PUT a = :v")


@pytest.mark.parametrize(("operation", "request_", "message"), [
    ("PutItem", {"TableName": "t", "Item": {"pk": {}}},
     "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"),
    ("PutItem", {"TableName": "t", "Item": {"pk": {"S": "a", "N": "1"}}},
     "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes"),
    ("PutItem", {"TableName": "t", "Item": {"pk": {"S": "a"}, "sk": {"N": "1"}}, "ConditionExpression": "a = :x"},
     "Invalid ConditionExpression: An expression attribute value used in expression is not defined; "
     "attribute value: :x"),
    ("UpdateItem", {"TableName": "t", "UpdateExpression": "SET #a = :v", "ExpressionAttributeValues": {":v": {"S": "x"}}},
     "Invalid UpdateExpression: An expression attribute name used in the document path is not defined; "
     "attribute name: #a"),
    ("PutItem", {"TableName": "t", "Item": {"pk": {"S": "a"}, "sk": {"N": "1"}},
                 "ExpressionAttributeValues": {":v": {"N": "1"}}},
     "ExpressionAttributeValues can only be specified when using expressions: ConditionExpression is null"),
    ("Query", {"TableName": "t", "KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {
        ":p": {"S": "a"}, ":x": {"S": "b"}}}, "Value provided in ExpressionAttributeValues unused in expressions: keys: {:x}"),
    ("Query", {"TableName": "t", "KeyConditionExpression": "pk = :p OR sk = :a", "ExpressionAttributeValues": {
        ":p": {"S": "a"}, ":a": {"N": "1"}}}, "Invalid operator used in KeyConditionExpression: OR"),
    ("Query", {"TableName": "t", "KeyConditionExpression": "pk = :p AND begins_with(sk, :a)",
               "ExpressionAttributeValues": {":p": {"S": "a"}, ":a": {"N": "1"}}},
     "Invalid KeyConditionExpression: Incorrect operand type for operator or function; operator or function: "
     "begins_with, operand type: N"),
    ("Query", {"TableName": "t", "KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": {"N": "1"}}},
     "One or more parameter values were invalid: Condition parameter type does not match schema type"),
    ("Query", {"TableName": "t", "KeyConditionExpression": "pk = :p", "FilterExpression": "sk > :p",
               "ExpressionAttributeValues": {":p": {"S": "a"}}},
     "Filter Expression can only contain non-primary key attributes: Primary key attribute: sk"),
    ("Scan", {"TableName": "t", "ExclusiveStartKey": {"pk": {"S": "a"}}},
     "Exclusive Start Key must have same size as table's key schema"),
    ("Scan", {"TableName": "t", "Limit": 0}, "1 validation error detected: Value '0' at 'limit' failed to satisfy "
                                             "constraint: Member must have value greater than or equal to 1"),
    ("CreateTable", {"TableName": "abc", "AttributeDefinitions": []},
     "No defined key schema.  A key schema containing at least a hash key must be defined for all tables"),
    ("CreateTable", {"TableName": "abc", "KeySchema": [{"AttributeName": "a", "KeyType": "HASH"},
                                                       {"AttributeName": "b", "KeyType": "HASH"}]},
     "Too many hash keys specified.  All Dynamo DB tables must have exactly one hash key"),
    ("BatchWriteItem", {"RequestItems": {"t": [{"PutRequest": {"Item": {"pk": {"S": str(i)}, "sk": {"N": "1"}}}}
                                               for i in range(26)]}},
     "Too many items requested for the BatchWriteItem call"),
    ("BatchWriteItem", {"RequestItems": {"t": [{"PutRequest": {"Item": {"pk": {"S": "a"}, "sk": {"N": "1"}}}},
                                               {"DeleteRequest": {"Key": {"pk": {"S": "a"}, "sk": {"N": "1"}}}}]}},
     "Provided list of item keys contains duplicates"),
    ("BatchGetItem", {"RequestItems": {"t": {"Keys": [{"pk": {"S": "a"}}]}}},
     "The provided key element does not match the schema"),
    ("PutItem", {"TableName": "t", "Item": {"pk": {"S": "a"}, "m": {"M": {"x": None}}}},
     "The supplied Item contains a null AttributeValue: x is null"),
    ("PutItem", {"TableName": "t", "Item": {"pk": {"S": "a"}, "m": None}},
     "The supplied Item contains a null AttributeValue: m is null"),
    ("PutItem", {"TableName": "t", "Item": {"pk": {"S": "a"}, "s": {"SS": [None]}}},
     "One or more parameter values were invalid: An string set may not have a null string as a member"),
    ("Query", {"TableName": "t", "KeyConditionExpression": "pk = :p AND sk = :s AND sk = :s",
               "ExpressionAttributeValues": {":p": {"S": "a"}, ":s": {"N": "1"}}},
     "KeyConditionExpressions must only contain one condition per key"),
    ("TransactWriteItems", {"TransactItems": []},
     "Value [] at 'transactItems' failed to satisfy constraint: Member must have length greater than or equal to 1"),
])
def test_dynamodb_refuses_with_its_words(operation, request_, message):
    assert request_problem(operation, request_, tables) == message


def test_valid_requests_pass():
    assert request_problem("Query", {"TableName": "t", "KeyConditionExpression": "pk = :p AND sk BETWEEN :a AND :b",
                                     "ExpressionAttributeValues": {":p": {"S": "a"}, ":a": {"N": "1"},
                                                                   ":b": {"N": "2"}}}, tables) is None
    assert request_problem("UpdateItem", {"TableName": "t", "Key": {"pk": {"S": "a"}, "sk": {"N": "1"}},
                                          "UpdateExpression": "SET #s = :v", "ExpressionAttributeNames": {"#s": "size"},
                                          "ExpressionAttributeValues": {":v": {"S": "x"}}}, tables) is None


def _shape_problem(operation: str, request: dict) -> tuple[str, str] | None:
    """The shared model check's answer (front/model_validation.py, as the DynamoDB front calls it first)."""
    try:
        check_dynamodb_request(operation, request)
    except AwsError as error:
        assert error.status == 400
        return error.code, error.message
    return None


def test_shapes_wrong_json_types_and_missing_members():
    assert _shape_problem("Scan", {"TableName": "t", "Limit": "x"}) == (
        "SerializationException", "STRING_VALUE can not be converted to an Integer")
    assert _shape_problem("PutItem", {"TableName": "t", "Item": []}) == (
        "SerializationException", "Start of list found where not expected")
    assert _shape_problem("TransactWriteItems", {"TransactItems": [{"Put": {"TableName": "t"}}]}) == (
        "ValidationException", "1 validation error detected: Value null at 'transactItems.1.member.put.item' "
                               "failed to satisfy constraint: Member must not be null")
    assert _shape_problem("PutItem", {"TableName": "t", "Item": {"a": {"M": {"b": {"L": [{"S": "x"}]}}}}}) is None


def test_shapes_check_attribute_values_at_every_depth_and_name_null_elements():
    assert _shape_problem("PutItem", {"TableName": "t", "Item": {"a": {"M": {"b": {"L": [{"S": 1}]}}}}}) == (
        "SerializationException", "NUMBER_VALUE can not be converted to a String")
    assert _shape_problem("PutItem", {"TableName": "t", "Item": {"a": {"BOOL": "yes"}}}) == (
        "SerializationException", "STRING_VALUE can not be converted to a Boolean")
    assert _shape_problem("TransactWriteItems", {"TransactItems": [None, {"Put": {"Item": {}}}]}) == (
        "ValidationException", "2 validation errors detected: Value null at 'transactItems.1.member' failed to "
        "satisfy constraint: Member must not be null; Value null at 'transactItems.2.member.put.tableName' failed "
        "to satisfy constraint: Member must not be null")
    # lengths, patterns and enums are DynamoDB's own checks, in its order (request_problem), not the shape's
    assert _shape_problem("Scan", {"TableName": "t", "Limit": 0, "Select": "NOPE"}) is None


def _fixed(operation, request, answer):
    return fixed_answer(operation, request, json.dumps(answer).encode(), tables)


def test_answers_send_capacity_only_when_asked_and_stop_at_the_limit():
    assert _fixed("BatchWriteItem", {}, {"UnprocessedItems": {}, "ConsumedCapacity": [], "ItemCollectionMetrics": {}}) \
        == {"UnprocessedItems": {}}
    asked = _fixed("Query", {"ReturnConsumedCapacity": "TOTAL"}, {"Items": [], "ConsumedCapacity": {
        "TableName": "t", "CapacityUnits": 1.0}})
    assert asked["ConsumedCapacity"]["CapacityUnits"] == 0.5
    items = [{"pk": {"S": "a"}, "sk": {"N": str(i)}, "x": {"S": "y"}} for i in (1, 2)]
    limited = _fixed("Query", {"TableName": "t", "Limit": 2}, {"Items": items, "Count": 2, "ScannedCount": 2})
    assert limited["LastEvaluatedKey"] == {"pk": {"S": "a"}, "sk": {"N": "2"}}


def test_answers_project_transact_get_items_and_describe_tables_as_dynamodb():
    got = _fixed("TransactGetItems", {"TransactItems": [{"Get": {"ProjectionExpression": "a, #m.b", "ExpressionAttributeNames": {"#m": "m"}}}]},
                 {"Responses": [{"Item": {"a": {"S": "1"}, "c": {"S": "2"}, "m": {"M": {"b": {"N": "1"}, "z": {"N": "2"}}}}}]})
    assert got["Responses"][0]["Item"] == {"a": {"S": "1"}, "m": {"M": {"b": {"N": "1"}}}}
    described = _fixed("DescribeTable", {}, {"Table": {
        "TableArn": "arn:t", "CreationDateTime": 1.0, "BillingModeSummary": {"BillingMode": "PAY_PER_REQUEST"},
        "ProvisionedThroughput": {"ReadCapacityUnits": 0, "WriteCapacityUnits": 0}, "LocalSecondaryIndexes": [],
        "GlobalSecondaryIndexes": [{"IndexName": "g"}]}})["Table"]
    assert "LocalSecondaryIndexes" not in described
    assert described["GlobalSecondaryIndexes"][0]["IndexArn"] == "arn:t/index/g"
    assert described["BillingModeSummary"]["LastUpdateToPayPerRequestDateTime"] == 1.0
    assert described["ProvisionedThroughput"]["NumberOfDecreasesToday"] == 0


def test_key_conditions_written_value_first_are_turned_path_first():
    assert path_first(":p = pk AND :a < sk") == "pk = :p AND sk > :a"
    assert path_first("pk = :p AND sk BETWEEN :a AND :b") == "pk = :p AND sk BETWEEN :a AND :b"
    assert path_first(":a <= #s") == "#s >= :a"
