"""Saving DynamoDB state: CreateTable parameters from a description, binary values through JSON, bad files."""
from __future__ import annotations

import json

import pytest

from harness.emulator.state import FILE_NAME, StateFileError, _from_json, _to_json, describe, restore

KEYS = [{"AttributeName": "id", "KeyType": "HASH"}]
ATTRS = [{"AttributeName": "id", "AttributeType": "S"}, {"AttributeName": "g", "AttributeType": "N"}]
GSI = {"IndexName": "by-g", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
       "Projection": {"ProjectionType": "ALL"}, "IndexStatus": "ACTIVE", "ItemCount": 3,
       "ProvisionedThroughput": {"ReadCapacityUnits": 2, "WriteCapacityUnits": 3, "NumberOfDecreasesToday": 0}}


def test_an_on_demand_table_with_an_index_and_tags():
    table = {"TableName": "t", "KeySchema": KEYS, "AttributeDefinitions": ATTRS, "ItemCount": 3,
             "BillingModeSummary": {"BillingMode": "PAY_PER_REQUEST"}, "GlobalSecondaryIndexes": [GSI],
             "ProvisionedThroughput": {"ReadCapacityUnits": 0, "WriteCapacityUnits": 0}}
    tags = [{"Key": "harness:stack", "Value": "db-api"}]
    assert describe(table, tags) == {
        "TableName": "t", "KeySchema": KEYS, "AttributeDefinitions": ATTRS, "BillingMode": "PAY_PER_REQUEST",
        "GlobalSecondaryIndexes": [{"IndexName": "by-g", "KeySchema": GSI["KeySchema"],
                                    "Projection": {"ProjectionType": "ALL"}}],
        "Tags": tags}


def test_a_provisioned_table_keeps_its_throughput():
    table = {"TableName": "p", "KeySchema": KEYS, "AttributeDefinitions": ATTRS[:1],
             "ProvisionedThroughput": {"ReadCapacityUnits": 5, "WriteCapacityUnits": 7, "NumberOfDecreasesToday": 0},
             "GlobalSecondaryIndexes": [GSI]}
    params = describe(table, [])
    assert params["BillingMode"] == "PROVISIONED" and "Tags" not in params
    assert params["ProvisionedThroughput"] == {"ReadCapacityUnits": 5, "WriteCapacityUnits": 7}
    assert params["GlobalSecondaryIndexes"][0]["ProvisionedThroughput"] == {"ReadCapacityUnits": 2,
                                                                           "WriteCapacityUnits": 3}


def test_binary_values_go_through_json_and_back():
    item = {"id": {"S": "B"}, "b": {"B": b"\x00\xff"}, "bs": {"BS": [b"\x01", b"\x02"]}, "n": {"N": "1.5"},
            "m": {"M": {"B": {"B": b"\x03"}, "s": {"S": "text"}}}, "l": {"L": [{"B": b"\x04"}, {"SS": ["B"]}]}}
    text = json.dumps(_to_json(item))
    assert _from_json(json.loads(text)) == item


@pytest.mark.parametrize("content", ["{not json", '{"version": 99, "regions": {}}', '[]', '{"version": 1}'])
def test_a_state_file_this_version_cannot_read_is_refused(tmp_path, content):
    (tmp_path / FILE_NAME).write_text(content)
    with pytest.raises(StateFileError, match="is not a state file this harness can read"):
        restore(tmp_path, lambda region: pytest.fail("nothing may be created"))


def test_no_state_file_is_a_fresh_start(tmp_path):
    assert restore(tmp_path / "new", lambda region: pytest.fail("nothing to restore")) == 0


def test_a_local_index_never_carries_throughput():
    lsi = {"IndexName": "by-s", "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"},
                                              {"AttributeName": "s", "KeyType": "RANGE"}],
           "Projection": {"ProjectionType": "KEYS_ONLY"}, "IndexSizeBytes": 0, "ItemCount": 0}
    table = {"TableName": "l", "KeySchema": KEYS, "AttributeDefinitions": ATTRS, "LocalSecondaryIndexes": [lsi],
             "ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1}}
    assert describe(table, [])["LocalSecondaryIndexes"] == [
        {"IndexName": "by-s", "KeySchema": lsi["KeySchema"], "Projection": {"ProjectionType": "KEYS_ONLY"}}]
