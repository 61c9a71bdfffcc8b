"""The errors a user can act on, each with the exit status `harness` ends with, and the map into them.

    HarnessError             1  something ran and failed: a deploy step, an AWS call AWS refused, a file write
    ├── AwsCallFailed        1  an AWS API answered with an error (`CreateFunction failed: Code: message`)
    ├── UsageError           2  nothing ran: the command as typed cannot run (an option, --code-dir, a scenario
    │   │                       file, real AWS without the opt-in, a port in use)
    │   └── EndpointError    2  an endpoint URL that is no stack's (no scheme, an invoke URL, https on http)
    └── TargetUnavailable    2  nothing ran: nothing usable answers where the target is (nothing listening,
                                something that is no AWS endpoint, no credentials, LocalStack not healthy)

`str(error)` is one line without the `harness: ` prefix (the CLI adds it; pytest shows it as a skip reason).
`map_errors()` re-raises what lower layers raise (botocore, requests/urllib3, sockets, URL parsing, files) as
one of these, the original kept as `__cause__`; anything it does not know is a bug and keeps its traceback.
Modules keep their own subclasses (DeployError, LocalStackError, RealAwsRefused, ScenarioError...).
Left out: translating errors of AWS services the harness does not call (S3's numeric codes, for one).
"""
from __future__ import annotations

import socket
from contextlib import contextmanager
from typing import Iterator
from urllib.parse import urlsplit

LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "0.0.0.0", "[::1]"})
# Exception classes of requests, urllib3 and ssl by name (neither is imported unless it raised): the exception
# itself must be one of them; what it wraps only explains it (a bug raised while handling one stays a bug).
_TLS = frozenset({"SSLError", "SSLCertVerificationError"})
_READ_TIMEOUT = frozenset({"ReadTimeout", "ReadTimeoutError"})
_CONNECT = frozenset({"ConnectionError", "NewConnectionError", "MaxRetryError", "ConnectTimeout",
                      "ConnectTimeoutError", "NameResolutionError"})


class HarnessError(Exception):
    """A failure the user can act on: `str()` says what and what to do; `exit_code` ends the CLI."""

    exit_code = 1


class AwsCallFailed(HarnessError):
    """An AWS API (or the stack standing in for it) answered a call with an error."""


class UsageError(HarnessError):
    """The command as typed cannot run; nothing was done."""

    exit_code = 2


class EndpointError(UsageError):
    """An endpoint URL that cannot be a stack's endpoint; the message says what to type instead."""


class TargetUnavailable(HarnessError):
    """The target cannot be used here; the message says why (a skip reason for tests)."""

    exit_code = 2


@contextmanager
def map_errors(endpoint: str | None = None) -> Iterator[None]:
    """Re-raise lower-level errors as HarnessErrors (`endpoint` as given names the place); others unchanged."""
    try:
        yield
    except HarnessError:
        raise
    except Exception as exc:
        mapped = translate(exc, endpoint)
        if mapped is None:
            raise
        raise mapped from exc


def translate(exc: BaseException, endpoint: str | None = None) -> HarnessError | None:
    """The HarnessError `exc` stands for, or None when it is not one a user can act on (a bug)."""
    from botocore import exceptions as bx
    from botocore.parsers import ResponseParserError

    url = endpoint or _url_of(exc)
    where = host_port(url) if url else "the endpoint"
    if isinstance(exc, (bx.NoCredentialsError, bx.PartialCredentialsError)):
        return TargetUnavailable("no AWS credentials found; `harness doctor` says where they are looked for")
    if isinstance(exc, bx.SSLError) or _is_a(exc, _TLS):
        return _tls_failed(url, where, exc)
    if isinstance(exc, (bx.ConnectionClosedError, ConnectionResetError, BrokenPipeError)):
        return TargetUnavailable(f"{where} closed the connection without an answer: is the endpoint a stack's "
                                 "(`harness serve`, LocalStack)?")
    if isinstance(exc, bx.ReadTimeoutError) or _is_a(exc, _READ_TIMEOUT):
        return HarnessError(f"{where} did not answer in time (read timeout)")
    if isinstance(exc, (bx.EndpointConnectionError, ConnectionRefusedError, socket.gaierror)) or _is_a(exc, _CONNECT):
        return TargetUnavailable(nothing_answers(url, exc))
    if isinstance(exc, ResponseParserError):
        html = "<html" in str(exc).lower()
        return TargetUnavailable(not_aws(where, "an HTML page" if html else "an answer that is neither AWS's XML "
                                                                            "nor its JSON"))
    if isinstance(exc, bx.ClientError):
        error = exc.response.get("Error", {})
        code, message = str(error.get("Code", "")), str(error.get("Message", ""))
        if code.isdigit():  # botocore found no AWS error in the body: the HTTP status stands in for one
            return TargetUnavailable(not_aws(where, f"HTTP {code}" + (", an HTML page" if "<html" in message.lower()
                                                                       else "")))
        return AwsCallFailed(f"{exc.operation_name} failed: {code}: {_first_line(message)}")
    if isinstance(exc, ValueError) and endpoint and str(exc).startswith(("Invalid endpoint", "Port out of range")):
        return EndpointError(f"endpoint {endpoint} is not a URL: give http://HOST:PORT, e.g. http://127.0.0.1:4566")
    if isinstance(exc, OSError) and getattr(exc, "filename", None):
        return HarnessError(f"{exc.strerror or type(exc).__name__}: {exc.filename}")
    return None


def host_port(url: str) -> str:
    """`host:port` as given in `url` (no credentials, no path); `host (port N)` when the port is implied."""
    parts = urlsplit(url if "://" in url else f"//{url}")
    host = parts.hostname or url
    if ":" in host:
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        return host
    if port is not None:
        return f"{host}:{port}"
    return f"{host} (port {443 if parts.scheme == 'https' else 80})"


def is_local(url: str) -> bool:
    return (urlsplit(url if "://" in url else f"//{url}").hostname or "") in LOCAL_HOSTS


def nothing_answers(url: str | None, exc: BaseException | None = None) -> str:
    """`nothing answers at HOST:PORT (reason); start one with ...` for an endpoint nothing listens on."""
    if url is None:
        return f"nothing answers at the endpoint ({_reason(exc)})"
    dns = _dns_failure(exc)
    if dns:
        host = urlsplit(url if "://" in url else f"//{url}").hostname or url
        return f"cannot find host {host} ({dns}): is the endpoint {url} spelt right?"
    where = host_port(url)
    why = f" ({_reason(exc)})" if exc is not None else ""
    if is_local(url):
        try:
            port = urlsplit(url).port
        except ValueError:
            port = None
        start = f"`harness serve --port {port}`" if port else "`harness serve`"
        return f"nothing answers at {where}{why}; start one with {start}, or point the endpoint elsewhere"
    return f"nothing answers at {where}{why}; is the endpoint right and the stack running?"


def not_aws(where: str, answer: str) -> str:
    return (f"{where} answers, but it is no AWS endpoint ({answer}): give the endpoint of `harness serve` "
            "or LocalStack")


def _tls_failed(url: str | None, where: str, exc: BaseException) -> HarnessError:
    text = str(exc).lower()
    if url and any(sign in text for sign in ("wrong version number", "record layer failure", "packet length too long",
                                              "unknown protocol", "http request")):
        plain = "http://" + url.split("://", 1)[-1]
        return EndpointError(f"endpoint {url}: the stack there speaks http, not https: give {plain.rstrip('/')}")
    return TargetUnavailable(f"no TLS connection to {where} ({_reason(exc)})")


def _url_of(exc: BaseException) -> str | None:
    kwargs = getattr(exc, "kwargs", None) or {}
    url = kwargs.get("endpoint_url")
    if url:
        return str(url)
    request = getattr(exc, "request", None)
    return str(getattr(request, "url", "") or "") or None


def _chain(exc: BaseException | None) -> Iterator[BaseException]:
    """`exc`, its causes and contexts, and the errors botocore and urllib3 wrap (`kwargs['error']`, `reason`)."""
    todo, seen = [exc], set()
    while todo:
        current = todo.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        wrapped = (getattr(current, "kwargs", None) or {}).get("error")
        todo += [current.__cause__, current.__context__, getattr(current, "reason", None), wrapped]
        todo = [e for e in todo if e is None or isinstance(e, BaseException)]


def _is_a(exc: BaseException, names: frozenset[str]) -> bool:
    """Whether `exc`'s class, or one it derives from, has one of `names` (builtins' ConnectionError excluded)."""
    return any(cls.__name__ in names and cls.__module__ != "builtins" for cls in type(exc).__mro__)


def _dns_failure(exc: BaseException | None) -> str | None:
    for e in _chain(exc):
        if isinstance(e, socket.gaierror):
            return e.strerror or str(e)
        text = str(e)
        if "Name or service not known" in text or "nodename nor servname" in text or "getaddrinfo failed" in text:
            return "unknown host"
    return None


def _reason(exc: BaseException | None) -> str:
    """A few plain words for why a connection failed: `connection refused`, `timed out`..."""
    if exc is None:
        return "no answer"
    for e in _chain(exc):
        if isinstance(e, ConnectionRefusedError) or "Connection refused" in str(e):
            return "connection refused"
        if isinstance(e, TimeoutError) or "timed out" in str(e):
            return "timed out"
    return _first_line(str(exc)) or type(exc).__name__


def _first_line(text: str) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= 200 else line[:197] + "..."
