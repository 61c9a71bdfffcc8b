"""AWS calls for `invoke` and `aws` steps: the `AwsCaller` interface, its boto3 default, and the mapping of
results and errors onto a `Response`.

`aws`: the JSON is the result without ResponseMetadata (datetimes as ISO text, Decimals as numbers, bytes as
UTF-8 text or base64, streams read); the status is ResponseMetadata.HTTPStatusCode. An AWS error gives its HTTP
status, `{"Error": {"Code", "Message"}}` and `Response.error`; a client-side ParamValidationError gives status 0.
`invoke`: status = StatusCode, content = the payload, `X-Amz-Function-Error` / `X-Amz-Executed-Version` as
headers, the decoded log tail in `Response.log_tail`.
Left out: pagination (one page per step; use `retry` or several steps), streaming operations.
"""
from __future__ import annotations

import base64
import datetime
import decimal
import json
import time
from typing import Any, Mapping, Protocol

from botocore import xform_name
from botocore.exceptions import ClientError, ParamValidationError

from ..clients import Clients
from .scenario import UNSET
from .results import Request, Response


class AwsCallError(RuntimeError):
    """The call could not be made at all (unknown operation, endpoint unreachable)."""


class AwsCaller(Protocol):
    def call(self, service: str, operation: str, params: Mapping[str, Any], *, document: bool = False) -> Any: ...


class BotoCaller:
    """Calls through the boto3 clients of one endpoint (`harness.aws.Clients`)."""

    def __init__(self, clients: Clients) -> None:
        self.clients = clients
        self._document: Any = None

    def call(self, service: str, operation: str, params: Mapping[str, Any], *, document: bool = False) -> Any:
        if document and service == "dynamodb":
            if self._document is None:
                self._document = self.clients.document_client()
            client = self._document
        else:
            client = self.clients(service)
        names = client.meta.service_model.operation_names
        if operation not in names:
            raise AwsCallError(f"{service} has no operation {operation!r}")
        return getattr(client, xform_name(operation))(**params)


def jsonable(value: Any) -> Any:
    """A boto3 result as plain JSON values."""
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [jsonable(v) for v in value]
        return sorted(items, key=json.dumps) if isinstance(value, (set, frozenset)) else items
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, (datetime.datetime, datetime.date)):
        return value.isoformat()
    if hasattr(value, "read"):
        value = value.read()
    if hasattr(value, "value") and isinstance(getattr(value, "value"), bytes):  # boto3.dynamodb.types.Binary
        value = value.value
    if isinstance(value, (bytes, bytearray)):
        try:
            return bytes(value).decode("utf-8")
        except UnicodeDecodeError:
            return base64.b64encode(bytes(value)).decode("ascii")
    return value


def _error(exc: Exception, elapsed_ms: float) -> Response:
    if isinstance(exc, ClientError):
        answer = exc.response
        meta = answer.get("ResponseMetadata", {})
        code = answer.get("Error", {}).get("Code", "Unknown")
        message = answer.get("Error", {}).get("Message", "")
        status = int(meta.get("HTTPStatusCode", 400))
        headers = dict(meta.get("HTTPHeaders", {}))
    else:
        code, message, status, headers = "ParamValidationError", str(exc), 0, {}
    return Response(status=status, headers=headers, data={"Error": {"Code": code, "Message": message}},
                    duration_ms=elapsed_ms, error=f"{code}: {message}")


def perform(request: Request, caller: AwsCaller) -> Response:
    """Make an `aws` or `invoke` request."""
    if request.kind == "invoke":
        params: dict[str, Any] = {
            "FunctionName": request.url,
            "InvocationType": request.options.get("invocation_type", "RequestResponse"),
            "LogType": "Tail" if request.options.get("log_tail") else "None",
        }
        if request.body is not None:
            params["Payload"] = request.body
        if request.options.get("qualifier"):
            params["Qualifier"] = request.options["qualifier"]
        service, operation, document = "lambda", "Invoke", False
    else:
        params = dict(request.params) if request.params is not UNSET else {}
        service, operation, document = request.url, request.method, bool(request.options.get("document"))
    start = time.perf_counter()
    try:
        result = caller.call(service, operation, params, document=document)
    except (ClientError, ParamValidationError) as exc:
        return _error(exc, (time.perf_counter() - start) * 1000)
    except Exception as exc:
        raise AwsCallError(f"{service}.{operation}: {type(exc).__name__}: {exc}") from exc
    elapsed = (time.perf_counter() - start) * 1000
    result = dict(result or {})
    meta = result.pop("ResponseMetadata", {}) or {}
    if request.kind == "invoke":
        return _invoke_response(result, elapsed)
    return Response(status=int(meta.get("HTTPStatusCode", 200)), headers=dict(meta.get("HTTPHeaders", {})),
                    data=jsonable(result), duration_ms=elapsed)


def _invoke_response(result: dict[str, Any], elapsed_ms: float) -> Response:
    payload = result.get("Payload", b"")
    content = payload.read() if hasattr(payload, "read") else (payload or b"")
    headers = {}
    if result.get("FunctionError"):
        headers["X-Amz-Function-Error"] = str(result["FunctionError"])
    if result.get("ExecutedVersion"):
        headers["X-Amz-Executed-Version"] = str(result["ExecutedVersion"])
    tail = None
    if result.get("LogResult"):
        tail = base64.b64decode(result["LogResult"]).decode("utf-8", "replace")
    content = content if isinstance(content, bytes) else str(content).encode()
    return Response(status=int(result.get("StatusCode", 200)), headers=headers, content=content,
                    duration_ms=elapsed_ms, log_tail=tail)
