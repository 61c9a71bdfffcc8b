"""The stack's HTTP server on raw sockets: fast head parsing, keep-alive, limits, one write per answer."""
from __future__ import annotations

import json
import re
import socket

import pytest

from harness.emulator.http_head import Headers
from harness.emulator.http_server import WSGIServer


def echo_app(environ, start_response):
    body = json.dumps({
        "method": environ["REQUEST_METHOD"], "path": environ["PATH_INFO"], "query": environ["QUERY_STRING"],
        "headers": environ["harness.raw_headers"], "body": environ["wsgi.input"].read().decode("latin-1"),
        "x_multi": environ.get("HTTP_X_MULTI"), "length": environ["CONTENT_LENGTH"],
        "unread": environ.get("harness.body_unread", False),
    }).encode()
    start_response("200 OK", [("Content-Type", "application/json")])
    return [body]


@pytest.fixture()
def server():
    srv = WSGIServer("127.0.0.1", 0, echo_app)
    srv.start()
    yield srv
    srv.shutdown()
    srv.server_close()


def exchange(server, raw: bytes, answers: int = 1) -> list[tuple[str, dict, bytes]]:
    out = []
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as conn:
        conn.sendall(raw)
        reader = conn.makefile("rb")
        for _ in range(answers):
            status = reader.readline().decode().rstrip()
            headers = {}
            while (line := reader.readline()) not in (b"\r\n", b""):
                name, _, value = line.decode().partition(":")
                headers[name.lower()] = value.strip()
            body = reader.read(int(headers.get("content-length", 0)))
            out.append((status, headers, body))
    return out


def test_headers_keep_case_order_and_repeats_and_look_up_case_insensitively():
    headers = Headers([("X-One", "1"), ("x-one", "2"), ("Content-Type", "text/plain")])
    assert headers.get("x-ONE") == "1" and headers["content-type"] == "text/plain"
    assert headers.get_all("X-ONE") == ["1", "2"] and headers.get_all("nope") is None
    assert headers.items() == [("X-One", "1"), ("x-one", "2"), ("Content-Type", "text/plain")]
    assert "CONTENT-TYPE" in headers and "missing" not in headers and len(headers) == 3


def test_keep_alive_serves_two_requests_on_one_connection(server):
    raw = (b"POST /a?x=1 HTTP/1.1\r\nHost: h\r\nX-Multi: one\r\nx-multi: two\r\nContent-Length: 3\r\n\r\nabc"
           b"GET /b HTTP/1.1\r\nHost: h\r\nFolded: first\r\n  second\r\n\r\n")
    (status1, _, body1), (status2, headers2, body2) = exchange(server, raw, answers=2)
    assert status1 == "HTTP/1.1 200 OK" and status2 == "HTTP/1.1 200 OK"
    first, second = json.loads(body1), json.loads(body2)
    assert (first["method"], first["path"], first["query"], first["body"]) == ("POST", "/a", "x=1", "abc")
    assert ["X-Multi", "one"] in first["headers"] and ["x-multi", "two"] in first["headers"]
    assert first["x_multi"] == "one,two"
    assert ["Folded", "first second"] in second["headers"]
    # every answer says the connection stays open and when it was sent, as AWS's fronts do (`Connection:
    # keep-alive`; `Date`, which RFC 9110 section 6.6.1 asks of a server with a clock)
    assert headers2["connection"] == "keep-alive"
    assert re.fullmatch(r"[A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d GMT", headers2["date"])


@pytest.mark.parametrize("raw, status", [
    (b"GET / HTTP/2.0\r\n\r\n", "505"),
    (b"GET / HTTP/x.y\r\n\r\n", "400"),
    (b"GET / HTTP/1.1 extra\r\n\r\n", "400"),
    (b"GET / HTTP/1.1\r\nno colon here\r\n\r\n", "400"),
    (b"GET / HTTP/1.1\r\n" + b"".join(b"H%d: v\r\n" % i for i in range(101)) + b"\r\n", "431"),
    (b"GET / HTTP/1.1\r\nX: " + b"a" * 70000 + b"\r\n\r\n", "431"),
    (b"POST / HTTP/1.1\r\nContent-Length: -5\r\n\r\n", "400"),
])
def test_malformed_heads_get_an_http_status_line(server, raw, status):
    [(line, _, _)] = exchange(server, raw)
    assert line.startswith(f"HTTP/1.1 {status} ") or line.startswith(f"HTTP/1.0 {status} ")


def test_http09_style_get_is_answered_with_a_status_line(server):
    [(line, _, body)] = exchange(server, b"GET /x\r\n")
    assert line.startswith("HTTP/") and " 200 " in line
    assert json.loads(body)["path"] == "/x"


def test_connection_close_is_honoured(server):
    [(status, headers, _)] = exchange(server, b"GET / HTTP/1.1\r\nConnection: close\r\n\r\n")
    assert status == "HTTP/1.1 200 OK" and headers["connection"] == "close"


@pytest.mark.parametrize("head", [
    b"POST /big HTTP/1.1\r\nContent-Length: 67108865\r\n\r\n",
    b"POST /big HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n4000001\r\n",  # a chunk over the limit: not read
])
def test_a_body_over_the_limit_is_left_unread_and_the_app_answers_from_the_head(server, head):
    """The app says what a too-large body means (the gateway answers its own 413); the connection closes."""
    [(status, headers, body)] = exchange(server, head)
    answer = json.loads(body)
    assert status == "HTTP/1.1 200 OK" and headers["connection"] == "close"
    assert answer["unread"] is True and answer["body"] == "" and int(answer["length"]) > 64 * 1024 * 1024


def test_a_body_at_the_limit_is_read(server):
    [(status, _, body)] = exchange(server, b"POST /ok HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello")
    assert json.loads(body)["unread"] is False and json.loads(body)["length"] == "5"
