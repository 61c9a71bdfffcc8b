"""harness.deploy.stack_logs: reading, narrowing and following the stack's log groups, over a fake CloudWatch Logs client."""
from __future__ import annotations

import threading

import pytest
from botocore.exceptions import ClientError

from harness.deploy import stack_logs as logs
from harness.deploy.settings import StackSettings
from harness.deploy.stack_logs import LogLine, LogSource

API_REQ = "11111111-1111-4111-8111-111111111111"
LAMBDA_REQ = "22222222-2222-4222-8222-222222222222"
OTHER_LAMBDA = "33333333-3333-4333-8333-333333333333"


def fn(ts, message, stream="s1", eid=None):
    return LogLine(ts, "function", message, eid or f"f{ts}{stream}", stream)


def ex(ts, message, eid=None):
    return LogLine(ts, "execution", message, eid or f"e{ts}", "x")


LINES = [
    ex(1, f"({API_REQ}) Starting execution for request: {API_REQ}"),
    fn(2, f"START RequestId: {OTHER_LAMBDA} Version: $LATEST", "s2"),
    fn(3, f"START RequestId: {LAMBDA_REQ} Version: $LATEST", "s1"),
    fn(4, "printed by the other invocation", "s2"),
    fn(5, "printed by ours", "s1"),
    fn(6, f"END RequestId: {LAMBDA_REQ}", "s1"),
    fn(7, f"REPORT RequestId: {LAMBDA_REQ}\tDuration: 1.00 ms", "s1"),
    fn(8, "printed by ours? no: after REPORT", "s1"),
    fn(9, f"REPORT RequestId: {OTHER_LAMBDA}\tDuration: 1.00 ms", "s2"),
    ex(10, f"({API_REQ}) Endpoint response headers: {{Content-Type=application/json, x-amzn-RequestId={LAMBDA_REQ}}}"),
    ex(11, f"({API_REQ}) Method completed with status: 200"),
    ex(12, "(44444444-4444-4444-8444-444444444444) Method completed with status: 200"),
]


@pytest.mark.parametrize("text, seconds", [("30s", 30), ("10m", 600), ("2h", 7200), ("1d", 86400), ("1.5m", 90)])
def test_parse_since(text, seconds):
    assert logs.parse_since(text) == seconds


@pytest.mark.parametrize("text", ["", "10", "m", "5x", "-1m", "1 week"])
def test_parse_since_refuses_other_forms_naming_the_accepted_ones(text):
    with pytest.raises(ValueError, match="30s, 10m, 2h, 1d"):
        logs.parse_since(text)


def test_an_api_gateway_request_id_selects_its_execution_log_and_its_whole_invocation():
    kept = [line.message for line in logs.for_request(LINES, API_REQ)]
    assert kept == [LINES[i].message for i in (0, 2, 4, 5, 6, 9, 10)]


def test_a_lambda_request_id_selects_that_invocation_only():
    kept = [line.message for line in logs.for_request(LINES, OTHER_LAMBDA)]
    assert kept == [LINES[i].message for i in (1, 3, 8)]


def test_select_narrows_then_keeps_one_source():
    assert [line.message for line in logs.select(LINES, API_REQ, "function")] == \
        [LINES[i].message for i in (2, 4, 5, 6)]
    assert logs.select(LINES, None, None) == LINES
    assert all(line.source == "execution" for line in logs.select(LINES, None, "execution"))


def test_sources_for_the_stack_and_its_api():
    settings = StackSettings().with_prefix("p-")
    assert logs.sources_for(settings, "abc") == [LogSource("function", "/aws/lambda/p-db-api"),
                                                 LogSource("execution", "API-Gateway-Execution-Logs_abc/prod")]
    assert logs.sources_for(settings, None) == [LogSource("function", "/aws/lambda/p-db-api")]
    assert logs.sources_for(settings, "abc", "execution") == [LogSource("execution", "API-Gateway-Execution-Logs_abc/prod")]


def test_format_line_has_milliseconds_source_and_message():
    text = logs.format_line(LogLine(1_700_000_000_123, "execution", "hello", "e"))
    assert text.endswith(".123 execution hello") and len(text.split(" ", 1)[0]) == 12


class FakeLogs:
    """filter_log_events over a dict of groups; unknown groups raise ResourceNotFoundException."""

    def __init__(self, groups):
        self.groups = groups
        self.calls = 0

    def get_paginator(self, name):
        assert name == "filter_log_events"
        return self

    def paginate(self, logGroupName, startTime):  # noqa: N803 - boto3's names
        self.calls += 1
        if logGroupName not in self.groups:
            raise ClientError({"Error": {"Code": "ResourceNotFoundException", "Message": "nope"}}, "FilterLogEvents")
        events = [e for e in self.groups[logGroupName] if e["timestamp"] >= startTime]
        return [{"events": events[:2]}, {"events": events[2:]}]


def event(ts, message, eid, stream="s"):
    return {"timestamp": ts, "message": message + "\n", "eventId": eid, "logStreamName": stream}


def test_read_merges_groups_in_time_order_and_reports_missing_ones():
    fake = FakeLogs({"f": [event(1, "a", "1"), event(3, "c", "3"), event(5, "e", "5")], "x": [event(2, "b", "2")]})
    missing = []
    lines = logs.read(fake, [LogSource("function", "f"), LogSource("execution", "x"), LogSource("function", "gone")],
                      2, missing.append)
    assert [(line.message, line.source, line.stream) for line in lines] == [
        ("b", "execution", "s"), ("c", "function", "s"), ("e", "function", "s")]
    assert missing == [LogSource("function", "gone")]


def test_read_raises_other_errors():
    class Broken(FakeLogs):
        def paginate(self, logGroupName, startTime):  # noqa: N803
            raise ClientError({"Error": {"Code": "AccessDeniedException", "Message": "no"}}, "FilterLogEvents")

    with pytest.raises(ClientError):
        logs.read(Broken({}), [LogSource("function", "f")], 0)


def test_follow_emits_each_line_once_as_it_arrives_until_stopped():
    fake = FakeLogs({"f": [event(1, "first", "1")]})
    stop, seen = threading.Event(), []

    def emit(line):
        seen.append(line.message)
        if line.message == "first":
            fake.groups["f"].append(event(2, "second", "2"))  # arrives before the next poll
        if line.message == "second":
            stop.set()

    thread = threading.Thread(target=logs.follow, args=(fake, [LogSource("function", "f")], 0, emit, stop),
                              kwargs={"interval_s": 0.01})
    thread.start()
    thread.join(5)
    assert not thread.is_alive() and seen == ["first", "second"] and fake.calls >= 2
