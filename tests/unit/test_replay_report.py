"""Reports: the text of a deliberately failing scenario, JUnit XML, the JSON transcript, the table and closing
line; and the default HTTP transport against a local server (keep-alive)."""
from __future__ import annotations

import json
import threading
import xml.etree.ElementTree as ET
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from harness.replay.loader import load_scenario
from harness.replay.scenario import Source
from harness.replay.report import (exit_status, format_body, format_failure, format_table, interrupted_line,
                                   summary_line)
from harness.replay.results import FAILED, PASSED, SKIPPED, ItemResult, Response
from harness.replay.runner import Runner
from harness.replay.stacks import FixedStack
from harness.replay.writers import classname, junit_xml, transcript, write_junit, write_transcript
from harness.targets import embedded
from tests.unit.test_replay_runner import URL, FakeAws, FakeLogs, FakeTransport, make_runner, outputs

FAILING = """{
  "$schema": "../harness/replay/scenario.schema.json",
  "name": "GET sees the new item",
  "vars": {"id": "fixed-id"},
  "steps": [
    {"name": "create", "http": {"method": "POST", "json": {"TableName": "messages", "Item": {"id": "{{id}}"}}}},
    {
      "name": "list",
      "http": {"query": {"TableName": "messages"}},
      "expect": {
        "status": 200,
        "headers": {"Content-Type": "application/json"},
        "json": {"Items": [{"id": {"$uuid": true}}], "Count": 1, "ScannedCount": 1},
        "jsonpath": [{"path": "$.Items[*].id", "op": "contains", "value": "{{id}}"}]
      }
    }
  ]
}
"""


def wrong_list(request, count):
    if request.method == "GET":
        return Response(200, {"Content-Type": "text/plain", "x-amzn-RequestId": "req-2"},
                        json.dumps({"Items": [{"id": "abc"}], "Count": 2}).encode(), duration_ms=7.0)
    return None


@pytest.fixture
def failed(tmp_path, monkeypatch) -> ItemResult:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "get.json").write_text(FAILING)
    with make_runner(transport=FakeTransport(wrong_list)) as runner:
        return runner.run_item(load_scenario("get.json").items()[0])


def test_the_failure_report_shows_every_mismatch_the_request_the_response_and_the_line(failed):
    assert format_failure(failed) == """\
FAILED get.json::GET sees the new item (0.00 s)
stack: db-api
step steps[1] "list" at get.json:7 (0 ms)
  mismatches (5):
    headers.Content-Type: expected "application/json", got "text/plain"
    $.Items[0].id: expected <uuid>, got "abc"
    $.Count: expected 1, got 2
    $.ScannedCount: expected 1, got <absent>
    $.Items[*].id: expected a value containing "fixed-id", got ["abc"]
  request:
    GET http://stack.test/_aws/execute-api/api123/prod/db-api?TableName=messages
  response:
    status 200 in 7 ms
    Content-Type: text/plain
    x-amzn-RequestId: req-2

    {"Items": [{"id": "abc"}], "Count": 2}"""


def test_the_report_masks_secrets_and_shows_request_bodies(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "post.json").write_text("""{"$schema": "x/scenario.schema.json", "name": "post",
      "steps": [{"http": {"method": "POST", "headers": {"Authorization": "Bearer s3cr3t", "X-Trace": "t"},
                 "json": {"TableName": "messages", "Item": {"id": "1"}, "password": "hunter2"}}, "expect": {"status": 201}}]}""")
    with make_runner() as runner:
        report = format_failure(runner.run_item(load_scenario("post.json").items()[0]))
    assert "s3cr3t" not in report and "hunter2" not in report
    assert """\
  request:
    POST http://stack.test/_aws/execute-api/api123/prod/db-api
    Authorization: ***
    X-Trace: t
    Content-Type: application/json

    {"TableName": "messages", "Item": {"id": "1"}, "password": "***"}""" in report
    assert "    status: expected 201, got 200" in report


def test_an_error_step_and_an_item_error_are_reported(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "t.json").write_text('{"$schema": "x/scenario.schema.json", "name": "t",\n'
                                     '"steps": [{"aws": {"service": "dynamodb", "operation": "Scan", "params": '
                                     '{"TableName": "{{stack.tables.9}}"}}}]}')
    with make_runner() as runner:
        report = format_failure(runner.run_item(load_scenario("t.json").items()[0]))
    assert report.splitlines()[2:] == [
        'step steps[0] "dynamodb.Scan" at t.json:2 (0 ms)',
        "  error: steps[0].aws.params.TableName: 'stack.tables' has no index '9' (length 1)",
    ]
    item = ItemResult("x::y", "y", "y", Source("x.json", 1), FAILED, error="stack: deploying failed")
    assert format_failure(item) == "FAILED x::y (0.00 s)\nerror: stack: deploying failed (x.json:1)"


def test_invoke_and_aws_requests_in_reports(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "i.json").write_text('{"$schema": "x/scenario.schema.json", "name": "i", "steps": [\n'
                                     '{"invoke": {"payload": {"a": 1}, "log_tail": true}, "expect": {"status": 201}},\n'
                                     '{"aws": {"service": "dynamodb", "operation": "Scan", "params": {"TableName": "t"}}}]}')
    aws = FakeAws({"lambda.Invoke": {"StatusCode": 200, "Payload": b'{"ok": true}', "LogResult": "U1RBUlQKRU5E"}})
    with make_runner(aws=aws) as runner:
        report = format_failure(runner.run_item(load_scenario("i.json").items()[0]))
    assert report.splitlines()[2:] == [
        'step steps[0] "invoke (stack function)" at i.json:2 (0 ms)',
        "  mismatches (1):",
        "    status: expected 201, got 200",
        "  request:",
        "    lambda.Invoke db-api (RequestResponse, log tail)",
        '    {"a": 1}',
        "  response:",
        "    status 200 in 0 ms",
        "",
        '    {"ok": true}',
        "    log tail:",
        "      START",
        "      END",
    ]


def test_long_and_binary_bodies_are_cut():
    text = format_body(("x" * 2500).encode())
    assert text == "x" * 2000 + "… (500 more characters)"
    assert format_body(b"\xff\xfe\x00") == "(3 bytes of binary content)"
    assert format_body(b"") == "(empty body)"
    assert format_body(json.dumps({"a": list(range(40))}).encode()).startswith('{\n  "a": [\n    0,')


def results_of_each_kind(failed: ItemResult) -> list[ItemResult]:
    passed = ItemResult("ok.json::ok", "ok", "ok", Source("scenarios/tutorial/ok.json", 1), PASSED, duration_s=0.25)
    skipped = ItemResult("sk.json::sk[row]", "sk[row]", "sk", Source("sk.json", 1), SKIPPED,
                         skip_reason="localstack: no invoke permissions")
    return [passed, failed, skipped]


def test_table_closing_line_and_exit_status(failed):
    results = results_of_each_kind(failed)
    assert format_table(results) == (
        "RESULT      TIME  ITEM\n"
        "PASS      0.25 s  ok.json::ok\n"
        "FAIL      0.00 s  get.json::GET sees the new item\n"
        "SKIP           -  sk.json::sk[row]  (localstack: no invoke permissions)"
    )
    assert summary_line(results) == "1 passed, 1 failed, 1 skipped"
    assert summary_line(results[:2]) == "1 passed, 1 failed"
    assert summary_line([]) == "0 passed, 0 failed"
    assert (exit_status(results), exit_status(results[:1]), exit_status(results[2:])) == (1, 0, 0)


def test_the_line_after_ctrl_c_counts_what_did_not_run(failed):
    results = results_of_each_kind(failed)
    assert interrupted_line(results[:2], 5) == "interrupted: 1 passed, 1 failed, 3 not run"
    assert interrupted_line(results, 3) == "interrupted: 1 passed, 1 failed, 1 skipped, 0 not run"
    assert interrupted_line([], 4) == "interrupted: 0 passed, 0 failed, 4 not run"


def test_junit_has_one_testcase_per_item_and_failures_carry_the_report(failed, tmp_path):
    path = write_junit(results_of_each_kind(failed), tmp_path / "out" / "junit.xml")
    root = ET.parse(path).getroot()
    suite = root.find("testsuite")
    assert (suite.get("tests"), suite.get("failures"), suite.get("skipped"), suite.get("errors")) == ("3", "1", "1", "0")
    cases = suite.findall("testcase")
    assert [(c.get("classname"), c.get("name")) for c in cases] == [
        ("scenarios.tutorial.ok", "ok"), ("get", "GET sees the new item"), ("sk", "sk[row]")]
    failure = cases[1].find("failure")
    assert failure.get("message") == 'steps[1] at get.json:7: headers.Content-Type: expected "application/json", got "text/plain" (+4 more)'
    assert failure.text == format_failure(failed)
    assert cases[0].find("failure") is None and cases[0].get("time") == "0.250"
    assert cases[2].find("skipped").get("message") == "localstack: no invoke permissions"
    assert ET.tostring(junit_xml([])).startswith(b"<testsuites><testsuite")


def test_classname():
    assert classname("scenarios/tutorial/get.json") == "scenarios.tutorial.get"
    assert classname("/abs/x.json") == "abs.x"


def test_transcript_holds_requests_responses_and_mismatches(failed, tmp_path):
    data = json.loads(write_transcript(results_of_each_kind(failed), tmp_path / "t.json").read_text())
    assert data["summary"] == {"passed": 1, "failed": 1, "skipped": 1}
    item = data["items"][1]
    assert (item["id"], item["outcome"], item["file"], item["line"]) == ("get.json::GET sees the new item", FAILED, "get.json", 1)
    post, get = item["steps"]
    assert post["request"]["json"] == {"TableName": "messages", "Item": {"id": "fixed-id"}}
    assert get["response"] == {"status": 200, "headers": {"Content-Type": "text/plain", "x-amzn-RequestId": "req-2"},
                               "duration_ms": 7.0, "json": {"Items": [{"id": "abc"}], "Count": 2}}
    assert get["mismatches"][1] == {"path": "$.Items[0].id", "expected": "<uuid>", "actual": '"abc"', "detail": None, "timing": False}
    assert item["report"] == format_failure(failed)
    assert transcript([])["items"] == []


class _Echo(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    seen: list[tuple[int, str, str, dict, bytes]] = []

    def _answer(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.seen.append((self.client_address[1], self.command, self.path, dict(self.headers), body))
        payload = json.dumps({"Items": [], "Count": 0, "ScannedCount": 0}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = _answer

    def log_message(self, *args) -> None:
        pass


def test_the_default_transport_keeps_the_connection_alive(tmp_path):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Echo)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    _Echo.seen.clear()
    (tmp_path / "s.json").write_text('{"$schema": "x/scenario.schema.json", "name": "live", "steps": [\n'
                                     '{"http": {"method": "POST", "json": {"a": 1}}},\n'
                                     '{"http": {"query": {"TableName": "messages"}}, "expect": {"status": 200, '
                                     '"json": {"Items": [], "Count": 0, "ScannedCount": 0}, "max_duration_ms": 5000}}]}')
    try:
        with Runner(embedded.target(url), FixedStack(outputs()), aws=FakeAws(), logs=FakeLogs({})) as runner:
            result = runner.run_item(load_scenario(tmp_path / "s.json").items()[0])
    finally:
        server.shutdown()
        server.server_close()
    assert result.outcome == PASSED, format_failure(result)
    (port1, verb1, path1, headers1, body1), (port2, verb2, path2, _, _) = _Echo.seen
    assert (verb1, path1, body1) == ("POST", "/_aws/execute-api/api123/prod/db-api", b'{"a": 1}')
    assert headers1["Content-Type"] == "application/json"
    assert (verb2, path2) == ("GET", "/_aws/execute-api/api123/prod/db-api?TableName=messages")
    assert port1 == port2  # one keep-alive connection
    assert URL not in path1
