"""The per-worker Runtime API server, driven with http.client against a fake backend."""
from __future__ import annotations

import http.client
import json
import socket
import threading

import pytest

from harness.emulator.runtime.api import HANDED_OFF, NextEvent, RuntimeApiServer


class FakeBackend:
    def __init__(self) -> None:
        self.events: list[NextEvent | None] = []
        self.posts: list[tuple[str, str | None, bytes, str | None]] = []
        self.ready = threading.Event()
        self.hand_off = False

    def next_invocation(self, send):
        self.ready.wait(5)
        event = self.events.pop(0) if self.events else None
        if self.hand_off and event is not None:
            send(event)  # as the pool does when a submitter finds this worker waiting
            return HANDED_OFF
        return event

    def post_response(self, request_id, body):
        self.posts.append(("response", request_id, body, None))
        return {"r1": 202, "huge": 413}.get(request_id, 400)

    def post_error(self, request_id, body, error_type):
        self.posts.append(("error", request_id, body, error_type))
        return 202

    def post_init_error(self, body, error_type):
        self.posts.append(("init", None, body, error_type))
        return 202


@pytest.fixture
def served():
    backend = FakeBackend()
    server = RuntimeApiServer(backend, name="test")
    server.start()
    yield backend, server
    server.close()


@pytest.mark.parametrize("hand_off", [False, True], ids=["answered-by-its-thread", "handed-off"])
def test_next_answers_the_headers_awslambdaric_needs_on_a_kept_alive_connection(served, hand_off):
    backend, server = served
    backend.hand_off = hand_off
    backend.events.append(NextEvent("r1", b'{"a": 1}', 1700000000000, "arn:fn", "Root=1-x", '{"custom": {}}'))
    backend.ready.set()
    conn = http.client.HTTPConnection(server.address)
    conn.request("GET", "/2018-06-01/runtime/invocation/next")
    response = conn.getresponse()
    assert response.status == 200 and response.read() == b'{"a": 1}'
    assert response.getheader("Content-Type") == "application/json"
    assert response.getheader("Lambda-Runtime-Aws-Request-Id") == "r1"
    assert response.getheader("Lambda-Runtime-Trace-Id") == "Root=1-x"
    assert response.getheader("Lambda-Runtime-Deadline-Ms") == "1700000000000"
    assert response.getheader("Lambda-Runtime-Invoked-Function-Arn") == "arn:fn"
    assert response.getheader("Lambda-Runtime-Client-Context") == '{"custom": {}}'
    conn.request("POST", "/2018-06-01/runtime/invocation/r1/response", body=b'"ok"')
    answer = conn.getresponse()
    assert answer.status == 202 and json.loads(answer.read()) == {"status": "OK"}
    conn.request("POST", "/2018-06-01/runtime/invocation/r1/error", body=b'{"errorType": "E"}',
                 headers={"Lambda-Runtime-Function-Error-Type": "E"})
    errored = conn.getresponse()
    assert errored.status == 202 and errored.read()
    conn.request("POST", "/2018-06-01/runtime/invocation/other/response", body=b"{}")
    stale = conn.getresponse()
    assert stale.status == 400 and json.loads(stale.read())["errorType"] == "InvalidRequestID"
    conn.request("POST", "/2018-06-01/runtime/invocation/huge/response", body=b"{}")
    refused = conn.getresponse()  # AWS's answer to a response over 6 MB (the runtime then exits)
    assert refused.status == 413 and json.loads(refused.read()) == {
        "errorMessage": "Exceeded maximum allowed payload size (6291556 bytes).", "errorType": "RequestEntityTooLarge"}
    conn.close()
    assert backend.posts[:2] == [("response", "r1", b'"ok"', None), ("error", "r1", b'{"errorType": "E"}', "E")]


def test_init_error_chunked_bodies_expect_continue_and_unknown_paths(served):
    backend, server = served
    with socket.create_connection(("127.0.0.1", server.port)) as sock:
        sock.sendall(b"POST /2018-06-01/runtime/init/error HTTP/1.1\r\nHost: x\r\n"
                     b"Lambda-Runtime-Function-Error-Type: Runtime.ImportModuleError\r\n"
                     b"Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n")
        assert sock.recv(4096).startswith(b"HTTP/1.1 202")
    assert backend.posts == [("init", None, b"hello world", "Runtime.ImportModuleError")]
    with socket.create_connection(("127.0.0.1", server.port)) as sock:
        sock.sendall(b"POST /2018-06-01/runtime/invocation/r1/response HTTP/1.1\r\nHost: x\r\n"
                     b"Content-Length: 2\r\nExpect: 100-continue\r\n\r\n")
        assert sock.recv(4096).startswith(b"HTTP/1.1 100")
        sock.sendall(b"{}")
        assert sock.recv(4096).startswith(b"HTTP/1.1 202")
    conn = http.client.HTTPConnection(server.address)
    conn.request("GET", "/2018-06-01/runtime/nope")
    assert conn.getresponse().status == 404
    conn.close()


def test_next_without_work_drops_the_connection_and_close_unblocks(served):
    backend, server = served
    backend.ready.set()  # no events: the backend says the worker is going away
    conn = http.client.HTTPConnection(server.address, timeout=5)
    conn.request("GET", "/2018-06-01/runtime/invocation/next")
    with pytest.raises((http.client.RemoteDisconnected, ConnectionError)):
        conn.getresponse()
    server.close()
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", server.port), timeout=1).close()
