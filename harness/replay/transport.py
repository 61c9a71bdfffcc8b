"""HTTP for http steps: the `Transport` interface and its default, a keep-alive `requests.Session`.

A transport sends a rendered `Request` and returns a `Response` with the status, headers, raw content and the
request's duration; it raises `TransportError` when no answer came (connection refused, DNS, timeout).
Redirects are not followed (API Gateway never redirects; a 3xx is reported as is).
Left out: proxies and client certificates beyond what `requests` picks up from the environment.
"""
from __future__ import annotations

import logging
import time
from typing import Protocol

import requests

from .results import Request, Response

log = logging.getLogger(__name__)


class TransportError(ConnectionError):
    """No HTTP answer (the message says why)."""


class Transport(Protocol):
    def send(self, request: Request) -> Response: ...

    def close(self) -> None: ...


class RequestsTransport:
    """One keep-alive `requests.Session` for the whole run."""

    def __init__(self, session: requests.Session | None = None) -> None:
        self.session = session or requests.Session()

    def send(self, request: Request) -> Response:
        log.debug("%s %s", request.method, request.url)
        start = time.perf_counter()
        try:
            answer = self.session.request(
                request.method, request.url, headers=dict(request.headers), data=request.body,
                timeout=request.timeout, allow_redirects=False,
            )
            content = answer.content
        except requests.RequestException as exc:
            raise TransportError(f"{type(exc).__name__}: {exc}") from exc
        elapsed = (time.perf_counter() - start) * 1000
        return Response(status=answer.status_code, headers=dict(answer.headers), content=content, duration_ms=elapsed)

    def close(self) -> None:
        self.session.close()
