"""The gateway over the real ControlPlane adapter and moto's stored state (fake submit): pins moto's shapes."""
from __future__ import annotations

import io
import zipfile

import boto3
import pytest
from moto import mock_aws

from harness.emulator.control import ControlPlane
from harness.emulator.gateway.chain import Gateway, to_response
from harness.emulator.gateway.parse import execute_api_target
from tests.unit.test_gateway_support import FakeSubmit, make_request

REGION = "us-east-1"


@pytest.fixture()
def deployed(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    with mock_aws():
        iam = boto3.client("iam", region_name=REGION)
        role = iam.create_role(RoleName="r", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
        code = io.BytesIO()
        with zipfile.ZipFile(code, "w") as z:
            z.writestr("index.py", "def handler(e, c):\n    return {}\n")
        lam = boto3.client("lambda", region_name=REGION)
        fn = lam.create_function(FunctionName="db-fn", Runtime="python3.12", Role=role, Handler="index.handler",
                                 Code={"ZipFile": code.getvalue()})["FunctionArn"]
        ag = boto3.client("apigateway", region_name=REGION)
        api = ag.create_rest_api(name="db-api")["id"]
        root = ag.get_resources(restApiId=api)["items"][0]["id"]
        res = ag.create_resource(restApiId=api, parentId=root, pathPart="db-api")["id"]
        ag.put_method(restApiId=api, resourceId=res, httpMethod="ANY", authorizationType="NONE")
        ag.put_integration(restApiId=api, resourceId=res, httpMethod="ANY", type="AWS_PROXY",
                           integrationHttpMethod="POST",
                           uri=f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{fn}/invocations")
        ag.create_deployment(restApiId=api, stageName="prod")
        account = fn.split(":")[4]
        yield {"api": api, "resource": res, "lambda": lam, "logs": boto3.client("logs", region_name=REGION),
               "account": account}


def _get(gateway: Gateway, path: str):
    request = make_request(path)
    return to_response(gateway.answer(request, execute_api_target(request.path, request.host)))


def test_tutorial_permission_through_moto(deployed):
    api = deployed["api"]
    control = ControlPlane()
    gateway = Gateway(control=control, submit=FakeSubmit({"statusCode": 200, "body": "ok"}))
    assert _get(gateway, f"/_aws/execute-api/{api}/prod/db-api").status_code == 500  # no permission yet
    deployed["lambda"].add_permission(
        FunctionName="db-fn", StatementId="apigw", Action="lambda:InvokeFunction", Principal="apigateway.amazonaws.com",
        SourceArn=f"arn:aws:execute-api:{REGION}:{deployed['account']}:{api}/*/*/db-api")
    response = _get(gateway, f"/_aws/execute-api/{api}/prod/db-api")
    assert (response.status_code, response.get_data()) == (200, b"ok")
    assert control.flush_logs()  # execution logs are written a moment after the answer, as on AWS
    events = deployed["logs"].filter_log_events(logGroupName=f"API-Gateway-Execution-Logs_{api}/prod")["events"]
    assert any(e["message"].endswith("Method completed with status: 200") for e in events)
    assert any("Invalid permissions on Lambda function" in e["message"] for e in events)


def test_permission_for_another_api_through_moto(deployed):
    deployed["lambda"].add_permission(
        FunctionName="db-fn", StatementId="apigw", Action="lambda:InvokeFunction", Principal="apigateway.amazonaws.com",
        SourceArn=f"arn:aws:execute-api:{REGION}:{deployed['account']}:other/*/*/db-api")
    gateway = Gateway(control=ControlPlane(), submit=FakeSubmit())
    assert _get(gateway, f"/_aws/execute-api/{deployed['api']}/prod/db-api").status_code == 500


def test_test_invoke_through_moto(deployed):
    deployed["lambda"].add_permission(
        FunctionName="db-fn", StatementId="apigw", Action="lambda:InvokeFunction", Principal="apigateway.amazonaws.com")
    gateway = Gateway(control=ControlPlane(), submit=FakeSubmit({"body": "hi"}))
    request = make_request("/restapis/x/resources/y/methods/GET", "POST", body=b'{"pathWithQueryString": "/db-api"}')
    doc = gateway.test_invoke(request, deployed["api"], deployed["resource"], "GET").get_json()
    assert (doc["status"], doc["body"]) == (200, "hi")
