"""RFC 9112 framing at the HTTP front: ambiguous or malformed bodies are 400 and close the connection, the
size limit holds while a chunked body arrives, idle connections close, and open connections are bounded."""
from __future__ import annotations

import io
import json
import socket
import time

import pytest

from harness.emulator.http_framing import FramingError, body_framing, read_chunked
from harness.emulator.http_server import WSGIServer

from .test_http_server import echo_app, exchange


@pytest.mark.parametrize("te, cl, expected", [
    ([], [], 0),
    ([], ["10"], 10),
    ([], ["10, 10"], 10),
    ([], ["10", "10"], 10),
    (["chunked"], [], "chunked"),
    (["Chunked"], [], "chunked"),
])
def test_valid_framing(te, cl, expected):
    assert body_framing(te, cl) == expected


@pytest.mark.parametrize("te, cl, version, status", [
    (["chunked"], ["5"], "HTTP/1.1", 400),  # CL with TE
    ([], ["5", "6"], "HTTP/1.1", 400),  # two different lengths
    ([], ["5, 6"], "HTTP/1.1", 400),
    ([], ["1_0"], "HTTP/1.1", 400),  # int() would take it
    ([], ["+5"], "HTTP/1.1", 400),
    ([], ["-5"], "HTTP/1.1", 400),
    ([], ["0x5"], "HTTP/1.1", 400),
    ([], [""], "HTTP/1.1", 400),
    ([], ["5 5"], "HTTP/1.1", 400),
    (["chunked, gzip"], [], "HTTP/1.1", 400),  # chunked not final
    (["chunked", "chunked"], [], "HTTP/1.1", 400),
    (["identity"], [], "HTTP/1.1", 400),
    (["gzip, chunked"], [], "HTTP/1.1", 501),
    (["chunked"], [], "HTTP/1.0", 400),
])
def test_ambiguous_or_malformed_framing_is_refused(te, cl, version, status):
    with pytest.raises(FramingError) as caught:
        body_framing(te, cl, version)
    assert caught.value.status == status


@pytest.mark.parametrize("raw", [
    b"5\r\nhello\r\n0\r\n\r\n",
    b"5;ext=1\r\nhello\r\n0\r\nTrailer: x\r\n\r\n",
    b"5\nhello\n0\n\n",
])
def test_chunked_bodies_are_read(raw):
    assert read_chunked(io.BytesIO(raw), 100) == b"hello"


@pytest.mark.parametrize("raw", [
    b"0x5\r\nhello\r\n0\r\n\r\n",
    b"-5\r\nhello\r\n0\r\n\r\n",
    b"5_\r\nhello\r\n0\r\n\r\n",
    b" \r\n",
    b"5\r\nhelloXX\r\n0\r\n\r\n",  # chunk longer than its size
    b"5\r\nhel",  # cut short
    b"5\r\nhello\r\n",  # no last chunk
    b"11111111111111111\r\n",  # 17 hex digits
    b"0\r\n" + b"T: x\r\n" * 200 + b"\r\n",
])
def test_malformed_chunked_bodies_are_refused(raw):
    with pytest.raises(FramingError):
        read_chunked(io.BytesIO(raw), 100)


def test_the_limit_holds_while_chunks_arrive():
    """Past the limit, reading stops: the size so far is returned and the rest is never read."""
    stream = io.BytesIO(b"40\r\n" + b"a" * 64 + b"\r\n" + b"40\r\n" + b"b" * 64 + b"\r\n" + b"40\r\n")
    assert read_chunked(stream, 100) == 128
    assert stream.tell() == 4 + 64 + 2 + 4  # the second chunk's data is left unread


@pytest.fixture()
def server():
    srv = WSGIServer("127.0.0.1", 0, echo_app, idle_timeout_s=0.5, max_connections=3,
                     body_limit=lambda path, headers: 10 if path.startswith("/small") else 1000)
    srv.start()
    yield srv
    srv.shutdown()
    srv.server_close()


@pytest.mark.parametrize("raw", [
    b"POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
    b"POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
    b"POST / HTTP/1.1\r\nContent-Length: 1_0\r\n\r\n0123456789",
    b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n",
    b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcGET /smuggled HTTP/1.1\r\n\r\n",
])
def test_the_front_answers_ambiguous_framing_400_and_closes(server, raw):
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as conn:
        conn.sendall(raw)
        reader = conn.makefile("rb")
        status = reader.readline()
        rest = reader.read()  # the server closes: read() ends
    assert status.startswith(b"HTTP/1.1 400 "), status
    assert b"connection: close" in rest.lower() and b"smuggled" not in rest


def test_a_chunked_body_over_the_requests_limit_is_not_read(server):
    raw = b"POST /small HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n8\r\n12345678\r\n8\r\n12345678\r\n"
    [(status, headers, body)] = exchange(server, raw)
    answer = json.loads(body)
    assert status == "HTTP/1.1 200 OK" and headers["connection"] == "close"
    assert answer["unread"] is True and answer["length"] == "16"


def test_idle_connections_are_closed_after_the_timeout(server):
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as conn:
        conn.sendall(b"GET / HTTP/1.1\r\nHost: h\r\n\r\n")
        reader = conn.makefile("rb")
        assert reader.readline().startswith(b"HTTP/1.1 200")
        while reader.readline() not in (b"\r\n", b""):
            pass
        reader.read(1)  # at least one byte of the body
        conn.settimeout(5)
        assert _read_until_closed(conn) is True  # closed by the server well before our own 5 s timeout
    _wait_for(lambda: server.open_connections == 0)


def test_connections_past_the_bound_are_answered_503(server):
    idle = [socket.create_connection(("127.0.0.1", server.port), timeout=5) for _ in range(3)]
    try:
        _wait_for(lambda: server.open_connections == 3)
        with socket.create_connection(("127.0.0.1", server.port), timeout=5) as extra:
            extra.sendall(b"GET / HTTP/1.1\r\n\r\n")
            assert extra.makefile("rb").readline().startswith(b"HTTP/1.1 503")
    finally:
        for conn in idle:
            conn.close()
    _wait_for(lambda: server.open_connections == 0)
    [(status, _, _)] = exchange(server, b"GET / HTTP/1.1\r\nConnection: close\r\n\r\n")
    assert status == "HTTP/1.1 200 OK"


def _read_until_closed(conn: socket.socket) -> bool:
    try:
        while conn.recv(65536):
            pass
        return True
    except (socket.timeout, ConnectionResetError):
        return False


def _wait_for(condition, seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "condition not met"
        time.sleep(0.02)
