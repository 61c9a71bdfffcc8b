"""`harness serve --state DIR`: tables and items outlive a restart (journal replayed); the tutorial's stack redeploys
over them; an older version's DynamoDB snapshot is imported once."""
from __future__ import annotations

import json
import signal

import boto3
import pytest
import requests

from .harness_process import HarnessProcess

pytestmark = pytest.mark.functional


class Serve(HarnessProcess):
    """`harness serve --port 0 ARGS`."""

    def __init__(self, *args: str) -> None:
        super().__init__("serve", "--port", "0", *args)

    def url(self) -> str:
        return self.wait_line("embedded stack ready at").split(" at ", 1)[1].split(" ")[0]


def dynamodb(url: str, region: str):
    return boto3.client("dynamodb", endpoint_url=url, region_name=region, aws_access_key_id="test",
                        aws_secret_access_key="test")


ITEM = {"pk": {"S": "a"}, "sk": {"N": "1"}, "bin": {"B": b"\x00\xff"}, "set": {"BS": [b"\x01", b"\x02"]},
        "doc": {"M": {"list": {"L": [{"N": "1.5"}, {"BOOL": True}, {"NULL": True}]}, "ss": {"SS": ["x", "y"]}}}}


@pytest.mark.slow
def test_tables_items_indexes_and_tags_survive_a_restart_and_a_redeploy(tmp_path):
    state = tmp_path / "state"
    first = Serve("--state", str(state), "--deploy", "--outputs", str(tmp_path / "out.json"))
    try:
        url = first.url()
        first.wait_line("(0 writes replayed")
        first.wait_line("harness: deployed db-api")
        invoke_url = json.loads((tmp_path / "out.json").read_text())["invoke_url"]
        posted = requests.post(invoke_url, json={"TableName": "messages", "Item": {"id": "kept", "text": "hi"}},
                               timeout=30)
        assert posted.status_code == 200, posted.text
        east = dynamodb(url, "us-east-1")
        east.create_table(
            TableName="orders", BillingMode="PROVISIONED",
            ProvisionedThroughput={"ReadCapacityUnits": 3, "WriteCapacityUnits": 4},
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                  {"AttributeName": "sk", "AttributeType": "N"},
                                  {"AttributeName": "g", "AttributeType": "S"}],
            GlobalSecondaryIndexes=[{"IndexName": "by-g", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                                     "Projection": {"ProjectionType": "KEYS_ONLY"},
                                     "ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1}}],
            Tags=[{"Key": "team", "Value": "news"}])
        east.put_item(TableName="orders", Item=ITEM)
        for n in range(2, 130):  # more than one BatchWriteItem on the way back
            east.put_item(TableName="orders", Item={"pk": {"S": "many"}, "sk": {"N": str(n)}, "g": {"S": "x"}})
    finally:
        assert first.stop(signal.SIGHUP) == 0, "\n".join(first.seen)  # a closed terminal saves too
    assert (state / "journal.log").is_file()

    second = Serve("--state", str(state), "--deploy", "--outputs", str(tmp_path / "out.json"))
    try:
        url = second.url()
        replayed = second.wait_line("writes replayed")
        assert int(replayed.split("(", 1)[1].split(" ", 1)[0]) > 130, replayed
        second.wait_line("harness: deployed db-api")  # the tutorial's table is found (by its tags), kept
        invoke_url = json.loads((tmp_path / "out.json").read_text())["invoke_url"]
        items = requests.get(invoke_url, params={"TableName": "messages"}, timeout=30).json()["Items"]
        assert items == [{"id": "kept", "text": "hi"}]
        east = dynamodb(url, "us-east-1")
        table = east.describe_table(TableName="orders")["Table"]
        assert table["ProvisionedThroughput"]["ReadCapacityUnits"] == 3
        assert table["GlobalSecondaryIndexes"][0]["IndexName"] == "by-g"
        assert east.list_tags_of_resource(ResourceArn=table["TableArn"])["Tags"] == [{"Key": "team", "Value": "news"}]
        assert east.get_item(TableName="orders", Key={"pk": {"S": "a"}, "sk": {"N": "1"}})["Item"] == ITEM
        many = east.query(TableName="orders", KeyConditionExpression="pk = :p",
                          ExpressionAttributeValues={":p": {"S": "many"}})
        assert many["Count"] == 128
        assert dynamodb(url, "us-west-1").list_tables()["TableNames"] == ["messages"]
    finally:
        assert second.stop() == 0, "\n".join(second.seen)


@pytest.mark.slow  # > 0.9 s: `make test` runs it, `make test-fast` does not
def test_a_state_file_it_cannot_read_stops_the_start_and_is_left_as_it_was(tmp_path):
    (tmp_path / "dynamodb.json").write_text('{"version": 42}')
    broken = Serve("--state", str(tmp_path))
    assert broken.proc.wait(timeout=60) == 2
    broken.stop()  # collects the rest of the output
    assert any("is not a state file this harness can read (version 1 expected)" in line for line in broken.seen), \
        broken.seen
    assert (tmp_path / "dynamodb.json").read_text() == '{"version": 42}'


@pytest.mark.slow  # > 0.9 s: `make test` runs it, `make test-fast` does not
def test_an_older_versions_dynamodb_snapshot_is_imported_once(tmp_path):
    legacy = {"version": 1, "regions": {"us-east-1": [{
        "create": {"TableName": "old", "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
                   "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
                   "BillingMode": "PAY_PER_REQUEST"},
        "items": [{"pk": {"S": "kept"}, "bin": {"B": "AP8="}}]}]}}
    (tmp_path / "dynamodb.json").write_text(json.dumps(legacy))
    for run in range(2):  # imported on the first start (through the journal), replayed on the second
        serve = Serve("--state", str(tmp_path))
        try:
            url = serve.url()
            line = serve.wait_line("writes replayed")
            assert ("1 tables imported" in line) is (run == 0), line
            item = dynamodb(url, "us-east-1").get_item(TableName="old", Key={"pk": {"S": "kept"}})["Item"]
            assert item == {"pk": {"S": "kept"}, "bin": {"B": b"\x00\xff"}}
        finally:
            assert serve.stop() == 0, "\n".join(serve.seen)
    assert not (tmp_path / "dynamodb.json").exists() and (tmp_path / "dynamodb.json.imported").is_file()
