"""Step 1: recognise an execute-api URL, and read the client's request into the context.

URL forms (`execute_api_target`):
    /_aws/execute-api/{apiId}/{stage}/{path...}              LocalStack's current form
    /restapis/{apiId}/{stage}/_user_request_/{path...}       LocalStack's legacy form
    Host `{apiId}.execute-api.<anything>`, path /{stage}/{path...}   AWS's own form

The path after the stage is kept percent-encoded as sent (what the proxy event's `path` holds); the WSGI
environ's RAW_URI/REQUEST_URI gives it back when the front decoded it.

Headers keep their case and repeats only if the HTTP front puts the raw header list in the WSGI environ under
`RAW_HEADERS_ENVIRON_KEY` (a list of (name, value) pairs); plain WSGI folds repeats and title-cases names.
Left out: custom domain names and base-path mappings, `x-apigw-api-id` header routing (private APIs).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, quote

from werkzeug.wrappers import Request

from .context import Header, InvocationContext

RAW_HEADERS_ENVIRON_KEY = "harness.raw_headers"

_CURRENT = re.compile(r"/_aws/execute-api(?:/(?P<api>[^/?#]*)(?:/(?P<rest>.*))?)?", re.S)
_LEGACY = re.compile(r"/restapis/(?P<api>[^/?#]*)/(?P<stage>[^/?#]+)/_user_request_(?P<path>/.*)?", re.S)
_HOST = re.compile(r"(?P<api>[A-Za-z0-9_-]+)\.execute-api\.", re.I)
_PATH_SAFE = "/:@!$&'()*+,;=-._~%"


@dataclass(frozen=True)
class ExecuteApiTarget:
    """Which API and stage a request is for, and its path after the stage (starts with `/`)."""

    api_id: str
    stage: str
    path: str


def _split_stage(rest: str) -> tuple[str, str]:
    """`prod/a/b` -> (`prod`, `/a/b`); `prod` -> (`prod`, `/`); slashes before the stage are one (`//prod/a`
    is served as `/prod/a`, as recorded against AWS)."""
    stage, slash, path = rest.lstrip("/").partition("/")
    return stage, "/" + path if slash else "/"


def execute_api_target(path: str, host: str | None) -> ExecuteApiTarget | None:
    """The execute-api target of a request, or None when it is not an execute-api request.

    A target with an empty stage (`/_aws/execute-api/{id}` or the bare host) is still a target: the
    gateway answers it 403 Forbidden, as AWS does for a missing stage. So is one with an empty API id
    (`/_aws/execute-api//Prod/items`, `/_aws/execute-api`): the gateway answers it as an unknown API (404);
    no other service (S3's bucket `_aws`, a name S3 refuses anyway) gets it.
    """
    if not isinstance(path, str):
        return None
    path = path.split("?", 1)[0]
    m = _CURRENT.fullmatch(path)
    if m:
        stage, rest = _split_stage(m.group("rest") or "")
        return ExecuteApiTarget(m.group("api") or "", stage, rest)
    m = _LEGACY.fullmatch(path)
    if m:
        return ExecuteApiTarget(m.group("api"), m.group("stage"), m.group("path") or "/")
    if host:
        h = _HOST.match(host)
        if h:
            stage, rest = _split_stage(path.lstrip("/"))
            return ExecuteApiTarget(h.group("api"), stage, rest)
    return None


def raw_request_path(request: Request) -> str:
    """The request path still percent-encoded as the client sent it (best effort)."""
    environ = request.environ
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    if isinstance(raw, str) and raw:
        if raw.startswith(("http://", "https://")):  # absolute form, when proxied
            after_scheme = raw.split("://", 1)[1]
            raw = "/" + after_scheme.split("/", 1)[1] if "/" in after_scheme else "/"
        return raw.split("?", 1)[0]
    path_info = environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")
    try:
        # PEP 3333: PATH_INFO is the decoded path as latin-1 text; encode it back
        return quote(path_info.encode("latin-1").decode("utf-8", errors="replace"), safe=_PATH_SAFE)
    except UnicodeEncodeError:
        return quote(request.path, safe=_PATH_SAFE)


def request_headers(request: Request) -> list[Header]:
    """Headers in order, with their case and repeats when the front kept them (see module docstring)."""
    raw = request.environ.get(RAW_HEADERS_ENVIRON_KEY)
    if raw:
        return [(str(k), str(v)) for k, v in raw]
    return [(str(k), str(v)) for k, v in request.headers.items()]


def parse_query(raw: str | bytes | None) -> tuple[dict[str, str] | None, dict[str, list[str]] | None]:
    """(single, multi) query maps; both None when there is no parameter.

    `+` is a space and `%2B` a `+`; a key without `=` has the value `""`; a repeated key keeps its LAST
    value in the single map and every value in the multi map. Invalid UTF-8 becomes U+FFFD. Empty keys
    are dropped.
    """
    if not raw:
        return None, None
    text = raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else raw
    single: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    for key, value in parse_qsl(text, keep_blank_values=True, errors="replace"):
        if not key:
            continue
        single[key] = value
        multi.setdefault(key, []).append(value)
    if not single:
        return None, None
    return single, multi


def _add_forwarding_headers(ctx: InvocationContext, request: Request) -> None:
    """The headers AWS's front adds or completes: X-Amzn-Trace-Id, X-Forwarded-For (client address appended),
    X-Forwarded-Port and X-Forwarded-Proto (this server's real port and scheme)."""
    present = {name.lower(): i for i, (name, _) in enumerate(ctx.headers)}
    if "x-amzn-trace-id" not in present:
        ctx.headers.append(("X-Amzn-Trace-Id", ctx.trace_id))
    else:  # the client's, kept whole, with the Parent API Gateway adds when it has none (chain.trace_id)
        i = present["x-amzn-trace-id"]
        ctx.headers[i] = (ctx.headers[i][0], ctx.trace_id)
    if "x-forwarded-for" in present:
        i = present["x-forwarded-for"]
        ctx.headers[i] = (ctx.headers[i][0], f"{ctx.headers[i][1]}, {ctx.source_ip}")
    else:
        ctx.headers.append(("X-Forwarded-For", ctx.source_ip))
    if "x-forwarded-port" not in present:
        ctx.headers.append(("X-Forwarded-Port", str(request.environ.get("SERVER_PORT") or "80")))
    if "x-forwarded-proto" not in present:
        ctx.headers.append(("X-Forwarded-Proto", request.scheme or "http"))


#: Header names API Gateway re-cases in the proxy event (recorded: a request's `authorization` arrives as
#: `Authorization`; LocalStack's tests/aws/services/apigateway/test_apigateway_lambda.snapshot.json,
#: test_lambda_aws_proxy_integration). Every other name keeps the client's case (`tEsT-HEADeR`, same recording).
RECASED_HEADERS = {"authorization": "Authorization"}


def recase(headers: list[Header]) -> list[Header]:
    """The headers with the names API Gateway re-cases written its way."""
    return [(RECASED_HEADERS.get(name.lower(), name), value) for name, value in headers]


def parse_request(ctx: InvocationContext, request: Request, path: str) -> None:
    """Fill the request fields of the context from an HTTP request (`path` is the one after the stage).

    Slashes right after the stage count as one for routing and the event's `path` (`/prod//db-api` is
    `/db-api`), while requestContext.path keeps them (`/prod//db-api`), as recorded against AWS
    (test_apigateway_lambda.snapshot.json, invocation-payload-with-prepended-slash)."""
    ctx.http_method = (request.method or "GET").upper()
    sent = path if path.startswith("/") else "/" + path
    ctx.path = "/" + sent.lstrip("/")
    ctx.sent_path = sent if sent != ctx.path else None
    ctx.headers = recase(request_headers(request))
    ctx.source_ip = request.remote_addr or "127.0.0.1"
    _add_forwarding_headers(ctx, request)
    ctx.query, ctx.multi_query = parse_query(request.query_string)
    ctx.body = request.get_data(cache=True) or b""
    ctx.user_agent = ctx.header("User-Agent")
    ctx.host = ctx.header("Host") or request.host or None
    ctx.raw_path = raw_request_path(request)
    ctx.raw_query = request.query_string.decode("latin-1") if request.query_string else ""


def parse_test_invoke(ctx: InvocationContext, spec: dict, http_method: str, resource_path: str) -> None:
    """Fill the request fields from a TestInvokeMethod body.

    `multiValueHeaders` win over `headers` for the same name (case-insensitive); `pathWithQueryString`
    defaults to the resource's path.
    """
    ctx.http_method = http_method.upper()
    path_qs = spec.get("pathWithQueryString") or resource_path
    path, _, query = str(path_qs).partition("?")
    ctx.path = path if path.startswith("/") else "/" + path
    ctx.query, ctx.multi_query = parse_query(query)
    headers: list[Header] = []
    seen: set[str] = set()
    for name, values in (spec.get("multiValueHeaders") or {}).items():
        seen.add(str(name).lower())
        for value in values if isinstance(values, list) else [values]:
            headers.append((str(name), "" if value is None else str(value)))
    for name, value in (spec.get("headers") or {}).items():
        if str(name).lower() not in seen:
            headers.append((str(name), "" if value is None else str(value)))
    ctx.headers = headers
    body = spec.get("body")
    ctx.body = body.encode("utf-8", errors="replace") if isinstance(body, str) else b""
    ctx.source_ip = "test-invoke-source-ip"
    ctx.user_agent = ctx.header("User-Agent")
    ctx.host = ctx.header("Host")
