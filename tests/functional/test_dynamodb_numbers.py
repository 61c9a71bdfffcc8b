"""Numbers through the stack's DynamoDB as DynamoDB keeps them: in its own form, 38 significant digits at most."""
from __future__ import annotations

import uuid

import pytest
from botocore.exceptions import ClientError

pytestmark = pytest.mark.functional


@pytest.fixture
def table(clients):
    name = f"numbers-{uuid.uuid4().hex[:8]}"
    dynamodb = clients("dynamodb")
    dynamodb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                          KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                          AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}])
    yield dynamodb, name
    dynamodb.delete_table(TableName=name)


def test_numbers_come_back_in_dynamodb_s_form(table):
    dynamodb, name = table
    dynamodb.put_item(TableName=name, Item={
        "id": {"S": "a"}, "price": {"N": "10.00"}, "zero": {"N": "-0"}, "big": {"N": "1.5E2"},
        "small": {"N": "1e-5"}, "padded": {"N": "00042"}, "set": {"NS": ["1.0", "2.50"]},
        "nested": {"M": {"list": {"L": [{"N": "3.000"}, {"S": "3.000"}]}}}})
    item = dynamodb.get_item(TableName=name, Key={"id": {"S": "a"}})["Item"]
    assert item["price"] == {"N": "10"} and item["zero"] == {"N": "0"} and item["big"] == {"N": "150"}
    assert item["small"] == {"N": "0.00001"} and item["padded"] == {"N": "42"}
    assert sorted(item["set"]["NS"]) == ["1", "2.5"]
    assert item["nested"] == {"M": {"list": {"L": [{"N": "3"}, {"S": "3.000"}]}}}  # strings stay as sent

    dynamodb.update_item(TableName=name, Key={"id": {"S": "a"}}, UpdateExpression="SET price = :p",
                         ExpressionAttributeValues={":p": {"N": "12.50"}})
    dynamodb.batch_write_item(RequestItems={name: [{"PutRequest": {"Item": {"id": {"S": "b"}, "n": {"N": "7.0"}}}}]})
    scanned = {i["id"]["S"]: i for i in dynamodb.scan(TableName=name)["Items"]}
    assert scanned["a"]["price"] == {"N": "12.5"} and scanned["b"]["n"] == {"N": "7"}


def test_more_than_38_significant_digits_is_refused_and_nothing_is_stored(table):
    dynamodb, name = table
    with pytest.raises(ClientError) as refused:
        dynamodb.put_item(TableName=name, Item={"id": {"S": "long"}, "n": {"N": "1" * 39}})
    assert refused.value.response["Error"] == {
        "Code": "ValidationException", "Message": "Attempting to store more than 38 significant digits in a Number"}
    assert "Item" not in dynamodb.get_item(TableName=name, Key={"id": {"S": "long"}})
    dynamodb.put_item(TableName=name, Item={"id": {"S": "ok"}, "n": {"N": "1" * 38}})  # 38 is fine
    with pytest.raises(ClientError) as twice:
        dynamodb.put_item(TableName=name, Item={"id": {"S": "set"}, "ns": {"NS": ["1", "1.0"]}})
    assert twice.value.response["Error"] == {"Code": "ValidationException",
                                             "Message": "Input collection contains duplicates"}
    with pytest.raises(ClientError) as strings:
        dynamodb.put_item(TableName=name, Item={"id": {"S": "set"}, "ss": {"SS": ["a", "b", "a"]}})
    assert strings.value.response["Error"]["Message"] == (
        "One or more parameter values were invalid: Input collection [a, b, a] contains duplicates.")
    with pytest.raises(ClientError) as binaries:  # boto3 base64-encodes the bytes: the message shows that text
        dynamodb.put_item(TableName=name, Item={"id": {"S": "set"}, "bs": {"BS": [b"\x01", b"\x02", b"\x01"]}})
    assert binaries.value.response["Error"] == {"Code": "ValidationException", "Message": (
        "One or more parameter values were invalid: Input collection [AQ==, Ag==, AQ==]of type BS contains duplicates.")}
    assert "Item" not in dynamodb.get_item(TableName=name, Key={"id": {"S": "set"}})
    for text, message in (("1e126", "Number overflow. Attempting to store a number with magnitude larger than "
                                    "supported range"),
                          ("1e-131", "Number underflow. Attempting to store a number with magnitude smaller than "
                                     "supported range")):
        with pytest.raises(ClientError) as out_of_range:
            dynamodb.update_item(TableName=name, Key={"id": {"S": "ok"}}, UpdateExpression="SET n = :n",
                                 ExpressionAttributeValues={":n": {"N": text}})
        assert out_of_range.value.response["Error"] == {  # a value in ExpressionAttributeValues is named by its key
            "Code": "ValidationException",
            "Message": f"ExpressionAttributeValues contains invalid value: {message} for key :n"}
    assert dynamodb.get_item(TableName=name, Key={"id": {"S": "ok"}})["Item"]["n"] == {"N": "1" * 38}


def test_update_arithmetic_keeps_dynamodb_s_form(table):
    dynamodb, name = table
    dynamodb.put_item(TableName=name, Item={"id": {"S": "c"}, "n": {"N": "1.5"}, "m": {"N": "10"}})
    dynamodb.update_item(TableName=name, Key={"id": {"S": "c"}}, UpdateExpression="SET n = n + :x, m = m - :y",
                         ExpressionAttributeValues={":x": {"N": "1.5"}, ":y": {"N": "0.5"}})
    item = dynamodb.get_item(TableName=name, Key={"id": {"S": "c"}})["Item"]
    assert item["n"] == {"N": "3"} and item["m"] == {"N": "9.5"}  # moto alone: "3.0"
    dynamodb.update_item(TableName=name, Key={"id": {"S": "c"}}, UpdateExpression="ADD n :x",
                         ExpressionAttributeValues={":x": {"N": "0.25"}})
    assert dynamodb.get_item(TableName=name, Key={"id": {"S": "c"}})["Item"]["n"] == {"N": "3.25"}
