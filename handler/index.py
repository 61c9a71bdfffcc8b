"""The tutorial's db-api Lambda function, ported from Node.js to Python (``index.handler``).

API Gateway (REST v1, Lambda proxy integration) hands every request to :func:`handler`, which maps the
HTTP method to one DynamoDB call and answers a proxy response whose body is JSON:

    GET     Scan the table named by the query string parameter ``TableName``
            (optional ``Limit`` and ``ExclusiveStartKey``, a JSON object, for paging)
    POST    PutItem    with the JSON body as the call's parameters, e.g. {"TableName": ..., "Item": {...}}
    PUT     UpdateItem with the JSON body as the call's parameters
    DELETE  DeleteItem with the JSON body as the call's parameters

Values are plain JSON (document-client style, through ``boto3.resource("dynamodb").meta.client``). JSON
numbers travel as ``Decimal`` and come back as int (when integral) or float; sets come back as sorted
lists, binary as base64 text. Success answers 200 with DynamoDB's result minus ``ResponseMetadata``.
Client mistakes answer 400 ``{"error": code, "message": text}`` (DynamoDB's own code and message for its
errors); a table outside the optional ``ALLOWED_TABLES`` list (comma-separated) answers 403. Where the
Node original crashed (no query string, a body that is not JSON), this port answers 400. One log line per
request goes to stdout: method, table, status.

Left out on purpose: authentication beyond the table allow-list, CORS headers, other DynamoDB operations
(GetItem, Query, batches, transactions), automatic paging (the client follows ``LastEvaluatedKey``), and
turning server-side failures (endpoint unreachable, no credentials) into HTTP answers: those raise, and
the platform reports a function error. Every DynamoDB ``ClientError`` answers 400, as in the tutorial,
even throttling or internal errors.
"""
from __future__ import annotations

import base64
import decimal
import json
import os
from typing import Any

import boto3
from boto3.dynamodb.types import Binary
from botocore.exceptions import ClientError, ParamValidationError

_OPERATIONS = {"GET": ("scan", "Scan"), "POST": ("put_item", "PutItem"), "PUT": ("update_item", "UpdateItem"),
               "DELETE": ("delete_item", "DeleteItem")}
_PY_TYPES = {"structure": (dict,), "map": (dict,), "list": (list, tuple), "string": (str,), "integer": (int,),
             "long": (int,), "boolean": (bool,)}
_START_KEY = 'Query string parameter "ExclusiveStartKey"'
_PARAMS_OBJECT = "a JSON object with the DynamoDB call's parameters"
_client: Any = None  # one DynamoDB client per process, created on first use and reused while warm


class Rejection(Exception):
    """A request the function refuses: answered ``status`` with ``{"error": code, "message": message}``."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


def handler(event: Any, context: Any) -> dict[str, Any]:
    """Lambda entry point: one API Gateway proxy event in, one proxy response out."""
    seen: dict[str, Any] = {"method": None, "table": None}
    status: int | None = None
    try:
        status, payload = 200, _handle(event, seen)
    except Rejection as exc:
        status, payload = exc.status, {"error": exc.code, "message": exc.message}
    finally:
        _log(seen, status)
    return _response(status, payload)


def _handle(event: Any, seen: dict[str, Any]) -> dict[str, Any]:
    if not isinstance(event, dict):
        raise Rejection("InvalidEvent", f"Expected the event to be a JSON object, got {_kind(event)}")
    method = event.get("httpMethod")
    method = "" if method is None else str(method)
    seen["method"] = method
    if method not in _OPERATIONS:
        raise Rejection("UnsupportedMethod", f'Unsupported method "{method}"')
    params = _scan_params(event) if method == "GET" else _body_params(event, method)
    seen["table"] = params.get("TableName")
    _check_allowed(params)
    _check_types(_OPERATIONS[method][1], params)
    return _call(_OPERATIONS[method][0], params)


def _scan_params(event: dict[str, Any]) -> dict[str, Any]:
    query = event.get("queryStringParameters") or {}
    if not isinstance(query, dict):
        raise Rejection("InvalidEvent", f"Expected queryStringParameters to be an object, got {_kind(query)}")
    if not query.get("TableName"):
        raise Rejection("MissingParameter", 'Missing required query string parameter "TableName"')
    params: dict[str, Any] = {"TableName": query["TableName"]}
    if query.get("Limit") is not None:
        params["Limit"] = _limit(query["Limit"])
    if query.get("ExclusiveStartKey") is not None:
        params["ExclusiveStartKey"] = _start_key(query["ExclusiveStartKey"])
    return params


def _limit(raw: Any) -> int:
    try:
        value = int(raw)
    except (TypeError, ValueError):
        value = 0
    if value < 1:
        raise Rejection("InvalidParameter", f'Query string parameter "Limit" must be a positive integer, got "{raw}"')
    return value


def _start_key(raw: Any) -> dict[str, Any]:
    try:
        key = _parse_json(raw, _START_KEY)
    except Rejection as exc:
        raise Rejection("InvalidParameter", exc.message) from None
    if not isinstance(key, dict):
        raise Rejection("InvalidParameter", f"{_START_KEY} must be a JSON object, got {_kind(key)}")
    return key


def _body_params(event: dict[str, Any], method: str) -> dict[str, Any]:
    body = event.get("body")
    if body is None or body == "":
        raise Rejection("MissingBody", f"{method} needs a request body: {_PARAMS_OBJECT}")
    if isinstance(body, str) and event.get("isBase64Encoded") is True:
        body = _unbase64(body)
    params = _parse_json(body, "Request body")
    if not isinstance(params, dict):
        raise Rejection("UnexpectedParameter", f"Expected {_PARAMS_OBJECT}, got {_kind(params)}")
    return params


def _unbase64(text: str) -> str:
    try:
        raw = base64.b64decode(text, validate=True)
    except ValueError as exc:  # binascii.Error, or non-ASCII text
        raise Rejection("InvalidJSON", f"Request body is not valid base64: {exc}") from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Rejection("InvalidJSON", f"Request body is not valid UTF-8: {exc}") from None


def _parse_json(value: Any, what: str) -> Any:
    """JSON text (or an already-parsed object, re-read so its floats become Decimal) -> Python values."""
    try:
        text = value if isinstance(value, str) else json.dumps(value)
        return json.loads(text, parse_float=decimal.Decimal, parse_constant=_no_constant)
    except RecursionError:
        raise Rejection("InvalidJSON", f"{what} is nested too deeply") from None
    except (TypeError, ValueError) as exc:  # JSONDecodeError, NaN, digit limit of int()
        raise Rejection("InvalidJSON", f"{what} is not valid JSON: {exc}") from None


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


def _check_types(operation: str, params: dict[str, Any]) -> None:
    """Top-level types, in botocore's words: boto3's value transformer and botocore's endpoint resolution
    (which reads TableName) run before botocore validates, and crash on e.g. a null or a list there."""
    shape = _dynamodb().meta.service_model.operation_model(operation).input_shape
    for name, value in params.items():
        member = shape.members.get(name)
        valid = _PY_TYPES.get(member.type_name) if member is not None else None
        if valid and not isinstance(value, valid):
            raise Rejection("ParamValidationError", f"Parameter validation failed:\nInvalid type for parameter "
                            f"{name}, value: {value}, type: {type(value)}, valid types: "
                            + ", ".join(str(t) for t in valid))


def _check_allowed(params: dict[str, Any]) -> None:
    raw = os.environ.get("ALLOWED_TABLES")
    if raw is None or "TableName" not in params:
        return
    allowed = {name.strip() for name in raw.split(",") if name.strip()}
    table = params["TableName"]
    if not isinstance(table, str) or table not in allowed:
        raise Rejection("AccessDenied", f'Table "{table}" is not in ALLOWED_TABLES', 403)


def _dynamodb() -> Any:
    global _client
    if _client is None:  # endpoint: AWS_ENDPOINT_URL (boto3 reads it); region: AWS_REGION, else boto3's chain
        region = os.environ.get("AWS_REGION") or None
        _client = boto3.resource("dynamodb", region_name=region).meta.client
    return _client


def _call(operation: str, params: dict[str, Any]) -> dict[str, Any]:
    try:
        result = getattr(_dynamodb(), operation)(**params)
    except ParamValidationError as exc:
        raise Rejection("ParamValidationError", str(exc)) from None
    except ClientError as exc:
        error = exc.response.get("Error", {})
        raise Rejection(error.get("Code") or "ClientError", error.get("Message") or str(exc)) from None
    except decimal.DecimalException as exc:  # boto3's serializer: > 38 digits or out of DynamoDB's range
        raise Rejection("InvalidNumber", f"A number cannot be stored in DynamoDB (at most 38 significant "
                                         f"digits, magnitude 1E-130 to 1E+125): {type(exc).__name__}") from None
    except RecursionError:  # parsed fine, but too deep for boto3's serializer
        raise Rejection("InvalidJSON", "Request body is nested too deeply") from None
    result.pop("ResponseMetadata", None)
    return result


def _plain(value: Any) -> Any:
    """``json.dumps`` hook: DynamoDB's Python types as plain JSON values."""
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, (set, frozenset)):
        return sorted(item if isinstance(item, str) else _plain(item) for item in value)
    if isinstance(value, Binary):
        value = value.value
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(value).decode("ascii")
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _response(status: int, payload: dict[str, Any]) -> dict[str, Any]:
    body = json.dumps(payload, default=_plain)
    return {"statusCode": status, "headers": {"Content-Type": "application/json"}, "body": body}


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float, decimal.Decimal)):
        return "a number"
    names = {str: "a string", list: "an array", dict: "an object"}
    return names.get(type(value), f"a {type(value).__name__}")


def _log(seen: dict[str, Any], status: int | None) -> None:
    """One line per request on stdout (CloudWatch Logs): method, table and outcome, nothing else."""
    table = seen["table"] if seen["table"] is None else str(seen["table"])
    line = {"method": seen["method"], "table": table, "status": status if status is not None else "raised"}
    print(json.dumps(line), flush=True)
