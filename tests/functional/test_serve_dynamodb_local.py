"""`harness serve --dynamodb local`: Amazon's DynamoDB Local answers DynamoDB through the stack's own port.

Skips with the reason when DynamoDB Local cannot run here (no Java; no npm and no cached jar).
"""
from __future__ import annotations

import boto3
import pytest
from botocore.exceptions import ClientError

from harness.emulator.dynamodb_local import unusable_reason
from harness.emulator.process import StackProcess

pytestmark = [pytest.mark.functional, pytest.mark.slow]


@pytest.fixture(scope="module")
def local_stack():
    reason = unusable_reason()
    if reason is not None:
        pytest.skip(f"DynamoDB Local cannot run here: {reason}")
    with StackProcess(region="us-west-1", extra_args=("--dynamodb", "local")) as proc:
        yield proc


def _dynamodb(url: str, key: str = "testing"):
    return boto3.client("dynamodb", endpoint_url=url, region_name="us-west-1", aws_access_key_id=key,
                        aws_secret_access_key="testing")


def test_dynamodb_calls_are_answered_by_dynamodb_local(local_stack):
    assert any("DynamoDB is Amazon's DynamoDB Local" in line for line in local_stack.output)
    dynamodb = _dynamodb(local_stack.url)
    dynamodb.create_table(TableName="served-by-local", BillingMode="PAY_PER_REQUEST",
                          KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                          AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}])
    dynamodb.put_item(TableName="served-by-local", Item={"id": {"S": "a"}, "n": {"N": "1.50"}})
    # DynamoDB Local's own traits: its ARN region and its wording of a missing key (moto words both otherwise)
    arn = dynamodb.describe_table(TableName="served-by-local")["Table"]["TableArn"]
    assert arn.startswith("arn:aws:dynamodb:ddblocal:000000000000:table/")
    with pytest.raises(ClientError) as refused:
        dynamodb.put_item(TableName="served-by-local", Item={"other": {"S": "a"}})
    assert refused.value.response["Error"]["Message"] == "One of the required keys was not given a value"
    # one database for every access key (the stack's DynamoDB, whoever asks)
    assert _dynamodb(local_stack.url, key="another")\
        .get_item(TableName="served-by-local", Key={"id": {"S": "a"}})["Item"]["id"] == {"S": "a"}


def test_reset_empties_dynamodb_local(local_stack):
    dynamodb = _dynamodb(local_stack.url)
    dynamodb.create_table(TableName="gone-after-reset", BillingMode="PAY_PER_REQUEST",
                          KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                          AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}])
    import requests

    assert requests.post(f"{local_stack.url}/moto-api/reset", timeout=60).status_code == 200
    assert dynamodb.list_tables()["TableNames"] == []


def test_the_rest_of_the_stack_is_still_served(local_stack):
    lambda_ = boto3.client("lambda", endpoint_url=local_stack.url, region_name="us-west-1",
                           aws_access_key_id="testing", aws_secret_access_key="testing")
    assert lambda_.list_functions()["Functions"] == []


def test_serve_refuses_dynamodb_local_it_cannot_run(tmp_path):
    """No Java on the PATH: a clear usage error, no stack left behind."""
    with pytest.raises(RuntimeError) as failed:
        StackProcess(region="us-west-1", extra_args=("--dynamodb", "local"),
                     env={"PATH": str(tmp_path), "HARNESS_DYNAMODB_LOCAL_DIR": str(tmp_path)}).start(timeout=30)
    assert "--dynamodb local: DynamoDB Local needs Java" in str(failed.value)
