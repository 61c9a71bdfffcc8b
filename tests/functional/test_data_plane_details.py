"""Data-plane details pinned against answers recorded from AWS: the proxy event's header names and paths, the
gateway's response headers, X-Amzn-Trace-Id, stack traces and the REPORT line.

Sources: LocalStack's recordings against AWS (github.com/localstack/localstack at 8b9a79f):
tests/aws/services/apigateway/test_apigateway_lambda.snapshot.json, test_lambda_aws_proxy_integration (recorded
2024-2025: `authorization` arrives as `Authorization`, `tEsT-HEADeR` keeps its case; `/stage//proxy-value` and
`//stage/proxy-value`), tests/aws/services/lambda_/test_lambda.snapshot.json (the REPORT line ends with a tab);
AWS X-Ray docs, "Tracing header" (Root, Parent, Sampled); LocalStack's AWS-validated
tests/aws/services/lambda_/test_lambda_integration_xray.py (the function's `_X_AMZN_TRACE_ID` continues the
caller's Root; it is unset outside the handler and new per invocation); AWS Lambda docs, "Python Lambda function errors"
(stack frames under /var/task).
"""
from __future__ import annotations

import http.client
import json
import re
from urllib.parse import urlsplit

import pytest
import requests

from .apikit import Kit, function_log

pytestmark = pytest.mark.functional


@pytest.fixture(scope="module")
def site(clients):
    kit = Kit(clients, "dp")
    try:
        probe = kit.function("probe", "gateway_probe", timeout=3)
        api_id, root = kit.api("details")
        kit.route(api_id, root, "echo", "ANY", probe)
        kit.route(api_id, root, "{proxy+}", "ANY", probe)
        kit.permit(probe, api_id)
        kit.deploy(api_id, "stage")
        yield kit, api_id, probe
    finally:
        kit.teardown()


def _raw_get(url: str, headers: list[tuple[str, str]]) -> tuple[http.client.HTTPResponse, bytes]:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        connection.putrequest("GET", parts.path, skip_accept_encoding=True)
        for name, value in headers:
            connection.putheader(name, value)
        connection.endheaders()
        answer = connection.getresponse()
        return answer, answer.read()
    finally:
        connection.close()


def test_authorization_is_recased_other_names_keep_theirs(site):
    kit, api_id, _ = site
    answer, body = _raw_get(kit.url(api_id, "stage", "echo"), [("authorization", "random-value"),
                                                               ("tEsT-HEADeR", "aValUE")])
    event = json.loads(body)
    assert answer.status == 200
    assert event["headers"]["Authorization"] == "random-value" and "authorization" not in event["headers"]
    assert event["multiValueHeaders"]["Authorization"] == ["random-value"]
    assert event["headers"]["tEsT-HEADeR"] == "aValUE"


def test_slashes_after_and_before_the_stage(site, stack_url):
    kit, api_id, _ = site
    base = f"{stack_url}/_aws/execute-api/{api_id}"
    after = requests.get(f"{base}/stage//proxy-value", timeout=10)
    assert after.status_code == 200, after.text
    event = after.json()
    assert (event["path"], event["resource"], event["pathParameters"]) == (
        "/proxy-value", "/{proxy+}", {"proxy": "proxy-value"})
    assert event["requestContext"]["path"] == "/stage//proxy-value"
    before = requests.get(f"{base}//stage/proxy-value", timeout=10).json()
    assert (before["path"], before["requestContext"]["path"]) == ("/proxy-value", "/stage/proxy-value")
    inner = requests.get(f"{base}/stage/proxy-value//double-slash", timeout=10).json()
    assert inner["pathParameters"] == {"proxy": "proxy-value//double-slash"}


def test_answers_carry_date_and_connection(site):
    kit, api_id, _ = site
    answer = requests.get(kit.url(api_id, "stage", "echo"), timeout=10)
    assert answer.headers["Connection"] == "keep-alive"
    assert re.fullmatch(r"[A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d GMT", answer.headers["Date"])


def test_trace_header_kept_whole_or_given_a_parent(site):
    kit, api_id, _ = site
    url = kit.url(api_id, "stage", "echo")
    whole = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"
    event = requests.get(url, headers={"X-Amzn-Trace-Id": whole}, timeout=10).json()
    assert event["headers"]["X-Amzn-Trace-Id"] == whole
    root_only = "Root=1-5759e988-bd862e3fe1be46a994272793"
    answer = requests.get(url, headers={"X-Amzn-Trace-Id": root_only}, timeout=10)
    assert re.fullmatch(re.escape(root_only) + r";Parent=[0-9a-f]{16}", answer.json()["headers"]["X-Amzn-Trace-Id"])
    assert answer.headers["X-Amzn-Trace-Id"].startswith(root_only + ";Parent=")
    fresh = requests.get(url, timeout=10).json()["headers"]["X-Amzn-Trace-Id"]
    assert re.fullmatch(r"Root=1-[0-9a-f]{8}-[0-9a-f]{24}", fresh)


def _trace(text: str) -> dict[str, str]:
    return dict(part.split("=", 1) for part in text.split(";"))


def test_function_trace_continues_the_callers_root(site, clients):
    kit, api_id, probe = site
    url = kit.url(api_id, "stage", "echo") + "?action=trace"
    root = "1-5759e988-bd862e3fe1be46a994272793"
    seen = requests.get(url, headers={"X-Amzn-Trace-Id": f"Root={root};Parent=53995c3f42cd8ad8;Sampled=1"},
                        timeout=10).json()
    inside = _trace(seen["inside"])
    assert inside["Root"] == root and re.fullmatch(r"[0-9a-f]{16}", inside["Parent"]) and inside["Sampled"] == "1"
    assert seen["outside"] is None  # not set while the module loads (test_traceid_outside_handler)
    # without a caller's trace: the gateway's own Root reaches the function, a new one per request
    answers = [requests.get(url, timeout=10) for _ in range(2)]
    roots = [_trace(answer.json()["inside"])["Root"] for answer in answers]
    assert [_trace(answer.headers["X-Amzn-Trace-Id"])["Root"] for answer in answers] == roots
    assert roots[0] != roots[1] and all(re.fullmatch(r"1-[0-9a-f]{8}-[0-9a-f]{24}", r) for r in roots)
    # Lambda's Invoke keeps the Root of the X-Amzn-Trace-Id it is called with (test_xray_trace_propagation)
    lam = clients("lambda")

    def add_trace(request, **_):
        request.headers["X-Amzn-Trace-Id"] = f"Root={root};Parent=7fa8c0f79203be72;Sampled=0"

    lam.meta.events.register("before-send.lambda.Invoke", add_trace)
    try:
        answer = lam.invoke(FunctionName=probe["name"], Payload=b'{"action": "trace"}')
    finally:
        lam.meta.events.unregister("before-send.lambda.Invoke", add_trace)
    assert _trace(json.loads(json.loads(answer["Payload"].read())["body"])["inside"])["Root"] == root


def test_stack_trace_names_var_task(site, clients):
    _, _, probe = site
    answer = clients("lambda").invoke(FunctionName=probe["name"], Payload=b'{"action": "raise"}')
    payload = json.loads(answer["Payload"].read())
    assert payload["stackTrace"] and all(frame.startswith('  File "/var/task/') for frame in payload["stackTrace"])
    lines = function_log(clients, probe["name"], contains="Traceback")
    assert any('File "/var/task/index.py"' in line for line in lines), lines


def test_report_line_ends_with_a_tab(site, clients):
    _, _, probe = site
    clients("lambda").invoke(FunctionName=probe["name"], Payload=b"{}")
    reports = function_log(clients, probe["name"], contains="REPORT RequestId")
    assert reports and all(line.rstrip("\n").endswith(" MB\t") or line.rstrip("\n").endswith(" ms\t")
                           for line in reports if line.startswith("REPORT")), reports
