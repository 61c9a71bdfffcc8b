"""The tutorial's six steps typed as its AWS CLI commands against the embedded stack, then curl-style requests.

Each command is the tutorial's (with our Python runtime and zip), run by the real AWS CLI with --endpoint-url.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import requests

from harness.deploy.package import build_zip
from harness.deploy.settings import DEFAULT_CODE_DIR, TRUST_POLICY

pytestmark = pytest.mark.functional

REGION = "us-west-1"
AWS = str(Path(sys.executable).with_name("aws"))
NAMES = "cli"  # this test's own names, so it never collides with the session's tutorial stack


@pytest.fixture()
def aws(stack_url, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test", AWS_DEFAULT_REGION=REGION,
               AWS_EC2_METADATA_DISABLED="true", AWS_CONFIG_FILE=str(tmp_path / "none"),
               AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "none"), AWS_PAGER="")
    if not Path(AWS).exists() and shutil.which("aws") is None:
        pytest.skip("the AWS CLI is not installed (pip install awscli)")

    def run(*args: str) -> dict:
        done = subprocess.run([AWS if Path(AWS).exists() else "aws", "--endpoint-url", stack_url, "--output", "json",
                               *args], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60)
        assert done.returncode == 0, f"aws {' '.join(args)} failed:\n{done.stderr}"
        return json.loads(done.stdout) if done.stdout.strip() else {}

    return run


@pytest.mark.slow
def test_tutorial_six_steps_with_the_aws_cli(aws, stack_url, tmp_path):
    table, role, function, api_name = f"{NAMES}-messages", f"{NAMES}-LambdaServiceRole", f"{NAMES}-db-api", f"{NAMES}-api"

    # 1. Create DynamoDB table
    created = aws("dynamodb", "create-table", "--table-name", table,
                  "--attribute-definitions", "AttributeName=id,AttributeType=S",
                  "--key-schema", "AttributeName=id,KeyType=HASH",
                  "--provisioned-throughput", "ReadCapacityUnits=5,WriteCapacityUnits=5")
    assert created["TableDescription"]["TableName"] == table
    assert created["TableDescription"]["KeySchema"] == [{"AttributeName": "id", "KeyType": "HASH"}]
    assert created["TableDescription"]["TableArn"].startswith(f"arn:aws:dynamodb:{REGION}:")
    assert aws("dynamodb", "describe-table", "--table-name", table)["Table"]["TableName"] == table
    assert table in aws("dynamodb", "list-tables")["TableNames"]

    # 2. Create IAM role to access DynamoDB
    (tmp_path / "lambda-trust-policy.json").write_text(TRUST_POLICY)
    role_arn = aws("iam", "create-role", "--role-name", role,
                   "--assume-role-policy-document", "file://lambda-trust-policy.json")["Role"]["Arn"]
    assert aws("iam", "attach-role-policy", "--role-name", role,
               "--policy-arn", "arn:aws:iam::aws:policy/AmazonDynamoDBFullAccess") == {}  # no output is good
    aws("iam", "attach-role-policy", "--role-name", role,
        "--policy-arn", "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole")

    # 3. Create AWS Lambda, then test it with the tutorial's mock requests
    (tmp_path / "db-api.zip").write_bytes(build_zip(DEFAULT_CODE_DIR))
    fn = aws("lambda", "create-function", "--function-name", function, "--runtime", "python3.12",
             "--role", role_arn, "--handler", "index.handler", "--zip-file", "fileb://db-api.zip",
             "--memory-size", "512", "--timeout", "10")
    assert (fn["FunctionName"], fn["MemorySize"], fn["Timeout"], fn["Handler"]) == (function, 512, 10, "index.handler")
    (tmp_path / "db-api-test.json").write_text(json.dumps(
        {"httpMethod": "GET", "queryStringParameters": {"TableName": table}}))
    result = aws("lambda", "invoke", "--invocation-type", "RequestResponse", "--function-name", function,
                 "--payload", "file://db-api-test.json", "output.txt")
    assert result["StatusCode"] == 200 and "FunctionError" not in result
    output = json.loads((tmp_path / "output.txt").read_text())
    assert output["statusCode"] == 200
    assert json.loads(output["body"]) == {"Items": [], "Count": 0, "ScannedCount": 0}
    (tmp_path / "db-api-post.json").write_text(json.dumps({
        "httpMethod": "POST", "queryStringParameters": {"TableName": table},
        "body": {"TableName": table, "Item": {"id": "1", "author": "Neil Armstrong",
                                              "text": "That is one small step for (a) man, one giant leap for mankind"}}}))
    aws("lambda", "invoke", "--function-name", function, "--payload", "file://db-api-post.json", "post.txt")
    assert json.loads((tmp_path / "post.txt").read_text())["statusCode"] == 200

    # 4. Create API Gateway: REST API, resource, method, integration, deployment, permission
    api_id = aws("apigateway", "create-rest-api", "--name", api_name, "--description", "Api for db-api")["id"]
    root_id = next(r["id"] for r in aws("apigateway", "get-resources", "--rest-api-id", api_id)["items"]
                   if r["path"] == "/")
    resource = aws("apigateway", "create-resource", "--rest-api-id", api_id, "--parent-id", root_id,
                   "--path-part", "db-api")
    assert resource["path"] == "/db-api"
    method = aws("apigateway", "put-method", "--rest-api-id", api_id, "--resource-id", resource["id"],
                 "--http-method", "ANY", "--authorization-type", "NONE")
    assert (method["httpMethod"], method["authorizationType"]) == ("ANY", "NONE")
    uri = f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{fn['FunctionArn']}/invocations"
    integration = aws("apigateway", "put-integration", "--rest-api-id", api_id, "--resource-id", resource["id"],
                      "--http-method", "ANY", "--type", "AWS_PROXY", "--integration-http-method", "POST",
                      "--uri", uri)
    assert (integration["type"], integration["httpMethod"]) == ("AWS_PROXY", "POST")
    aws("apigateway", "put-method-response", "--rest-api-id", api_id, "--resource-id", resource["id"],
        "--http-method", "ANY", "--status-code", "200", "--response-models", "{}")
    assert aws("apigateway", "create-deployment", "--rest-api-id", api_id, "--stage-name", "prod")["id"]
    url = f"{stack_url}/_aws/execute-api/{api_id}/prod/db-api"

    # Troubleshooting "Permissions": before add-permission, API Gateway may not invoke the function.
    denied = requests.get(url, params={"TableName": table}, timeout=30)
    assert (denied.status_code, denied.text) == (500, '{"message": "Internal server error"}')

    account = role_arn.split(":")[4]
    statement = aws("lambda", "add-permission", "--function-name", function,
                    "--statement-id", f"apigateway-db-api-any-proxy-{uuid.uuid4()}",
                    "--action", "lambda:InvokeFunction", "--principal", "apigateway.amazonaws.com",
                    "--source-arn", f"arn:aws:execute-api:{REGION}:{account}:{api_id}/*/*/db-api")
    assert "apigateway.amazonaws.com" in statement["Statement"]

    # 5. Test: curl GET, POST with a generated id, GET sees it, DELETE by Key, GET no longer sees it
    listed = requests.get(url, params={"TableName": table}, timeout=30)
    assert listed.status_code == 200 and listed.headers["Content-Type"] == "application/json"
    assert listed.json()["Count"] == 1
    new_id = str(uuid.uuid4()).upper()
    posted = requests.post(url, json={"TableName": table, "Item": {
        "id": new_id, "author": "Neil Armstrong", "text": "That is one small step for (a) man"}}, timeout=30)
    assert (posted.status_code, posted.json()) == (200, {})
    ids = {item["id"] for item in requests.get(url, params={"TableName": table}, timeout=30).json()["Items"]}
    assert ids == {"1", new_id}
    deleted = requests.delete(url, json={"TableName": table, "Key": {"id": new_id}}, timeout=30)
    assert (deleted.status_code, deleted.json()) == (200, {})
    assert requests.get(url, params={"TableName": table}, timeout=30).json()["Count"] == 1

    # 6. Clean up
    aws("apigateway", "delete-rest-api", "--rest-api-id", api_id)
    aws("lambda", "delete-function", "--function-name", function)
    aws("dynamodb", "delete-table", "--table-name", table)
    assert requests.get(url, params={"TableName": table}, timeout=30).status_code == 404
    assert table not in aws("dynamodb", "list-tables")["TableNames"]
