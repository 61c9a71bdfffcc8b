"""Fast HTTP/1.x request-head parsing for `http.server` handlers (the stdlib's goes through `email.parser`,
about 0.5 ms a request, several times per API call here).

`FastRequestHead` replaces `BaseHTTPRequestHandler.parse_request`: the request line, then the header lines
into `Headers` (case-insensitive lookups, original case and order kept, repeats kept). Same limits and
answers as the stdlib: 400 for a malformed line, 431 past 100 headers or a 64 KiB line, 505 for HTTP/2+.
A two-word request line (HTTP/0.9 style) is served as a GET without headers, then the connection closes.
Left out: obsolete line folding beyond joining the continuation to the previous value.
"""
from __future__ import annotations

from http import HTTPStatus
from typing import Iterator

MAX_LINE = 65536
MAX_HEADERS = 100


class Headers:
    """Request headers: `get` (first value, like email.message), `get_all`, `items` (in order)."""

    __slots__ = ("_items", "_first")

    def __init__(self, items: list[tuple[str, str]]) -> None:
        self._items = items
        self._first: dict[str, str] = {}
        for name, value in items:
            self._first.setdefault(name.lower(), value)

    def get(self, name: str, default: str | None = None) -> str | None:
        return self._first.get(name.lower(), default)

    def __getitem__(self, name: str) -> str | None:
        return self._first.get(name.lower())

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._first

    def get_all(self, name: str, failobj: list[str] | None = None) -> list[str] | None:
        lower = name.lower()
        found = [value for key, value in self._items if key.lower() == lower]
        return found or failobj

    def items(self) -> list[tuple[str, str]]:
        return list(self._items)

    def keys(self) -> list[str]:
        return [name for name, _ in self._items]

    def values(self) -> list[str]:
        return [value for _, value in self._items]

    def __iter__(self) -> Iterator[str]:
        return iter(self.keys())

    def __len__(self) -> int:
        return len(self._items)


class FastRequestHead:
    """Mixin for a `BaseHTTPRequestHandler` subclass (put it first in the bases)."""

    def parse_request(self) -> bool:  # type: ignore[override]
        handler = self  # type: ignore[assignment]
        handler.command = None
        handler.request_version = version = handler.default_request_version
        handler.close_connection = True
        requestline = str(handler.raw_requestline, "iso-8859-1").rstrip("\r\n")
        handler.requestline = requestline
        words = requestline.split()
        if not words:
            return False
        if len(words) == 2:  # HTTP/0.9 style: GET only, answered with a status line, then closed
            command, path = words
            if command != "GET":
                handler.send_error(HTTPStatus.BAD_REQUEST, f"Bad HTTP/0.9 request type ({command!r})")
                return False
            handler.command, handler.path = command, path
            handler.headers = Headers([])
            return True
        if len(words) != 3:
            handler.send_error(HTTPStatus.BAD_REQUEST, f"Bad request syntax ({requestline!r})")
            return False
        command, path, version = words
        try:
            if not version.startswith("HTTP/"):
                raise ValueError
            major, minor = (int(part) for part in version[5:].split(".", 1))
            if major < 0 or minor < 0 or len(version) > 10:
                raise ValueError
        except ValueError:
            handler.send_error(HTTPStatus.BAD_REQUEST, f"Bad request version ({version!r})")
            return False
        if major >= 2:
            handler.send_error(HTTPStatus.HTTP_VERSION_NOT_SUPPORTED, f"Invalid HTTP version ({version})")
            return False
        if (major, minor) >= (1, 1) and handler.protocol_version >= "HTTP/1.1":
            handler.close_connection = False
        if path.startswith("//"):
            path = "/" + path.lstrip("/")  # as the stdlib does: never an absolute network-path reference
        handler.command, handler.path, handler.request_version = command, path, version
        items: list[tuple[str, str]] = []
        while True:
            line = handler.rfile.readline(MAX_LINE + 1)
            if len(line) > MAX_LINE:
                handler.send_error(HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "Line too long")
                return False
            if line in (b"\r\n", b"\n", b""):
                break
            if len(items) >= MAX_HEADERS:
                handler.send_error(HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "Too many headers")
                return False
            text = line.decode("iso-8859-1").rstrip("\r\n")
            if text[:1] in (" ", "\t") and items:
                name, value = items[-1]
                items[-1] = (name, f"{value} {text.strip()}")
                continue
            name, sep, value = text.partition(":")
            if not sep or not name or name != name.strip():
                handler.send_error(HTTPStatus.BAD_REQUEST, f"Bad header line ({text[:80]!r})")
                return False
            items.append((name, value.strip()))
        handler.headers = Headers(items)
        connection = (handler.headers.get("Connection") or "").lower()
        if connection == "close":
            handler.close_connection = True
        elif connection == "keep-alive" and handler.protocol_version >= "HTTP/1.1":
            handler.close_connection = False
        expect = (handler.headers.get("Expect") or "").lower()
        if expect == "100-continue" and handler.protocol_version >= "HTTP/1.1" and (major, minor) >= (1, 1):
            if not handler.handle_expect_100():
                return False
        return True
