"""One worker's Lambda Runtime API (2018-06-01) on 127.0.0.1:<port>: the port identifies the worker.

awslambdaric's `/next` needs `Content-Type` and `Lambda-Runtime-Trace-Id` or it hangs; accepted sockets get
TCP_NODELAY (Nagle + delayed ACK would add ~40 ms per warm invoke) and connections are kept alive.
Left out: the Extensions and Telemetry APIs, `/restore/*` (SnapStart), response streaming.
"""
from __future__ import annotations

import json
import logging
import re
import socket
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Callable, Protocol

from ..http_head import FastRequestHead
from .payloads import MAX_RESPONSE_BYTES

log = logging.getLogger(__name__)

PREFIX = "/2018-06-01/runtime"
_INVOCATION_POST = re.compile(r"^/2018-06-01/runtime/invocation/([^/]+)/(response|error)$")
ERROR_TYPE_HEADER = "Lambda-Runtime-Function-Error-Type"


@dataclass(frozen=True)
class NextEvent:
    """What `/next` hands the runtime."""

    request_id: str
    payload: bytes
    deadline_ms: int
    function_arn: str
    trace_id: str
    client_context: str | None = None

    def headers(self) -> dict[str, str]:
        headers = {
            "Content-Type": "application/json",
            "Lambda-Runtime-Aws-Request-Id": self.request_id,
            "Lambda-Runtime-Deadline-Ms": str(self.deadline_ms),
            "Lambda-Runtime-Invoked-Function-Arn": self.function_arn,
            "Lambda-Runtime-Trace-Id": self.trace_id,
        }
        if self.client_context:
            headers["Lambda-Runtime-Client-Context"] = self.client_context
        return headers


#: What `next_invocation` returns when the submitting thread already answered `/next` through `send`.
HANDED_OFF = object()

SendNext = Callable[[NextEvent], None]


class RuntimeBackend(Protocol):
    """What the server asks of its worker; each post returns the HTTP status to answer."""

    def next_invocation(self, send: SendNext) -> object:
        """Blocks until there is work: a NextEvent to answer, None when the worker is going away (the
        connection is dropped), or HANDED_OFF when another thread answered through `send` (one thread
        hand-off less per invocation: the submitting thread writes the answer itself)."""

    def post_response(self, request_id: str, body: bytes) -> int:
        """202; 413 when the response is over MAX_RESPONSE_BYTES; 400 for an unknown request id."""

    def post_error(self, request_id: str, body: bytes, error_type: str | None) -> int: ...

    def post_init_error(self, body: bytes, error_type: str | None) -> int: ...


def _error_body(error_type: str, message: str) -> bytes:
    return json.dumps({"errorMessage": message, "errorType": error_type}).encode()


class _Handler(FastRequestHead, BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: RuntimeApiServer  # type: ignore[assignment]

    def setup(self) -> None:
        super().setup()
        try:
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
        log.debug("runtime api %s: " + format, self.server.name, *args)

    def _send(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
        head = [f"HTTP/1.1 {status} {self.responses.get(status, ('',))[0]}"]
        all_headers = {"Content-Type": "application/json", **(headers or {}), "Content-Length": str(len(body))}
        head.extend(f"{k}: {v}" for k, v in all_headers.items())
        self.wfile.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body)

    def _body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def do_GET(self) -> None:  # noqa: N802 - stdlib naming
        if self.path != PREFIX + "/invocation/next":
            self._send(404, _error_body("InvalidRequest", f"unknown path {self.path}"))
            return
        try:
            event = self.server.backend.next_invocation(self._send_next)
        except Exception:
            log.exception("runtime api %s: /next failed", self.server.name)
            event = None
        if event is HANDED_OFF:
            return
        if not isinstance(event, NextEvent):  # the worker is being retired: drop the connection (it is killed)
            self.close_connection = True
            return
        self._send_next(event)

    def _send_next(self, event: NextEvent) -> None:
        self._send(200, event.payload, event.headers())

    def do_POST(self) -> None:  # noqa: N802 - stdlib naming
        body = self._body()
        error_type = self.headers.get(ERROR_TYPE_HEADER)
        backend = self.server.backend
        try:
            match = _INVOCATION_POST.match(self.path)
            if match and match.group(2) == "response":
                status = backend.post_response(match.group(1), body)
            elif match:
                status = backend.post_error(match.group(1), body, error_type)
            elif self.path == PREFIX + "/init/error":
                status = backend.post_init_error(body, error_type)
            else:
                self._send(404, _error_body("InvalidRequest", f"unknown path {self.path}"))
                return
        except Exception:  # never let a worker's post kill the server
            log.exception("runtime api %s: POST %s failed", self.server.name, self.path)
            status = 500
        if status == 202:
            self._send(202, b'{"status":"OK"}')
        elif status == 413:
            self._send(413, _error_body("RequestEntityTooLarge",
                                        f"Exceeded maximum allowed payload size ({MAX_RESPONSE_BYTES} bytes)."))
        elif status == 400:
            self._send(400, _error_body("InvalidRequestID", "Invalid request ID"))
        else:
            self._send(status, _error_body("InternalError", "internal error"))


class RuntimeApiServer:
    """A tiny threaded HTTP server bound to 127.0.0.1:0 (one thread per connection)."""

    def __init__(self, backend: RuntimeBackend, name: str = "worker") -> None:
        self.backend = backend
        self.name = name
        self._sock = socket.create_server(("127.0.0.1", 0), backlog=16)
        self.port: int = self._sock.getsockname()[1]
        self._conns: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._closed = False
        self._thread = threading.Thread(target=self._accept_loop, name=f"rapi-{name}", daemon=True)

    @property
    def address(self) -> str:
        """`127.0.0.1:<port>`, the value of AWS_LAMBDA_RUNTIME_API."""
        return f"127.0.0.1:{self.port}"

    def start(self) -> None:
        self._thread.start()

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
            conns = list(self._conns)
        for sock in [self._sock, *conns]:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self._sock.close()

    def _accept_loop(self) -> None:
        while True:
            try:
                conn, addr = self._sock.accept()
            except OSError:
                return
            with self._lock:
                if self._closed:
                    conn.close()
                    return
                self._conns.add(conn)
            threading.Thread(target=self._serve, args=(conn, addr), name=f"rapi-{self.name}-conn", daemon=True).start()

    def _serve(self, conn: socket.socket, addr: tuple[str, int]) -> None:
        try:
            _Handler(conn, addr, self)  # type: ignore[arg-type]
        except (ConnectionError, OSError):
            pass
        except Exception:
            log.exception("runtime api %s: connection failed", self.name)
        finally:
            with self._lock:
                self._conns.discard(conn)
            try:
                conn.close()
            except OSError:
                pass
