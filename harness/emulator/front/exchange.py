"""One request on its way through the front's handler chain (`Exchange`), and what it is answered (`Answer`).

Every handler has one signature, `Handler = (Exchange) -> None`: it reads the request from the exchange and
answers by setting `exchange.answer` (request handlers), or reads and replaces the answer (response handlers).
The exchange reads what several handlers need once, on first use: the body, its JSON, the SigV4 credential
scope, the region and the account (an IAM lookup in moto, so asked only when needed). `protocol` names the
service whose error shape a failure takes (a handler that serves a service sets it; otherwise it is told from
the request: the signing service, `X-Amz-Target`, the path).
Left out: streamed bodies (the HTTP front reads every body in full; answers are bytes).
"""
from __future__ import annotations

import io
import json
import re
from typing import Any, Callable, NamedTuple
from urllib.parse import parse_qs

#: The error shapes a failure can take (rendered by failures.py).
LAMBDA = "lambda"  # REST-JSON: {"Type": "User", "message": ...}, x-amzn-ErrorType
DYNAMODB = "dynamodb"  # JSON 1.0: {"__type": "com.amazonaws.dynamodb.v20120810#<code>", "message": ...}
APIGATEWAY = "apigateway"  # API Gateway's control plane, REST-JSON: {"message": ...}, x-amzn-ErrorType
EXECUTE_API = "execute-api"  # an API's own URL (the data plane): {"message": "Internal server error"}
JSON = "json"  # any other JSON service (`X-Amz-Target`): {"__type": <code>, "message": ...}
QUERY = "query"  # query-protocol services (IAM, STS): <ErrorResponse> XML

DYNAMODB_TARGET = "DynamoDB_20120810."
_LAMBDA_PATH = re.compile(r"^/20\d\d-\d\d-\d\d/(functions|layers|event-source-mappings|account-settings|tags)\b")
_APIGATEWAY_PATH = re.compile(r"^/(restapis|apikeys|usageplans|domainnames|account|clientcertificates|vpclinks)\b")
_SCOPE = re.compile(r"Credential=(?P<key>[^/,\s]*)/[^/]*/(?P<region>[^/]*)/(?P<service>[^/]*)/")
_SIGNED_AS = {"lambda": LAMBDA, "dynamodb": DYNAMODB, "apigateway": APIGATEWAY, "execute-api": EXECUTE_API,
              "iam": QUERY, "sts": QUERY}


class Answer(NamedTuple):
    """What the client receives: status, headers (as WSGI lists them) and body."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes


def credential_scope(environ: dict[str, Any]) -> tuple[str, str, str] | None:
    """(access key, region, service) from a SigV4 Authorization header, or None when unsigned."""
    match = _SCOPE.search(environ.get("HTTP_AUTHORIZATION", ""))
    return (match["key"], match["region"], match["service"]) if match else None


def protocol_of(environ: dict[str, Any]) -> str:
    """Whose error shape a request's failure takes, told from the request alone."""
    scope = credential_scope(environ)
    if scope is not None and scope[2] in _SIGNED_AS:
        return _SIGNED_AS[scope[2]]
    target = environ.get("HTTP_X_AMZ_TARGET", "")
    if target:
        return DYNAMODB if target.startswith(DYNAMODB_TARGET) else JSON
    path = environ.get("PATH_INFO", "")
    if _LAMBDA_PATH.match(path):
        return LAMBDA
    if _APIGATEWAY_PATH.match(path):
        return APIGATEWAY
    if (environ.get("CONTENT_TYPE") or "").startswith("application/x-www-form-urlencoded"):
        return QUERY
    return JSON


class Exchange:
    """One request and its answer; request fields are read once, when a handler first asks."""

    __slots__ = ("environ", "method", "path", "target", "answer", "correction", "params", "note", "operation",
                 "_protocol",
                 "_body", "_json", "_scope", "_default_region", "_accounts", "_account")

    def __init__(self, environ: dict[str, Any], *, default_region: str,
                 accounts: Callable[[str | None], str]) -> None:
        self.environ = environ
        self.method: str = environ.get("REQUEST_METHOD", "GET")
        self.path: str = environ.get("PATH_INFO", "") or "/"
        self.target: str = environ.get("HTTP_X_AMZ_TARGET", "")
        self.answer: Answer | None = None
        self.correction: Any = None  # the moto corrections that apply, with their params (moto_changes/around_moto.py)
        self.params: dict[str, str] = {}  # what the correction's route matched
        self.note: Any = None  # what the correction read before moto answered
        self.operation: str | None = None  # the AWS operation, once the model validation has named it
        self._protocol: str | None = None
        self._body: bytes | None = None
        self._json: Any = None
        self._scope: Any = False
        self._default_region = default_region
        self._accounts = accounts  # access key (None: unsigned) -> account id
        self._account: str | None = None

    # ---- the request -------------------------------------------------------------------------------

    @property
    def body(self) -> bytes:
        """The request body, read once (the HTTP front has it in memory)."""
        if self._body is None:
            self._body = self.environ["wsgi.input"].read()
            self.environ["wsgi.input"] = io.BytesIO(self._body)
        return self._body

    @body.setter
    def body(self, raw: bytes) -> None:
        """Change the body the handlers after this one (and moto) see."""
        self._body, self._json = raw, None
        self.environ["wsgi.input"] = io.BytesIO(raw)
        self.environ["CONTENT_LENGTH"] = str(len(raw))

    def json(self) -> Any:
        """The body as JSON; {} when it is empty or no JSON."""
        if self._json is None:
            try:
                self._json = json.loads(self.body) if self.body else {}
            except (ValueError, RecursionError):
                self._json = {}
        return self._json

    def query(self) -> dict[str, str]:
        """The query string's parameters (the last value of a repeated one)."""
        return {key: values[-1] for key, values in parse_qs(self.environ.get("QUERY_STRING", "")).items()}

    @property
    def scope(self) -> tuple[str, str, str] | None:
        """(access key, region, service) the request was signed for, or None when unsigned."""
        if self._scope is False:
            self._scope = credential_scope(self.environ)
        return self._scope

    @property
    def region(self) -> str:
        scope = self.scope
        return (scope[1] if scope else "") or self._default_region

    @property
    def account(self) -> str:
        """The account of the signing access key (moto's default account when unsigned)."""
        if self._account is None:
            scope = self.scope
            self._account = self._accounts(scope[0] if scope else None)
        return self._account

    # ---- how a failure is answered -----------------------------------------------------------------

    @property
    def protocol(self) -> str:
        if self._protocol is None:
            self._protocol = protocol_of(self.environ)
        return self._protocol

    @protocol.setter
    def protocol(self, value: str) -> None:
        self._protocol = value


Handler = Callable[[Exchange], None]
