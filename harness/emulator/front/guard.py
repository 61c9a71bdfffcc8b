"""The front's guard against the web browser: DNS rebinding and cross-origin use of the emulator's own routes.

A page the developer visits can make the browser send requests to 127.0.0.1. Two handlers stop it:
- `RequestGuard` (first request handler): a `Host` that names a DNS name the stack does not answer to is refused
  403 on every route (DNS rebinding: `evil.example` made to resolve to 127.0.0.1 sends `Host: evil.example`).
  Allowed: IP literals (a page cannot rebind those), `localhost` and `*.localhost`, `*.localhost.localstack.cloud`
  (LocalStack's names for 127.0.0.1), `*.amazonaws.com` (AWS's own names, e.g. an API's execute-api host), and
  the names configured (`HARNESS_ALLOWED_HOSTS`, comma-separated; `.example.test` allows its subdomains too).
  On the internal routes (`/moto-api/...`, `/_harness/...`), a request from another origin (an `Origin` that is
  not this host, or `Sec-Fetch-Site` other than same-origin/none) is refused 403, so only same-origin requests
  and non-browser clients (curl, boto3, the harness) reset or read the stack; moto's recorder and proxy
  passthrough routes (they write files, or reach out) are off.
- `strip_internal_cors` (response handler): no `Access-Control-*` header on an internal route's answer (moto's
  Flask apps add CORS headers echoing any origin), so a browser never lets another origin read them.
The data plane (an API's own URL) answers CORS as the API's own configuration says (the gateway adds nothing
else); the AWS APIs keep moto's CORS answers (browser SDKs use them; the Host check stops rebinding).
Left out: checking SigV4 signatures (the emulator takes any credentials, as moto does).
"""
from __future__ import annotations

import ipaddress
import os
from urllib.parse import urlsplit

from ..aws_errors import AwsError
from .exchange import Exchange

INTERNAL_PREFIXES = ("/moto-api", "/_harness")
#: moto routes that write files or send requests elsewhere: refused whatever the origin.
OFF_ROUTES = ("/moto-api/recorder/", "/moto-api/proxy/")
BUILT_IN_SUFFIXES = (".localhost", ".localhost.localstack.cloud", ".amazonaws.com")
ALLOWED_HOSTS_ENV = "HARNESS_ALLOWED_HOSTS"
_SAFE_FETCH_SITES = ("same-origin", "none")


def configured_hosts(extra: tuple[str, ...] = ()) -> tuple[str, ...]:
    """The names allowed besides the built-in ones: `extra` and HARNESS_ALLOWED_HOSTS (lower case)."""
    listed = [name.strip().lower() for name in os.environ.get(ALLOWED_HOSTS_ENV, "").split(",")]
    return tuple(name for name in (*extra, *listed) if name)


def host_name(host: str) -> str:
    """The name in a Host header value, without port or IPv6 brackets, lower case."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1:].partition("]")[0]
    return host.rpartition(":")[0] if host.count(":") == 1 else host


def host_allowed(host: str, configured: tuple[str, ...] = ()) -> bool:
    """Whether a request's Host names this stack (see the module docstring)."""
    name = host_name(host).rstrip(".")
    try:
        ipaddress.ip_address(name)
        return True
    except ValueError:
        pass
    if name == "localhost" or name.endswith(BUILT_IN_SUFFIXES):
        return True
    return any(name == allowed or (allowed.startswith(".") and name.endswith(allowed)) for allowed in configured)


def is_internal(path: str) -> bool:
    return path.startswith(INTERNAL_PREFIXES)


def same_origin(origin: str, host: str) -> bool:
    """Whether a browser's `Origin` is the host it sends the request to."""
    parts = urlsplit(origin.strip().lower())
    return parts.scheme in ("http", "https") and bool(parts.netloc) and parts.netloc == host.strip().lower()


class RequestGuard:
    """First request handler: refuses foreign hosts everywhere, other origins and off routes on internal ones."""

    def __init__(self, allowed_hosts: tuple[str, ...] = ()) -> None:
        self._configured = configured_hosts(allowed_hosts)

    def __call__(self, exchange: Exchange) -> None:
        environ = exchange.environ
        host = environ.get("HTTP_HOST")
        if host is not None and not host_allowed(host, self._configured):
            raise AwsError(403, "ForbiddenException",
                           f"Host {host_name(host)!r} is not a name this emulator answers to (a guard against DNS "
                           f"rebinding); add it to {ALLOWED_HOSTS_ENV} if it should be")
        if not is_internal(exchange.path):
            return
        origin = environ.get("HTTP_ORIGIN")
        site = environ.get("HTTP_SEC_FETCH_SITE")
        if (origin is not None and not same_origin(origin, host or "")) or (site and site not in _SAFE_FETCH_SITES):
            raise AwsError(403, "ForbiddenException",
                           f"{exchange.path} answers requests from its own origin only (Origin: {origin})")
        if exchange.path.startswith(OFF_ROUTES):
            raise AwsError(403, "ForbiddenException",
                           f"{exchange.path} is off in this emulator (moto's recorder and proxy write files or "
                           "reach other hosts)")


def strip_internal_cors(exchange: Exchange) -> None:
    """Response handler: an internal route's answer carries no CORS header."""
    answer = exchange.answer
    if answer is not None and is_internal(exchange.path):
        headers = [(k, v) for k, v in answer.headers if not k.lower().startswith("access-control-")]
        if len(headers) != len(answer.headers):
            exchange.answer = answer._replace(headers=headers)
