"""Deploy, redeploy and destroy the tutorial's stack against moto's own server, started on port 0."""
from __future__ import annotations

import os

import pytest

from harness.clients import Clients, Endpoint
from harness.deploy import StackOutputs, StackSettings, deploy, destroy

pytestmark = pytest.mark.functional


@pytest.fixture()
def moto_server(monkeypatch):
    monkeypatch.setenv("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def inventory(clients: Clients) -> dict:
    return {
        "tables": clients("dynamodb").list_tables()["TableNames"],
        "functions": [f["FunctionName"] for f in clients("lambda").list_functions()["Functions"]],
        "apis": [a["name"] for a in clients("apigateway").get_rest_apis()["items"]],
        "roles": [r["RoleName"] for r in clients("iam").list_roles()["Roles"]],
    }


@pytest.mark.slow  # > 0.9 s: `make test` runs it, `make test-fast` does not
def test_deploy_redeploy_destroy(moto_server, tmp_path):
    settings = StackSettings()
    clients = Clients(Endpoint(moto_server, settings.region))
    steps: list[str] = []
    first = deploy(settings, clients, on_step=lambda s, _: steps.append(s.operation if hasattr(s, "operation") else s.waiter))
    assert "CreateFunction" in steps and "AddPermission" in steps

    assert inventory(clients) == {"tables": ["messages"], "functions": ["db-api"], "apis": ["api-for-db-api"],
                                  "roles": ["LambdaServiceRole"]}
    fn = clients("lambda").get_function(FunctionName="db-api")["Configuration"]
    assert (fn["Runtime"], fn["Handler"], fn["MemorySize"], fn["Timeout"]) == ("python3.12", "index.handler", 512, 10)
    attached = clients("iam").list_attached_role_policies(RoleName="LambdaServiceRole")["AttachedPolicies"]
    assert {p["PolicyName"] for p in attached} == {"AmazonDynamoDBFullAccess", "AWSLambdaBasicExecutionRole"}
    policy = clients("lambda").get_policy(FunctionName="db-api")["Policy"]
    assert f"arn:aws:execute-api:us-west-1:{first.account_id}:{first.api_id}/*/*/db-api" in policy
    integration = clients("apigateway").get_integration(restApiId=first.api_id, resourceId=_resource(clients, first),
                                                        httpMethod="ANY")
    assert (integration["type"], integration["httpMethod"]) == ("AWS_PROXY", "POST")
    assert first.invoke_url == f"{moto_server}/_aws/execute-api/{first.api_id}/prod/db-api"

    path = first.write(tmp_path / "outputs.json")
    assert StackOutputs.read(path) == first

    changed = settings.with_overrides({"code_files": {"extra.py": "X = 1\n"}})
    second = deploy(changed, clients)
    assert second.api_id == first.api_id
    assert second.deployment_id != first.deployment_id
    assert clients("lambda").get_function(FunctionName="db-api")["Configuration"]["CodeSha256"] != fn["CodeSha256"]
    assert inventory(clients)["apis"] == ["api-for-db-api"]
    statements = clients("lambda").get_policy(FunctionName="db-api")["Policy"]
    assert statements.count("apigateway.amazonaws.com") == 1

    # something the stack did not create must survive its teardown
    clients("dynamodb").create_table(TableName="not-mine", BillingMode="PAY_PER_REQUEST",
                                     KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
                                     AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}])
    destroy(settings, clients)
    assert inventory(clients) == {"tables": ["not-mine"], "functions": [], "apis": [], "roles": []}
    assert destroy(settings, clients) == ()


def _resource(clients: Clients, outputs: StackOutputs) -> str:
    items = clients("apigateway").get_resources(restApiId=outputs.api_id)["items"]
    return next(r["id"] for r in items if r["path"] == "/db-api")


def test_execution_logging_turns_on_the_stage_logs(clients):
    """What `HARNESS_AWS_EXECUTION_LOGS=1` makes the real-AWS target deploy, run against the embedded stack."""
    settings = StackSettings(region="us-west-1", execution_logging=True).with_prefix("logon-")
    outputs = deploy(settings, clients)
    try:
        stage = clients("apigateway").get_stage(restApiId=outputs.api_id, stageName="prod")
        assert stage["methodSettings"]["*/*"]["loggingLevel"] == "INFO"
        assert stage["methodSettings"]["*/*"]["dataTraceEnabled"] is True
    finally:
        destroy(settings, clients)
