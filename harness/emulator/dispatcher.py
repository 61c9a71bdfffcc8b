"""The one WSGI entry of the embedded stack: sends each request to the part that serves it.

  /_harness/health                                  -> readiness answer (JSON)
  execute-api URLs (see gateway.parse)              -> API Gateway data plane
  POST /2015-03-31/functions/{name}/invocations     -> Lambda Invoke, run for real (lambda_api)
  POST /restapis/{id}/resources/{rid}/methods/{m}   -> API Gateway TestInvokeMethod, run for real
  DynamoDB API calls                                -> control.dynamodb_call (checks, moto's handler, fixes)
  anything else                                     -> moto's server application (AWS control planes)

Every request tells the log shipper the stack is busy; a CloudWatch Logs call first writes the log lines still
waiting (control/log_shipper.py), so it sees those of every request answered before it.

Around a few moto calls the emulator fixes what moto lacks (`fixups.py`): CreateDeployment snapshots the
deployed resource tree; CreateRestApi/UpdateRestApi keep `binaryMediaTypes` as AWS does; GetFunction shows a
reserved concurrency of 0; DeleteFunction retires the function's workers; RemovePermission renews the revision.
Left out: S3-style virtual-host routing and other services' special URLs (moto's own dispatcher handles them).
"""
from __future__ import annotations

import io
import json
import logging
import re
import threading
import time
from http import HTTPStatus
from typing import Any, Callable, Iterable
from urllib.parse import parse_qs, unquote

from werkzeug.wrappers import Request, Response

from .control import DYNAMODB_TARGET, dynamodb_call
from . import ids
from .fixups import fixup_for
from .aws_errors import AwsError
from .http_server import MAX_BODY

log = logging.getLogger(__name__)

StartResponse = Callable[..., Any]

LOGS_TARGET = "Logs_20140328."
_REASONS = {status.value: status.phrase for status in HTTPStatus}
_INVOKE = re.compile(r"^/2015-03-31/functions/(?P<name>[^/]+)/invocations/?$")
_TEST_INVOKE = re.compile(r"^/restapis/(?P<api>[^/]+)/resources/(?P<resource>[^/]+)/methods/(?P<verb>[^/]+)/?$")
_SCOPE = re.compile(r"Credential=(?P<key>[^/,\s]*)/[^/]*/(?P<region>[^/]*)/(?P<service>[^/]*)/")


def credential_scope(environ: dict[str, Any]) -> tuple[str, str, str] | None:
    """(access key, region, service) from a SigV4 Authorization header, or None when unsigned."""
    match = _SCOPE.search(environ.get("HTTP_AUTHORIZATION", ""))
    return (match["key"], match["region"], match["service"]) if match else None


class Dispatcher:
    """Routes requests; the parts are attached by `EmbeddedStack` once the server knows its URL."""

    def __init__(self, *, default_region: str) -> None:
        from moto.server import DomainDispatcherApplication, create_backend_app

        self.default_region = default_region
        self.moto = DomainDispatcherApplication(create_backend_app)
        self._apps: dict[str, Any] = {}
        self._apps_lock = threading.Lock()
        self.control: Any = None
        self.runtime: Any = None
        self.gateway: Any = None
        self.started = time.time()
        self.ready = threading.Event()

    # ---- entry ----------------------------------------------------------------------------------------

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        try:
            return self._dispatch(environ, start_response)
        except AwsError as err:
            headers = {**err.lambda_headers(), "x-amzn-RequestId": ids.request_id()}
            return Response(err.lambda_body(), err.status, headers)(environ, start_response)
        except Exception:  # never let one request take the stack down
            log.exception("unhandled error on %s %s", environ.get("REQUEST_METHOD"), environ.get("PATH_INFO"))
            body = json.dumps({"__type": "InternalFailure", "message": "The emulator failed on this request; "
                               "see its log"}).encode()
            return Response(body, 500, {"Content-Type": "application/json",
                                        "x-amzn-ErrorType": "InternalFailure"})(environ, start_response)

    def _dispatch(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "") or "/"
        method = environ.get("REQUEST_METHOD", "GET")
        if self.control is not None:
            self.control.logs.touch()  # log lines wait for a quiet moment (control/log_shipper.py)
        if path == "/_harness/health":
            return self._health()(environ, start_response)
        if self.gateway is not None:
            from .gateway.parse import execute_api_target

            target = execute_api_target(path, environ.get("HTTP_HOST"))
            if target is not None:
                return self.gateway.handle(Request(environ), target)(environ, start_response)
        if environ.get("harness.body_unread"):  # larger than the HTTP front reads (the gateway answered above)
            raise AwsError(413, "RequestEntityTooLargeException",
                           f"Request body of {environ.get('CONTENT_LENGTH')} bytes is larger than the emulator "
                           f"takes ({MAX_BODY} bytes)")
        if method == "POST":
            invoke = _INVOKE.match(path)
            if invoke and self.runtime is not None:
                return self._invoke(environ, unquote(invoke["name"]))(environ, start_response)
            test = _TEST_INVOKE.match(path)
            if test and self.gateway is not None:
                response = self.gateway.test_invoke(Request(environ), test["api"], test["resource"], test["verb"])
                return response(environ, start_response)
        return self._moto(environ, start_response, method, path)

    # ---- parts ------------------------------------------------------------------------------------------

    def _health(self) -> Response:
        body: dict[str, Any] = {
            "status": "ready" if self.ready.is_set() else "starting",
            "services": ["dynamodb", "iam", "sts", "lambda", "apigateway", "logs"],
            "uptime_s": round(time.time() - self.started, 3),
        }
        if self.runtime is not None:
            body["runtime"] = self.runtime.stats()
        return Response(json.dumps(body), 200 if self.ready.is_set() else 503, {"Content-Type": "application/json"})

    def _where(self, environ: dict[str, Any]) -> tuple[str, str]:
        from moto.iam.models import get_account_id_from

        scope = credential_scope(environ)
        if scope is None:
            from moto.core import DEFAULT_ACCOUNT_ID

            return self.default_region, DEFAULT_ACCOUNT_ID
        key, region, _ = scope
        return region or self.default_region, get_account_id_from(key)

    def _invoke(self, environ: dict[str, Any], name: str) -> Response:
        from .lambda_api import handle_invoke

        region, account = self._where(environ)
        return handle_invoke(Request(environ), name, control=self.control, runtime=self.runtime,
                             region=region, account_id=account, deliver=self._deliver)

    def _deliver(self, destination: str, document: dict[str, Any]) -> None:
        """An asynchronous invocation's record to its destination, through this stack's own APIs."""
        from .destinations import deliver

        deliver(self.runtime.endpoint_url, destination, document)

    def _moto_app(self, environ: dict[str, Any]) -> Any:
        scope = credential_scope(environ)
        if scope is None or environ.get("PATH_INFO", "").startswith("/moto-api"):
            return self.moto.get_application(environ)
        key = f"{scope[2]}/{environ.get('HTTP_X_AMZ_TARGET', '').partition('.')[0]}"
        app = self._apps.get(key)
        if app is None:
            app = self.moto.get_application(environ)
            with self._apps_lock:
                self._apps[key] = app
        return app

    def _moto(self, environ: dict[str, Any], start_response: StartResponse, method: str, path: str) -> Iterable[bytes]:
        if environ.get("HTTP_X_AMZ_TARGET", "").startswith(DYNAMODB_TARGET) and method == "POST":
            scope = credential_scope(environ)
            region = (scope[1] if scope else "") or self.default_region
            status, headers, body = dynamodb_call(environ, region, lambda: self._where(environ)[1])
            start_response(f"{status} {_REASONS.get(status, '')}", headers + [("Content-Length", str(len(body)))])
            return [body]
        if self.control is not None and environ.get("HTTP_X_AMZ_TARGET", "").startswith(LOGS_TARGET):
            self.control.flush_logs()  # a reader sees every line of the requests answered before its call
        app = self._moto_app(environ)
        fixup = fixup_for(method, path)
        if fixup is None or self.control is None:
            return app(environ, start_response)
        raw = environ["wsgi.input"].read()
        request = _json(raw)
        if fixup.refuse is not None:  # raises the AwsError AWS would answer (rendered by __call__)
            query = {k: v[-1] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
            fixup.refuse(self.control, request, *self._where(environ), query)
        before = fixup.before(self.control, request)
        if fixup.rewrite is not None:
            raw = json.dumps(fixup.rewrite(request)).encode()
            environ["CONTENT_LENGTH"] = str(len(raw))
        environ["wsgi.input"] = io.BytesIO(raw)
        captured: list[Any] = []

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            captured[:] = [status, headers, exc_info]
            return lambda data: None  # moto returns its body; it is sent once the fix-up has seen it

        body = b"".join(app(environ, capture))
        status, headers, exc_info = captured
        if status.startswith("20"):
            try:
                fixup.after(self.control, request, _json(body), before)
                if fixup.answer is not None:
                    body = json.dumps(fixup.answer(self.control, request, _json(body))).encode()
            except Exception:  # a fix-up must never fail the call moto already answered
                log.exception("control-plane fix-up failed for %s %s", method, path)
            status = fixup.status or status
        headers = [(k, str(len(body)) if k.lower() == "content-length" else v) for k, v in headers]
        start_response(status, headers, exc_info)
        return [body]


def _json(raw: bytes) -> Any:
    try:
        return json.loads(raw) if raw else {}
    except ValueError:
        return {}


