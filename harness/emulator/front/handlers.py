"""The front's own chain handlers (request_path.py puts them in order, with moto's from control/).

Each is a `Handler` (`(Exchange) -> None`): it answers (`exchange.answer`), raises an `AwsError`, or leaves the
request to the next. Cheap tests come first in each, so a request that is not theirs costs a string or regex
test. Left out: S3-style virtual-host routing and other services' special URLs (moto's dispatcher has them).
"""
from __future__ import annotations

import json
import re
import threading
import time
from typing import TYPE_CHECKING, Any, Callable
from urllib.parse import unquote

from werkzeug.wrappers import Request, Response

from ..aws_errors import AwsError
from ..gateway.parse import execute_api_target
from ..http_server import MAX_BODY
from .exchange import APIGATEWAY, EXECUTE_API, LAMBDA, Answer, Exchange

if TYPE_CHECKING:
    from ..control import ControlPlane
    from ..gateway.chain import Gateway
    from ..runtime import LambdaRuntime

LOGS_TARGET = "Logs_20140328."
SERVICES = ("dynamodb", "iam", "sts", "lambda", "apigateway", "logs", "cloudformation", "s3")
_INVOKE = re.compile(r"^/2015-03-31/functions/(?P<name>[^/]+)/invocations/?$")
_TEST_INVOKE = re.compile(r"^/restapis/(?P<api>[^/]+)/resources/(?P<resource>[^/]+)/methods/(?P<verb>[^/]+)/?$")


def from_response(response: Response) -> Answer:
    """A werkzeug response as the chain's answer."""
    return Answer(response.status_code, response.headers.to_wsgi_list(), response.get_data())


def _json_answer(status: int, document: Any) -> Answer:
    return Answer(status, [("Content-Type", "application/json")], json.dumps(document).encode())


class MarkBusy:
    """Every request: the log shipper waits for a quieter moment before writing (log_shipper.py)."""

    def __init__(self, control: ControlPlane) -> None:
        self._touch = control.logs.touch

    def __call__(self, exchange: Exchange) -> None:
        self._touch()


class InternalRoutes:
    """`/_harness/health` (readiness as JSON: 200 ready, 503 starting; workers, log events dropped) and
    `POST /moto-api/reset` (the whole stack: workers, the emulator's memory and moto's backends; answered as
    moto answers it). Any other `/moto-api/...` route is moto's."""

    def __init__(self, *, ready: threading.Event, runtime: LambdaRuntime, reset: Callable[[], None],
                 logs: Callable[[], dict[str, Any]] = dict) -> None:
        self._ready = ready
        self._runtime = runtime
        self._reset = reset
        self._logs = logs  # CloudWatch Logs' bounds: events dropped past a group's cap or its retention
        self._started = time.time()

    def __call__(self, exchange: Exchange) -> None:
        path = exchange.path
        if path == "/_harness/health":
            exchange.answer = self._health()
        elif path.rstrip("/") == "/moto-api/reset" and exchange.method == "POST":
            self._reset()
            exchange.answer = _json_answer(200, {"status": "ok"})

    def _health(self) -> Answer:
        ready = self._ready.is_set()
        return _json_answer(200 if ready else 503, {
            "status": "ready" if ready else "starting", "services": list(SERVICES),
            "uptime_s": round(time.time() - self._started, 3), "runtime": self._runtime.stats(),
            "logs": self._logs()})


class ExecuteApi:
    """An API's own URL (execute-api, see gateway/parse.py): the API Gateway data plane answers."""

    def __init__(self, gateway: Gateway) -> None:
        self._gateway = gateway

    def __call__(self, exchange: Exchange) -> None:
        target = execute_api_target(exchange.path, exchange.environ.get("HTTP_HOST"))
        if target is not None:
            exchange.protocol = EXECUTE_API
            answer = self._gateway.answer(Request(exchange.environ), target)
            exchange.answer = Answer(answer.status, list(answer.headers), answer.body)


def refuse_unread_body(exchange: Exchange) -> None:
    """A body larger than the HTTP front reads (MAX_BODY; an API's own URL answered its limit above): 413."""
    if exchange.environ.get("harness.body_unread"):
        raise AwsError(413, "RequestEntityTooLargeException",
                       f"Request body of {exchange.environ.get('CONTENT_LENGTH')} bytes is larger than the emulator "
                       f"takes ({MAX_BODY} bytes)")


class LambdaInvoke:
    """Lambda's Invoke (`POST /2015-03-31/functions/{name}/invocations`): run for real (lambda_api.py)."""

    def __init__(self, control: ControlPlane, runtime: LambdaRuntime) -> None:
        self._control = control
        self._runtime = runtime

    def __call__(self, exchange: Exchange) -> None:
        match = _INVOKE.match(exchange.path) if exchange.method == "POST" else None
        if match is None:
            return
        from ..lambda_api import handle_invoke

        exchange.protocol = LAMBDA
        response = handle_invoke(Request(exchange.environ), unquote(match["name"]), control=self._control,
                                 runtime=self._runtime, region=exchange.region, account_id=exchange.account,
                                 deliver=self._deliver)
        exchange.answer = from_response(response)

    def _deliver(self, destination: str, document: dict[str, Any]) -> None:
        """An asynchronous invocation's record to its destination, through this stack's own APIs."""
        from ..destinations import deliver

        deliver(self._runtime.endpoint_url, destination, document)


class TestInvokeMethod:
    """API Gateway's TestInvokeMethod (`POST /restapis/{id}/resources/{rid}/methods/{verb}`): run for real."""

    __test__ = False  # not a pytest test class

    def __init__(self, gateway: Gateway) -> None:
        self._gateway = gateway

    def __call__(self, exchange: Exchange) -> None:
        match = _TEST_INVOKE.match(exchange.path) if exchange.method == "POST" else None
        if match is not None:
            exchange.protocol = APIGATEWAY
            response = self._gateway.test_invoke(Request(exchange.environ), match["api"], match["resource"],
                                                 match["verb"])
            exchange.answer = from_response(response)


_TEST_AUTHORIZER = re.compile(r"^/restapis/(?P<api>[^/]+)/authorizers/(?P<authorizer>[^/]+)/?$")


class TestInvokeAuthorizer:
    """API Gateway's TestInvokeAuthorizer (`POST /restapis/{id}/authorizers/{aid}`): run the authorizer for real
    (moto has no such call)."""

    __test__ = False  # not a pytest test class

    def __init__(self, gateway: Gateway) -> None:
        self._gateway = gateway

    def __call__(self, exchange: Exchange) -> None:
        match = _TEST_AUTHORIZER.match(exchange.path) if exchange.method == "POST" else None
        if match is not None:
            exchange.protocol = APIGATEWAY
            response = self._gateway.test_invoke_authorizer(Request(exchange.environ), match["api"],
                                                             match["authorizer"])
            exchange.answer = from_response(response)


class FlushLogs:
    """A CloudWatch Logs call first writes the log lines still waiting, so a reader sees every line of the
    requests answered before its call (log_shipper.py)."""

    def __init__(self, control: ControlPlane) -> None:
        self._flush = control.flush_logs

    def __call__(self, exchange: Exchange) -> None:
        if exchange.target.startswith(LOGS_TARGET):
            self._flush()


class ForwardDynamoDB:
    """`harness serve --dynamodb local`: every DynamoDB API call goes to Amazon's DynamoDB Local (started by the
    stack, dynamodb_local.py) and its answer back as it is, through the stack's one port. Only the headers
    DynamoDB reads are passed on. Left out: DynamoDB Streams (DynamoDB Local serves them on its own port)."""

    _PASSED = ("HTTP_X_AMZ_TARGET", "CONTENT_TYPE", "HTTP_AUTHORIZATION", "HTTP_X_AMZ_DATE", "HTTP_ACCEPT_ENCODING")

    def __init__(self, url: str) -> None:
        import urllib3

        self._url = url.rstrip("/") + "/"
        self._pool = urllib3.PoolManager(maxsize=16, retries=False, timeout=urllib3.Timeout(connect=5, read=60))

    def __call__(self, exchange: Exchange) -> None:
        from .exchange import DYNAMODB, DYNAMODB_TARGET

        if not (exchange.target.startswith(DYNAMODB_TARGET) and exchange.method == "POST"):
            return
        exchange.protocol = DYNAMODB
        environ = exchange.environ
        headers = {key[5:].replace("_", "-").title() if key.startswith("HTTP_") else "Content-Type": environ[key]
                   for key in self._PASSED if environ.get(key)}
        try:
            response = self._pool.request("POST", self._url, body=exchange.body, headers=headers)
        except Exception as exc:  # DynamoDB Local is gone or hung: a service failure, named
            raise AwsError(500, "InternalServerError", f"DynamoDB Local did not answer: {type(exc).__name__}") from None
        out = [(k, v) for k, v in response.headers.items() if k.lower() not in ("content-length", "connection",
                                                                                "transfer-encoding", "server")]
        exchange.answer = Answer(response.status, out, response.data)
