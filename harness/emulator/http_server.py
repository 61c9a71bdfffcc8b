"""A small threaded WSGI server with HTTP/1.1 keep-alive and TCP_NODELAY, on the standard library.

Why not werkzeug's dev server: it closes every connection (no keep-alive), which costs a TCP handshake per
AWS call. Why not a fixed thread pool (waitress, cheroot): a gateway request blocks its thread until the
function answers, and the function calls back into the same server, so a bounded pool can deadlock under a
peak. Here every connection gets its own thread (up to `max_connections`; idle ones close after
`idle_timeout_s`); request bodies are read in full before the app runs, so the connection can always be
reused. Framing follows RFC 9112 strictly (http_framing.py: 400 for Content-Length with Transfer-Encoding,
conflicting or malformed lengths, bad chunks). A body over the request's limit (`body_limit`, MAX_BODY unless
told) is not read: the app is called with an empty body, CONTENT_LENGTH the declared size (chunked: the size
read when it passed the limit) and `harness.body_unread` set, so it answers in its own words; the connection is
closed after the answer.
Why not h11 or httptools: the hand-written head parser is what keeps a request under a millisecond here, and
the framing rules it needs are the few above.
`CONNECT` to an execute-api host makes it an HTTPS proxy for that API (tls_proxy.py).
Left out: TLS on the port itself, HTTP/2, `Expect: 100-continue` beyond what http.server does, request pipelining.
"""
from __future__ import annotations

import email.utils
import io
import logging
import socket
import sys
import threading
import time
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Iterable
from urllib.parse import unquote

from .http_framing import FramingError, body_framing, read_chunked
from .http_head import FastRequestHead, Headers

log = logging.getLogger(__name__)

_PHRASES = {status.value: status.phrase for status in HTTPStatus}  # "Forbidden", not werkzeug's "FORBIDDEN"
_date: list[Any] = [0, ""]  # (second, its IMF-fixdate), shared by every connection's thread


def http_date() -> str:
    """The `Date` header of an answer sent now (RFC 9110 IMF-fixdate), formatted once a second."""
    now = int(time.time())
    if _date[0] != now:
        _date[:] = [now, email.utils.formatdate(now, usegmt=True)]
    return _date[1]
WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
MAX_BODY = 64 * 1024 * 1024
#: A connection the client sends nothing on for this long is closed (an idle keep-alive connection included).
IDLE_TIMEOUT_S = 60.0
#: Connections open at once; a new one past this is answered 503 and closed.
MAX_CONNECTIONS = 1000
_BUSY = (b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nContent-Length: 64\r\n"
         b"Connection: close\r\n\r\n" b'{"message": "Too many open connections to the emulator; retry."}')


class _Handler(FastRequestHead, BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # http.server answers a request line it cannot read (garbage, a bad version) HTTP/0.9-style: an HTML page
    # without a status line. No client speaks 0.9 any more; every answer gets a status line.
    default_request_version = "HTTP/1.0"
    server: "WSGIServer"
    server_version = "harness"
    sys_version = ""

    def setup(self) -> None:
        self.timeout = self.server.idle_timeout_s  # no byte from the client for this long: the connection closes
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - http.server's signature
        log.debug("%s %s", self.address_string(), format % args)

    def _read_body(self) -> bytes | int | None:
        """The request body; its size (an int) when it is larger than the server's limit for this request
        (left unread); None when its framing is invalid (RFC 9112 section 6: answered 400) or it is cut short."""
        framing = body_framing(self.headers.get_all("Transfer-Encoding") or [],
                               self.headers.get_all("Content-Length") or [], self.request_version)
        limit = self.server.body_limit(self.path, self.headers)
        if framing == "chunked":
            return read_chunked(self.rfile, limit)
        if framing > limit:
            return framing
        body = self.rfile.read(framing) if framing else b""
        return body if len(body) == framing else None

    def _environ(self, body: bytes, unread: int | None = None) -> dict[str, Any]:
        path, _, query = self.path.partition("?")
        if path[:8].lower().startswith(("http://", "https://")):  # absolute-form request target (any case)
            path = "/" + path.split("://", 1)[1].partition("/")[2]
        environ: dict[str, Any] = {
            "REQUEST_METHOD": self.command,
            "SCRIPT_NAME": "",
            "PATH_INFO": unquote(path, "latin-1"),
            "RAW_URI": self.path,
            "REQUEST_URI": self.path,
            "QUERY_STRING": query,
            "SERVER_NAME": self.server.server_name,
            "SERVER_PORT": str(self.server.server_port),
            "SERVER_PROTOCOL": self.request_version,
            "REMOTE_ADDR": self.client_address[0],
            "REMOTE_PORT": self.client_address[1],
            "CONTENT_LENGTH": str(len(body) if unread is None else unread),
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": True,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
        }
        content_type = self.headers.get("Content-Type")
        if content_type is not None:
            environ["CONTENT_TYPE"] = content_type
        for key, value in self.headers.items():
            name = key.upper().replace("-", "_")
            if name in ("CONTENT_TYPE", "CONTENT_LENGTH", "TRANSFER_ENCODING"):
                continue  # the body is read in full and de-chunked: CONTENT_LENGTH tells its size (werkzeug reads
                # no body at all from a chunked request unless the server marks its input terminated)
            name = "HTTP_" + name
            environ[name] = f"{environ[name]},{value}" if name in environ else value
        environ["harness.raw_headers"] = list(self.headers.items())
        if unread is not None:  # the app answers (e.g. API Gateway's own 413); the connection is closed after
            environ["harness.body_unread"] = True
        return environ

    def _run(self) -> None:
        if self.server.draining:  # stopping: this connection's next request is the last one answered
            self.close_connection = True
        with self.server._count_lock:
            self.server.active_requests += 1
        try:
            self._serve()
        finally:
            with self.server._count_lock:
                self.server.active_requests -= 1

    def _serve(self) -> None:
        try:
            body = self._read_body()
        except FramingError as error:  # the rest of the stream cannot be told apart: answered, then closed
            self.close_connection = True
            self.send_error(error.status, error.reason)
            return
        except (ValueError, OSError):
            body = None
        if body is None:
            self.close_connection = True
            self.send_error(400)
            return
        if isinstance(body, int):  # too large to read: the app still answers, from the head alone
            self.close_connection = True
            environ = self._environ(b"", unread=body)
        else:
            environ = self._environ(body)
        status_headers: list[Any] = []

        def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[[bytes], None]:
            status_headers[:] = [status, headers]
            return lambda data: None  # write() callables are not supported; apps return iterables

        try:
            result = self.server.app(environ, start_response)
            try:
                payload = b"".join(result)
            finally:
                if hasattr(result, "close"):
                    result.close()
        except Exception:  # the app must never take the server down
            log.exception("unhandled error serving %s %s", self.command, self.path)
            status_headers[:] = ["500 Internal Server Error", [("Content-Type", "application/json")]]
            payload = b'{"message": "Internal server error"}'
        status, headers = status_headers
        code, _, reason = status.partition(" ")
        self.send_response_only(int(code), _PHRASES.get(int(code), reason))
        sent_length = sent_date = False
        for name, value in headers:
            lower = name.lower()
            if lower in ("connection", "transfer-encoding", "keep-alive"):
                continue
            if lower == "content-length":
                sent_length = True
                value = str(len(payload))
            elif lower == "date":
                sent_date = True
            self.send_header(name, value)
        if not sent_length and not (self.command == "HEAD" or int(code) in (204, 304) or 100 <= int(code) < 200):
            self.send_header("Content-Length", str(len(payload)))
        if not sent_date:
            self.send_header("Date", http_date())
        # AWS's fronts name the connection's fate in every answer (`Connection: keep-alive` on API Gateway's)
        self.send_header("Connection", "close" if self.close_connection else "keep-alive")
        self._headers_buffer.append(b"\r\n")  # head and body in one write: one packet for small answers
        if self.command != "HEAD" and payload:
            self._headers_buffer.append(payload)
        self.flush_headers()

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _run

    def do_CONNECT(self) -> None:  # noqa: N802 - http.server's naming
        """An HTTPS proxy for execute-api hosts only (tls_proxy.py): TLS with a local certificate, then the
        requests inside are served like any other on this connection."""
        import socketserver
        import ssl

        from .tls_proxy import context_for

        if "/" in self.path:  # origin or absolute form: not a proxy request; answered like any other method
            self._run()
            return
        context = context_for(self.path.rsplit(":", 1)[0])
        if context is None:
            self.send_error(HTTPStatus.FORBIDDEN, "the embedded stack proxies only execute-api hosts")
            self.close_connection = True
            return
        self.send_response_only(200, "Connection Established")
        self.end_headers()
        try:
            self.wfile.flush()
            tls = context.wrap_socket(self.connection, server_side=True)
        except (ssl.SSLError, OSError):
            self.close_connection = True
            return
        self.connection = self.request = tls
        self.rfile = tls.makefile("rb", self.rbufsize)
        self.wfile = socketserver._SocketWriter(tls)  # type: ignore[attr-defined]
        self.close_connection = False

    def handle_one_request(self) -> None:
        try:
            super().handle_one_request()
        except (ConnectionError, TimeoutError, socket.timeout):
            self.close_connection = True

    def __getattr__(self, name: str) -> Any:
        if name.startswith("do_"):  # any other verb (e.g. PROPFIND, FOO) still reaches the app
            return self._run
        raise AttributeError(name)


def any_body_up_to_max(path: str, headers: Headers) -> int:
    """The default body limit: MAX_BODY for every request."""
    return MAX_BODY


class WSGIServer(ThreadingHTTPServer):
    """Serve `app` on (host, port) with one thread per connection; port 0 picks a free port.

    `body_limit(path, headers)` is the largest body read for a request (a larger one is left unread, see the
    module's docstring); `idle_timeout_s` closes a connection the client sends nothing on for that long (an
    idle keep-alive connection, or a client that stopped mid-request); past `max_connections` open at once, a
    new connection is answered 503 and closed, so idle sockets cannot take a thread each without end.
    """

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 512

    def __init__(self, host: str, port: int, app: WSGIApp, *, idle_timeout_s: float = IDLE_TIMEOUT_S,
                 max_connections: int = MAX_CONNECTIONS,
                 body_limit: Callable[[str, Headers], int] = any_body_up_to_max) -> None:
        self.app = app
        self.idle_timeout_s = idle_timeout_s
        self.max_connections = max_connections
        self.body_limit = body_limit
        self.open_connections = 0
        self.refused_connections = 0
        self.active_requests = 0  # being served now
        self.draining = False  # set by `drain`: answers close their connection
        self._count_lock = threading.Lock()
        super().__init__((host, port), _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._count_lock:
            full = self.open_connections >= self.max_connections
            if full:
                self.refused_connections += 1
            else:
                self.open_connections += 1
        if full:
            try:
                request.settimeout(1.0)
                request.sendall(_BUSY)
            except OSError:
                pass
            self.shutdown_request(request)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:  # the thread did not start: the connection is not open any more
            self._closed()
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._closed()

    def _closed(self) -> None:
        with self._count_lock:
            self.open_connections -= 1

    def drain(self, timeout: float) -> bool:
        """Stop accepting connections, close each open one after its current request, and wait (up to
        `timeout`) until no request is being served; True when none is."""
        import time

        self.draining = True
        self.shutdown()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._count_lock:
                if self.active_requests == 0:
                    return True
            time.sleep(0.01)
        return False

    def server_bind(self) -> None:
        # Skip http.server's socket.getfqdn() lookup: it can take seconds on machines without DNS.
        import socketserver

        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = host
        self.server_port = port

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    def start(self) -> threading.Thread:
        thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.2},
                                  name=f"http-{self.port}", daemon=True)
        thread.start()
        return thread
