"""No way in from a web page: foreign Host refused (DNS rebinding), internal routes same-origin only and without
CORS headers, moto's recorder off. A guard that failed would reset this session's stack, so every test checks a
table of its own survives."""
from __future__ import annotations

import uuid
from urllib.parse import urlsplit

import pytest
import requests

pytestmark = pytest.mark.functional


@pytest.fixture()
def table(clients):
    name = f"guard-{uuid.uuid4().hex[:8]}"
    clients("dynamodb").create_table(TableName=name, KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                                  AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                                  BillingMode="PAY_PER_REQUEST")
    yield name
    clients("dynamodb").delete_table(TableName=name)


def _cors(response: requests.Response) -> dict[str, str]:
    return {k: v for k, v in response.headers.items() if k.lower().startswith("access-control-")}


@pytest.mark.parametrize("method, path", [
    ("POST", "/moto-api/reset"),
    ("GET", "/moto-api/data.json"),
    ("GET", "/_harness/health"),
    ("OPTIONS", "/moto-api/reset"),
    ("POST", "/moto-api/reset-auth"),
])
def test_internal_routes_refuse_another_origin(stack_url, clients, table, method, path):
    answer = requests.request(method, stack_url + path, headers={
        "Origin": "http://evil.example", "Access-Control-Request-Method": "POST"}, timeout=10)
    assert answer.status_code == 403 and answer.json()["__type"] == "ForbiddenException"
    assert "own origin" in answer.json()["message"] and _cors(answer) == {}
    assert table in clients("dynamodb").list_tables()["TableNames"]


def test_a_cross_site_fetch_without_origin_is_refused(stack_url, clients, table):
    answer = requests.get(stack_url + "/moto-api/data.json", headers={"Sec-Fetch-Site": "cross-site"}, timeout=10)
    assert answer.status_code == 403
    assert table in clients("dynamodb").list_tables()["TableNames"]


@pytest.mark.slow  # > 0.9 s: `make test` runs it, `make test-fast` does not
def test_same_origin_reads_internal_routes_without_cors_headers(stack_url):
    answer = requests.get(stack_url + "/moto-api/data.json", headers={"Origin": stack_url}, timeout=10)
    assert answer.status_code == 200 and _cors(answer) == {}
    health = requests.get(stack_url + "/_harness/health", headers={"Sec-Fetch-Site": "same-origin"}, timeout=10)
    assert health.status_code == 200 and health.json()["status"] == "ready"


@pytest.mark.parametrize("path", ["/_harness/health", "/moto-api/data.json", "/"])
def test_a_foreign_host_is_refused_everywhere(stack_url, clients, table, path):
    """DNS rebinding: evil.example resolved to 127.0.0.1 sends `Host: evil.example`."""
    port = urlsplit(stack_url).port
    answer = requests.post(stack_url + path, headers={"Host": f"evil.example:{port}",
                                                      "X-Amz-Target": "DynamoDB_20120810.ListTables",
                                                      "Content-Type": "application/x-amz-json-1.0"},
                           data="{}", timeout=10)
    assert answer.status_code == 403 and "DNS rebinding" in answer.json()["message"]
    assert table not in answer.text


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1", "[::1]", "abc.execute-api.localhost.localstack.cloud",
                                  "abc.execute-api.us-east-1.amazonaws.com", "sub.localhost"])
def test_local_names_are_answered(stack_url, host):
    port = urlsplit(stack_url).port
    answer = requests.get(stack_url + "/_harness/health", headers={"Host": f"{host}:{port}"}, timeout=10)
    assert answer.status_code == 200


def test_the_recorder_is_off(stack_url):
    """Refused before moto: its recorder would write `moto_recording` in the stack's working directory."""
    for route in ("start-recording", "upload-recording", "download-recording", "replay-recording"):
        answer = requests.post(f"{stack_url}/moto-api/recorder/{route}", data=b"{}", timeout=10)
        assert answer.status_code == 403 and "off" in answer.json()["message"], route
    assert requests.post(f"{stack_url}/moto-api/proxy/passthrough", json={}, timeout=10).status_code == 403


@pytest.mark.slow  # > 0.9 s: `make test` runs it, `make test-fast` does not
def test_moto_data_json_answers_with_a_function_deployed_and_no_docker(stack_url, clients, monkeypatch):
    """moto's data.json reads every model attribute; a Lambda function's lazy Docker client must not make it 500
    (moto_changes/no_docker.py). DOCKER_HOST points nowhere, as on a machine without a Docker engine."""
    from tests.functional.apikit import Kit

    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
    kit = Kit(clients, "dj")
    try:
        kit.function("probe", "gateway_probe")
        answer = requests.get(stack_url + "/moto-api/data.json", headers={"Origin": stack_url}, timeout=30)
        assert answer.status_code == 200, answer.text[:300]
        assert answer.json()["awslambda"]["LambdaFunction"], "the function is listed"
    finally:
        kit.teardown()


def test_connect_to_a_path_is_answered_like_any_other_method(stack_url):
    """Only `CONNECT host:port` is a proxy request (tls_proxy.py); `CONNECT /path` gets the stack's own answer."""
    import socket

    parts = urlsplit(stack_url)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(f"CONNECT /restapis/nope123456/prod/_user_request_/db-api HTTP/1.1\r\nHost: {parts.netloc}\r\nContent-Length: 0\r\n\r\n".encode())
        head = sock.recv(65536).decode("latin-1").lower()
    assert "x-amzn-requestid:" in head and "text/html" not in head, head
