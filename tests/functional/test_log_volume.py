"""Nothing a function prints is lost below CloudWatch's own limits: 100 MB in 1 KB lines are all readable, and a
60 MB line without a newline arrives whole, as events of at most 256 KB (Lambda's split). Its own stack, with
the stack's log cap (HARNESS_LOGS_MAX_MB, 64 MB by default) raised to hold them."""
from __future__ import annotations

import pytest

from harness.clients import Clients, Endpoint
from harness.deploy.package import build_zip
from harness.emulator.process import StackProcess

from .apikit import Kit

pytestmark = [pytest.mark.functional, pytest.mark.slow]
PRINTER = '''
import sys


def handler(event, context):
    if event["kind"] == "lines":
        line = "x" * 1017
        for i in range(event["count"]):
            sys.stdout.write(f"{i:06d}{line}\\n")  # 1 KB with the newline
    else:
        block = "abcdefghijklmnopqrstuvwxyz" * 40000
        for _ in range(event["blocks"]):
            sys.stdout.write(block)
    sys.stdout.flush()
    return "done"
'''


def _all_events(logs, group: str, stream: str) -> list[str]:
    messages, token = [], None
    while True:
        page = logs.get_log_events(logGroupName=group, logStreamName=stream, startFromHead=True,
                                   **({"nextToken": token} if token else {}))
        messages += [event["message"] for event in page["events"]]
        if not page["events"] or page["nextForwardToken"] == token:
            return messages
        token = page["nextForwardToken"]


@pytest.fixture(scope="module")
def clients():
    with StackProcess(region="us-west-1", env={"HARNESS_LOGS_MAX_MB": "512"}) as stack:
        yield Clients(Endpoint(stack.url, "us-west-1"))


@pytest.fixture(scope="module")
def printer(clients, tmp_path_factory):
    kit = Kit(clients, "logv")
    code = tmp_path_factory.mktemp("printer")
    (code / "index.py").write_text(PRINTER)
    name = f"{kit.prefix}printer"
    lam = clients("lambda")
    lam.create_function(FunctionName=name, Runtime="python3.12", Role=kit.role_arn, Handler="index.handler",
                        Code={"ZipFile": build_zip(code)}, Timeout=300, MemorySize=1024)
    kit.functions.append(name)
    lam.get_waiter("function_active_v2").wait(FunctionName=name, WaiterConfig={"Delay": 0.1})
    yield name
    kit.teardown()


def _stream(logs, group: str) -> str:
    streams = logs.describe_log_streams(logGroupName=group)["logStreams"]
    assert len(streams) == 1
    return streams[0]["logStreamName"]


def test_100_mb_of_lines_are_all_readable(clients, printer):
    count = 100 * 1024
    assert clients("lambda").invoke(FunctionName=printer, Payload=f'{{"kind": "lines", "count": {count}}}')[
        "Payload"].read() == b'"done"'
    logs = clients("logs")
    group = f"/aws/lambda/{printer}"
    printed = [m for m in _all_events(logs, group, _stream(logs, group)) if len(m) == 1024]  # with its "\n"
    assert len(printed) == count
    assert [int(m[:6]) for m in printed] == list(range(count))


def test_a_60_mb_line_arrives_whole_in_events_of_at_most_256_kb(clients, printer):
    blocks = 60 * 1024 * 1024 // (26 * 40000)
    assert clients("lambda").invoke(FunctionName=printer, Payload=f'{{"kind": "line", "blocks": {blocks}}}')[
        "Payload"].read() == b'"done"'
    logs = clients("logs")
    group = f"/aws/lambda/{printer}"
    events = _all_events(logs, group, _stream(logs, group))
    body = [m for m in events if m.startswith("abc") or (m and m[0] in "abcdefghijklmnopqrstuvwxyz" and
                                                           not m.startswith(("START", "END", "REPORT")))]
    assert all(len(m.encode()) <= 262_144 - 26 and m.endswith("\n") for m in body)  # each event ends with "\n"
    assert "".join(m[:-1] for m in body) == "abcdefghijklmnopqrstuvwxyz" * 40000 * blocks
