"""`harness serve --state`: every write answered 200 survives SIGTERM and SIGKILL mid-stream, and so do the
stack's functions, layers, REST API (same id, its deployment serving), IAM role; a torn journal tail (a
write cut off before it was answered) is dropped at start."""
from __future__ import annotations

import io
import signal
import threading
import time
import zipfile

import boto3
import pytest
import requests
from botocore.config import Config

from .harness_process import HarnessProcess

pytestmark = [pytest.mark.functional, pytest.mark.slow]
REGION = "us-east-1"
HANDLER = b"def handler(event, context):\n    return {'statusCode': 200, 'body': 'kept'}\n"


def client(url: str, service: str):
    return boto3.client(service, endpoint_url=url, region_name=REGION, aws_access_key_id="test",
                        aws_secret_access_key="test",
                        config=Config(retries={"max_attempts": 1}, connect_timeout=2, read_timeout=10))


def serve(state) -> tuple[HarnessProcess, str]:
    proc = HarnessProcess("serve", "--port", "0", "--state", str(state))
    line = proc.wait_line("embedded stack ready at")
    return proc, line.split(" at ", 1)[1].split(" ")[0]


def zipped(data: bytes, name: str = "index.py") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(name, data)
    return buffer.getvalue()


def build_stack(url: str) -> dict[str, str]:
    """A function (with a layer), a role, a table, a REST API deployed to a stage calling the function."""
    iam, lam, ddb, apigw = (client(url, s) for s in ("iam", "lambda", "dynamodb", "apigateway"))
    role = iam.create_role(RoleName="kept-role", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    layer = lam.publish_layer_version(LayerName="kept-layer", Content={"ZipFile": zipped(b"X = 1\n", "python/x.py")})
    fn = lam.create_function(FunctionName="kept-fn", Runtime="python3.12", Role=role, Handler="index.handler",
                             Code={"ZipFile": zipped(HANDLER)}, Layers=[layer["LayerVersionArn"]])["FunctionArn"]
    ddb.create_table(TableName="writes", KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                     BillingMode="PAY_PER_REQUEST")
    api = apigw.create_rest_api(name="kept-api")["id"]
    root = apigw.get_resources(restApiId=api)["items"][0]["id"]
    res = apigw.create_resource(restApiId=api, parentId=root, pathPart="hello")["id"]
    apigw.put_method(restApiId=api, resourceId=res, httpMethod="GET", authorizationType="NONE")
    apigw.put_integration(restApiId=api, resourceId=res, httpMethod="GET", type="AWS_PROXY",
                          integrationHttpMethod="POST",
                          uri=f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{fn}/invocations")
    apigw.create_deployment(restApiId=api, stageName="prod")
    lam.add_permission(FunctionName="kept-fn", StatementId="apigw", Action="lambda:InvokeFunction",
                       Principal="apigateway.amazonaws.com")
    return {"api": api, "resource": res, "role": role}


def write_until_stopped(url: str, worker: int, acked: list[str], stop: threading.Event) -> None:
    ddb = client(url, "dynamodb")
    n = 0
    while not stop.is_set():
        key = f"w{worker}-{n}"
        try:
            ddb.put_item(TableName="writes", Item={"id": {"S": key}, "n": {"N": str(n)}})
        except Exception:  # the stack went away: this write was not acknowledged
            return
        acked.append(key)
        n += 1


@pytest.mark.parametrize("signum", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
def test_every_acknowledged_write_survives(tmp_path, signum):
    state = tmp_path / "state"
    first, url = serve(state)
    try:
        built = build_stack(url)
        acked: list[str] = []
        stop = threading.Event()
        writers = [threading.Thread(target=write_until_stopped, args=(url, i, acked, stop)) for i in range(6)]
        for writer in writers:
            writer.start()
        deadline = time.monotonic() + 30
        while len(acked) < 300 and time.monotonic() < deadline:
            time.sleep(0.05)
        first.proc.send_signal(signum)  # mid-stream: the writers are still writing
        first.proc.wait(timeout=60)
        stop.set()
        for writer in writers:
            writer.join(30)
    finally:
        first.close()
    assert len(acked) >= 300

    second, url = serve(state)
    try:
        ddb = client(url, "dynamodb")
        found: set[str] = set()
        for page in ddb.get_paginator("scan").paginate(TableName="writes", ConsistentRead=True):
            found.update(item["id"]["S"] for item in page["Items"])
        missing = sorted(set(acked) - found)
        assert missing == [], f"{len(missing)} acknowledged writes lost, e.g. {missing[:5]}"
        lam = client(url, "lambda")
        assert lam.get_function(FunctionName="kept-fn")["Configuration"]["Layers"][0]["Arn"].endswith(
            ":layer:kept-layer:1")
        assert client(url, "iam").get_role(RoleName="kept-role")["Role"]["Arn"] == built["role"]
        apigw = client(url, "apigateway")
        assert built["resource"] in {r["id"] for r in apigw.get_resources(restApiId=built["api"])["items"]}
        answer = requests.get(f"{url}/_aws/execute-api/{built['api']}/prod/hello", timeout=30)
        assert (answer.status_code, answer.text) == (200, "kept")
    finally:
        assert second.stop(signal.SIGTERM) == 0, "\n".join(second.seen)


def test_a_torn_tail_is_dropped_and_the_rest_replayed(tmp_path):
    state = tmp_path / "state"
    first, url = serve(state)
    try:
        client(url, "dynamodb").create_table(
            TableName="torn", KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST")
    finally:
        first.proc.send_signal(signal.SIGKILL)
        first.close()
    with open(state / "journal.log", "ab") as journal:
        journal.write(b"0badc0de {\"m\": \"PUT\", \"u\": \"/half")  # a write cut off mid-line
    second, url = serve(state)
    try:
        assert client(url, "dynamodb").list_tables()["TableNames"] == ["torn"]
    finally:
        assert second.stop(signal.SIGTERM) == 0, "\n".join(second.seen)
    assert (state / "journal.log").read_bytes().endswith(b"}\n")
