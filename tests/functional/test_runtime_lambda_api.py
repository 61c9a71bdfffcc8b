"""The Invoke API end to end in process: moto holds the function, the runtime runs it, logs land in moto."""
from __future__ import annotations

import base64
import io
import json
import zipfile
from pathlib import Path

import boto3
import pytest
from moto import mock_aws
from werkzeug.test import Client

from harness.emulator.control import ControlPlane
from harness.emulator.front.exchange import Exchange
from harness.emulator.front.handler_chain import HandlerChain
from harness.emulator.front.handlers import LambdaInvoke
from harness.emulator.runtime import LambdaRuntime

FUNCTIONS = Path(__file__).resolve().parent.parent / "fixtures" / "functions"
REGION, ACCOUNT = "eu-central-1", "123456789012"
TRUST = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}


def probe_zip(extra: str = "") -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("index.py", (FUNCTIONS / "probe" / "index.py").read_text() + extra)
    return buf.getvalue()


@pytest.fixture
def world(tmp_path, monkeypatch):
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(key, raising=False)
    with mock_aws():
        iam = boto3.client("iam", region_name=REGION)
        role = iam.create_role(RoleName="probe-role", AssumeRolePolicyDocument=json.dumps(TRUST))["Role"]["Arn"]
        lam = boto3.client("lambda", region_name=REGION)
        lam.create_function(FunctionName="probe", Runtime="python3.12", Role=role, Handler="index.chatty",
                            Code={"ZipFile": probe_zip()}, Timeout=3, MemorySize=256)
        control = ControlPlane()
        runtime = LambdaRuntime(endpoint_url="http://127.0.0.1:9", code_loader=control.function_code,
                                log_writer=control.put_log_lines, work_dir=tmp_path / "code")
        try:
            yield control, runtime, lam
        finally:
            runtime.shutdown()


def invoke(world, name: str, body: bytes, **headers: str):
    control, runtime, _ = world
    front = HandlerChain([LambdaInvoke(control, runtime)], [],
                         lambda environ: Exchange(environ, default_region=REGION, accounts=lambda key: ACCOUNT))
    return Client(front).post(f"/2015-03-31/functions/{name}/invocations", data=body, headers=headers)


def test_invoke_through_the_api_with_tail_and_cloudwatch_logs(world):
    response = invoke(world, "probe", b'{"tag": "hello"}', **{"X-Amz-Log-Type": "Tail"})
    assert response.status_code == 200, response.get_data()
    assert json.loads(response.get_data())["tag"] == "hello"
    tail = base64.b64decode(response.headers["X-Amz-Log-Result"]).decode()
    request_id = response.headers["x-amzn-RequestId"]
    assert f"START RequestId: {request_id} Version: $LATEST" in tail and "hello line 0" in tail
    control, _, _ = world
    control.flush_logs()  # what the stack's front does before any CloudWatch Logs call (read here in process)
    logs = boto3.client("logs", region_name=REGION)
    events = logs.filter_log_events(logGroupName="/aws/lambda/probe")["events"]
    messages = [e["message"] for e in events]
    assert f"END RequestId: {request_id}\n" in messages and "hello line 2\n" in messages  # as AWS stores them


def test_full_arn_name_and_function_error(world):
    arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:probe"
    response = invoke(world, arn, b'{"no_tag": 1}')
    assert response.status_code == 200 and response.headers["X-Amz-Function-Error"] == "Unhandled"
    assert json.loads(response.get_data())["errorType"] == "KeyError"


def test_code_update_reaches_the_next_invoke(world):
    _, _, lam = world
    first = json.loads(invoke(world, "probe", b'{"tag": "a"}').get_data())
    lam.update_function_code(FunctionName="probe",
                             ZipFile=probe_zip("\n\ndef chatty(event, context):\n    return {'tag': 'v2'}\n"))
    second = json.loads(invoke(world, "probe", b'{"tag": "a"}').get_data())
    assert (first["tag"], second) == ("a", {"tag": "v2"})


def test_missing_function_and_event_invocation(world):
    missing = invoke(world, "absent", b"{}")
    assert missing.status_code == 404
    # Lambda's ResourceNotFoundException body: Type and `Message`; Invoke names the function with `:$LATEST`
    # (LocalStack's recorded AWS answers, tests/aws/services/lambda_/test_lambda_api.snapshot.json and
    # test_lambda.snapshot.json, test_invoke_exceptions)
    assert json.loads(missing.get_data()) == {
        "Type": "User", "Message": f"Function not found: arn:aws:lambda:{REGION}:{ACCOUNT}:function:absent:$LATEST"}
    accepted = invoke(world, "probe", b'{"tag": "async"}', **{"X-Amz-Invocation-Type": "Event"})
    assert accepted.status_code == 202
