"""Is a URL a stack's endpoint? `check_endpoint` reads it (no I/O); `require_stack` asks whatever answers there.

Mistakes named, each with what to type instead: no scheme (`127.0.0.1:4566`), a scheme other than http(s), no
host or an impossible port, an API's invoke URL (`.../_aws/execute-api/...`, `.../restapis/.../_user_request_/...`,
`{api}.execute-api.{host}`), `https://` to a stack that speaks http (the embedded stack speaks only http;
LocalStack speaks both), nothing listening, and something answering that is no AWS endpoint. Left out: telling
LocalStack from the embedded stack or moto's server (any AWS-compatible endpoint is accepted).
"""
from __future__ import annotations

import http.client
import re
from urllib.parse import urlsplit

from ..clients import Endpoint
from ..defaults import DEFAULT_REGION
from ..errors import EndpointError, map_errors

EXAMPLE = "http://127.0.0.1:4566"
_INVOKE_PATH = re.compile(r"/(?:_aws/execute-api/|restapis/[^/]+/[^/]+/_user_request_(?:/|$))")


def check_endpoint(url: str) -> str:
    """`url` without a trailing slash when it can be a stack's endpoint; else EndpointError saying what to type."""
    problem = endpoint_problem(url)
    if problem:
        raise EndpointError(problem)
    return url.strip().rstrip("/")


def endpoint_problem(url: str) -> str | None:
    """The mistake in `url` as one line with the fix, or None when it looks like a stack's endpoint."""
    text = url.strip()
    if not text:
        return f"the endpoint is empty: give the stack's URL, e.g. {EXAMPLE}"
    if "://" not in text:
        return f"endpoint {text} has no scheme: give {stack_url('http://' + text)}"
    parts = urlsplit(text)
    rest = text.split("://", 1)[1]
    if parts.scheme.lower() not in ("http", "https"):
        return f"endpoint {text} is neither http nor https: give {stack_url('http://' + rest)}"
    if not parts.hostname:
        return f"endpoint {text} has no host: give the stack's URL, e.g. {EXAMPLE}"
    try:
        parts.port
    except ValueError:
        return f"endpoint {text} has no valid port (1-65535): give the stack's URL, e.g. {EXAMPLE}"
    if _is_invoke_url(text):
        base = stack_url(text)
        if base.endswith(".amazonaws.com"):
            return f"endpoint {text} is an API's invoke URL on AWS; for real AWS give --target aws, no endpoint"
        return f"endpoint {text} is an API's invoke URL; give the stack's endpoint: {base}"
    return None


def _is_invoke_url(url: str) -> bool:
    parts = urlsplit(url)
    return bool(_INVOKE_PATH.search(parts.path + "/")) or ".execute-api." in (parts.hostname or "")


def stack_url(url: str) -> str:
    """The stack's endpoint in `url`: scheme and host:port, the API's part (`{api}.execute-api.`) and path gone."""
    parts = urlsplit(url)
    netloc = parts.netloc.rsplit("@", 1)[-1]
    if ".execute-api." in netloc:
        netloc = netloc.split(".execute-api.", 1)[1]
    return f"{parts.scheme}://{netloc}"


def require_stack(url: str, region: str = DEFAULT_REGION, timeout_s: float = 3.0) -> None:
    """TargetUnavailable or EndpointError unless an AWS endpoint answers at `url` (one STS GetCallerIdentity).

    An AWS error answer counts as an answer (the endpoint speaks AWS); nothing listening, a TLS handshake with
    a plain-http stack, and an answer botocore cannot read do not.
    """
    import boto3
    from botocore.config import Config
    from botocore.exceptions import ClientError, SSLError

    key, secret = Endpoint(url, region).credentials()
    config = Config(retries={"max_attempts": 1, "mode": "standard"}, connect_timeout=timeout_s, read_timeout=30)
    session = boto3.session.Session(aws_access_key_id=key, aws_secret_access_key=secret, region_name=region)
    with map_errors(url):
        client = session.client("sts", endpoint_url=url, config=config)
        try:
            client.get_caller_identity()
        except SSLError as exc:
            if speaks_http(url):
                plain = "http://" + url.split("://", 1)[1]
                raise EndpointError(f"endpoint {url}: the stack there speaks http, not https: give {plain}") from exc
            raise
        except ClientError as exc:
            if not str(exc.response.get("Error", {}).get("Code", "")).isdigit():
                return  # an AWS error answer: it speaks AWS (credentials or permissions are the deploy's business)
            raise


def speaks_http(url: str, timeout_s: float = 2.0) -> bool:
    """Whether the host and port of `url` answer a plain-http request."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port or 443, timeout=timeout_s)
    try:
        connection.request("GET", "/")
        connection.getresponse().read()
        return True
    except (OSError, http.client.HTTPException):
        return False
    finally:
        connection.close()
