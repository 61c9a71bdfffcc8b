"""HTTP/1.1 message framing of a request body, as RFC 9112 section 6 says, strictly (no request smuggling).

`body_framing` tells from the head how the body is delimited: "chunked", or a length. A request is refused
(`FramingError`, answered 400 and the connection closed) when the two could disagree: Transfer-Encoding
together with Content-Length (RFC 9112 6.3 item 3), Transfer-Encoding in an HTTP/1.0 request (6.1), chunked
not the final coding (6.3 item 4), Content-Length values that differ or are not 1*DIGIT (`1_0`, `+5`, ` 5`,
`0x5`: Python's int() takes some of these; 6.3 item 5). A coding other than chunked is 501 (6.1).
`read_chunked` reads a chunked body (7.1): chunk sizes of hex digits only, chunk data followed by CRLF,
trailer lines (read and dropped) bounded in number and size, and the size limit enforced as chunks arrive, so
an oversized body is never read in full. Left out: transfer codings other than chunked (gzip, compress).
"""
from __future__ import annotations

import re
from typing import BinaryIO

MAX_LINE = 65536
MAX_TRAILERS = 100
_DIGITS = re.compile(rb"[0-9]+\Z")
_HEX = re.compile(rb"[0-9A-Fa-f]{1,16}\Z")


class FramingError(ValueError):
    """A request whose body cannot be delimited safely: answered `status` and the connection closed."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def body_framing(transfer_encodings: list[str], content_lengths: list[str], version: str = "HTTP/1.1") -> str | int:
    """"chunked" or the body's length (0 when neither header is there), from the header values as received."""
    if transfer_encodings:
        if content_lengths:
            raise FramingError(400, "Content-Length together with Transfer-Encoding")
        if version < "HTTP/1.1":
            raise FramingError(400, "Transfer-Encoding in an HTTP/1.0 request")
        codings = [part.strip().lower() for value in transfer_encodings for part in value.split(",")]
        if codings[-1] != "chunked" or codings.count("chunked") != 1:
            raise FramingError(400, "chunked is not the final transfer coding")
        if len(codings) > 1:
            raise FramingError(501, f"transfer coding {codings[0]!r} is not supported")
        return "chunked"
    if not content_lengths:
        return 0
    parts = {part.strip().encode("latin-1") for value in content_lengths for part in value.split(",")}
    if len(parts) != 1:
        raise FramingError(400, "conflicting Content-Length values")
    (text,) = parts
    if not _DIGITS.match(text) or len(text) > 18:
        raise FramingError(400, f"malformed Content-Length {text[:20]!r}")
    return int(text)


def _line(stream: BinaryIO) -> bytes:
    line = stream.readline(MAX_LINE + 1)
    if not line:
        raise FramingError(400, "the body is cut short")
    if len(line) > MAX_LINE or not line.endswith(b"\n"):
        raise FramingError(400, "a chunk line is too long")
    return line[:-2] if line.endswith(b"\r\n") else line[:-1]


def read_chunked(stream: BinaryIO, limit: int) -> bytes | int:
    """A chunked body read from `stream`, or its size so far (an int over `limit`) once it passes `limit`
    (the rest is left unread: the connection must close). FramingError for a malformed or cut-short body."""
    chunks: list[bytes] = []
    total = 0
    while True:
        size_text = _line(stream).split(b";", 1)[0].strip(b" \t")
        if not _HEX.match(size_text):
            raise FramingError(400, f"malformed chunk size {size_text[:20]!r}")
        size = int(size_text, 16)
        if size == 0:
            break
        total += size
        if total > limit:
            return total
        chunk = stream.read(size)
        if len(chunk) < size:
            raise FramingError(400, "the body is cut short")
        chunks.append(chunk)
        if _line(stream) != b"":
            raise FramingError(400, "chunk data not followed by CRLF")
    for _ in range(MAX_TRAILERS + 1):
        if _line(stream) == b"":
            return b"".join(chunks)
    raise FramingError(400, "too many trailer lines")
