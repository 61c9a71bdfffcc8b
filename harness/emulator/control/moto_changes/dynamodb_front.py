"""DynamoDB's hot path, in one handler: check the request, answer it through moto's handler, fix the answer.

Every function that stores data makes these calls, so the request is parsed once and moto's Flask app is
skipped. The request is checked first against botocore's model by the shared model check (JSON types, required
members: front/model_validation.py `check_dynamodb_request`), then as DynamoDB checks it (dynamodb_requests.py).
Where moto is laxer than DynamoDB (keys, nesting, numbers, sets: `dynamodb_values.py`) the answer is DynamoDB's
ValidationException; numbers are stored in DynamoDB's form, also those UpdateItem works out itself
(`SET n = n + :v`, `ADD n :v`: moto keeps Python's `Decimal` text, `1.5 + 1.5` is `3.0`; patched in
`store_arithmetic_in_dynamodb_form`); UpdateItem's `ConsumedCapacity` comes back only when asked; DeleteTable of
a missing table names it, as DynamoDB does.
Left out: DynamoDB Streams (served by moto's app).
"""
from __future__ import annotations

import json
import re
import zlib
from typing import Any

from moto.core.request import Request as MotoRequest
from werkzeug.datastructures import ImmutableMultiDict

from ...aws_errors import AwsError
from ...front.exchange import DYNAMODB, DYNAMODB_TARGET, Answer, Exchange
from ...front.model_validation import check_dynamodb_request
from .dynamodb_answers import fixed_answer
from .dynamodb_expressions import path_first
from .dynamodb_requests import TableKeys, request_problem
from .dynamodb_values import (
    NESTING_TOO_DEEP,
    ValueRefused,
    canonical_number,
    has_empty_value,
    item_key_problem,
    key_problem,
    nesting_problem,
    normalize_stored_values,
)

KEYED_TARGETS = frozenset(DYNAMODB_TARGET + op for op in ("GetItem", "DeleteItem", "UpdateItem"))
CHECKED_TARGETS = KEYED_TARGETS | {DYNAMODB_TARGET + "PutItem"}
WRITE_TARGETS = frozenset(DYNAMODB_TARGET + op for op in ("PutItem", "UpdateItem", "BatchWriteItem",
                                                         "TransactWriteItems"))
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class _ServerRequest(MotoRequest):
    """moto's own request type, marked as arriving through a server (as moto's Flask app marks it), without
    Flask's request class, whose limits look up an application context on every body read.

    The body is already read: werkzeug's cache holds it, and for a body that is no form (DynamoDB's JSON)
    `form` and `files` are the empty dicts werkzeug's form parser would make, made without the parser."""

    from_wsgi_server = True

    def __init__(self, environ: dict[str, Any], raw: bytes) -> None:
        super().__init__(environ)
        content_type = (environ.get("CONTENT_TYPE") or "").split(";", 1)[0].strip().lower()
        if content_type not in _FORM_TYPES:  # a form is parsed by werkzeug, as moto's app would
            self._cached_data = raw
            self.__dict__["form"] = ImmutableMultiDict()
            self.__dict__["files"] = ImmutableMultiDict()


def _environ_headers(environ: dict[str, Any]) -> dict[str, str]:
    """`dict(EnvironHeaders(environ))` in one pass: HTTP_* and non-empty CONTENT_* in environ order."""
    out: dict[str, str] = {}
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            if key not in ("HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH"):
                out[key[5:].replace("_", "-").title()] = value
        elif key in ("CONTENT_TYPE", "CONTENT_LENGTH") and value:
            out[key.replace("_", "-").title()] = value
    return out


def serve_dynamodb(exchange: Exchange) -> None:
    """The chain's DynamoDB handler: answers every DynamoDB API call (a POST with DynamoDB's `X-Amz-Target`)."""
    if exchange.target.startswith(DYNAMODB_TARGET) and exchange.method == "POST":
        exchange.protocol = DYNAMODB
        exchange.answer = dynamodb_call(exchange)


def dynamodb_call(exchange: Exchange) -> Answer:
    """Serve one DynamoDB API call: the request is read and parsed once, checked where moto is laxer than
    DynamoDB (keys against the key schema, nesting depth, numbers, sets: refused with DynamoDB's
    ValidationException), answered by moto's handler straight (not its Flask app, whose request context,
    routing and CORS cost ~0.4 ms a call), and the answer fixed where moto adds what DynamoDB does not
    (UpdateItem's `ConsumedCapacity` only when asked). The account is asked only when the key schema is
    needed (it costs an IAM lookup)."""
    from botocore.exceptions import ClientError
    from moto.dynamodb.responses import DynamoHandler

    environ, target, raw = exchange.environ, exchange.target, exchange.body
    try:
        request = json.loads(raw) if raw else {}
    except RecursionError:  # deeper than the JSON parser goes, so far deeper than DynamoDB allows
        raise _validation_error(NESTING_TOO_DEEP) from None
    except ValueError:
        request = None  # moto answers malformed JSON
    if isinstance(request, dict):
        operation = target[len(DYNAMODB_TARGET):]
        check_dynamodb_request(operation, request)  # JSON types, required members (botocore's model)
        problem = request_problem(operation, request,
                                  lambda name: _table_keys(name, exchange.region, exchange.account))
        if problem is not None:
            raise _validation_error(problem)
        if operation == "ListTables":
            return _list_tables(request, exchange.region, exchange.account)
        if operation == "UpdateItem" and "UpdateExpression" not in request and "AttributeUpdates" not in request:
            request["AttributeUpdates"] = {}  # a key alone: the item is created (moto fails without either)
            exchange.body = raw = json.dumps(request).encode()
        elif operation == "Query" and isinstance(request.get("KeyConditionExpression"), str):
            written = path_first(request["KeyConditionExpression"])  # `:p = pk`: moto takes only `pk = :p`
            if written != request["KeyConditionExpression"]:
                request["KeyConditionExpression"] = written
                exchange.body = raw = json.dumps(request).encode()
    if isinstance(request, dict) and target in CHECKED_TARGETS:
        problem = nesting_problem(request)
        if problem is None and target in KEYED_TARGETS and isinstance(request.get("TableName"), str):
            schema = _key_schema(request["TableName"], exchange.region, exchange.account)
            problem = key_problem(request.get("Key"), schema) if schema else None
        elif problem is None and has_empty_value(request.get("Item")) and isinstance(request.get("TableName"), str):
            schema = _key_schema(request["TableName"], exchange.region, exchange.account)  # PutItem
            problem = item_key_problem(request["Item"], schema) if schema else None
        if problem is not None:
            raise _validation_error(problem)
    if isinstance(request, dict) and target in WRITE_TARGETS:
        changed, problem = normalize_stored_values(target, request)  # stored as DynamoDB stores them
        if problem is not None:
            raise _validation_error(problem)
        if changed:
            exchange.body = raw = json.dumps(request).encode()

    http_request = _ServerRequest(environ, raw)
    query = environ.get("QUERY_STRING")
    full_url = f"http://{environ.get('HTTP_HOST', 'localhost')}{environ.get('RAW_URI') or '/'}"
    if query and "?" not in full_url:
        full_url += f"?{query}"
    try:
        status, headers, body = DynamoHandler.dispatch(http_request, full_url, _environ_headers(environ))
    except ClientError as exc:  # as moto's Flask wrapper answers it
        status, headers, body = 400, {}, exc.response["Error"]["Message"]
    answer = body.encode() if isinstance(body, str) else bytes(body or b"")
    headers = dict(headers)
    if status == 200 and isinstance(request, dict):
        fixed = fixed_answer(target[len(DYNAMODB_TARGET):], request, answer,
                             lambda name: _table_keys(name, exchange.region, exchange.account))
        if fixed is not None:
            answer, headers = _rewritten(fixed, headers)
    elif target == DYNAMODB_TARGET + "DeleteTable" and status == 400 and isinstance(request, dict):
        answer, headers = _table_not_found_named(request, answer, headers)
    elif status == 400:
        answer, headers = _error_worded(answer, headers)
    out = [(str(k), str(v)) for k, v in headers.items() if str(k).lower() != "content-length"]
    return Answer(int(status), out, answer)


def _table_not_found_named(request: dict[str, Any], raw: bytes, headers: dict[str, Any]) -> tuple[bytes, dict]:
    """DeleteTable of a missing table: DynamoDB names the table, as DescribeTable does (moto does not)."""
    try:
        answer = json.loads(raw)
    except ValueError:
        return raw, headers
    name = request.get("TableName")
    if (not isinstance(answer, dict) or not isinstance(name, str)
            or not str(answer.get("__type", "")).endswith("#ResourceNotFoundException")
            or answer.get("message") != "Requested resource not found"):
        return raw, headers
    answer["message"] = f"Requested resource not found: Table: {name} not found"
    return _rewritten(answer, headers)


_OPERAND_TYPE = ("Invalid UpdateExpression: Incorrect operand type for operator or function; operator or "
                 "function: ")


_CONDITION_FAILED = "The conditional request failed"
_RESERVED = re.compile(r"^[A-Za-z]+Expression: Attribute name is a reserved keyword")


def _error_worded(raw: bytes, headers: dict[str, Any]) -> tuple[bytes, dict]:
    """moto's error messages in DynamoDB's words: `SET n = s + :v` where the stored `s` is no number (a type met
    while updating); a reserved word in a ProjectionExpression (`Invalid ` as for the other expressions); a
    transaction's cancellation reasons (DynamoDB ends a failed condition's message with a full stop there)."""
    try:
        answer = json.loads(raw)
    except ValueError:
        return raw, headers
    message = (answer.get("message") or answer.get("Message")) if isinstance(answer, dict) else None
    if not isinstance(message, str):
        return raw, headers
    reasons = answer.get("CancellationReasons")
    if isinstance(reasons, list) and any(isinstance(r, dict) and r.get("Message") == _CONDITION_FAILED
                                         for r in reasons):
        for reason in reasons:
            if isinstance(reason, dict) and reason.get("Message") == _CONDITION_FAILED:
                reason["Message"] = _CONDITION_FAILED + "."  # a reason's message ends with a full stop
    elif message.startswith((_OPERAND_TYPE + "+", _OPERAND_TYPE + "-")):
        answer["message"] = "An operand in the update expression has an incorrect data type"
    elif _RESERVED.match(message):
        answer["message"] = f"Invalid {message}"
    else:
        return raw, headers
    return _rewritten(answer, headers)


def _validation_error(message: str) -> AwsError:
    return AwsError(400, "ValidationException", message)


def _list_tables(request: dict[str, Any], region: str, account_id: str) -> Answer:
    """ListTables as DynamoDB answers it: names in order, after ExclusiveStartTableName (which need not exist),
    LastEvaluatedTableName when more are left (moto keeps creation order and needs the start table)."""
    from moto.dynamodb.models import dynamodb_backends

    names = sorted(dynamodb_backends[account_id][region].tables)
    start = request.get("ExclusiveStartTableName")
    if isinstance(start, str):
        names = [name for name in names if name > start]
    limit = request.get("Limit")
    limit = limit if isinstance(limit, int) and not isinstance(limit, bool) else 100
    answer: dict[str, Any] = {"TableNames": names[:limit]}
    if len(names) > limit:
        answer["LastEvaluatedTableName"] = names[limit - 1]
    body = json.dumps(answer).encode()
    return Answer(200, [("Content-Type", "application/x-amz-json-1.0"),
                        ("x-amz-crc32", str(zlib.crc32(body) & 0xFFFFFFFF))], body)


def _table_keys(name_or_arn: str, region: str, account_id: str) -> TableKeys | None:
    """The table's key attributes and index names (None when there is no such table)."""
    from moto.dynamodb.models import dynamodb_backends

    try:
        table = dynamodb_backends[account_id][region].get_table(name_or_arn)
    except Exception:  # moto raises its own ResourceNotFoundException
        return None
    keys = [(table.hash_key_attr, table.hash_key_type)]
    if table.range_key_attr is not None:
        keys.append((table.range_key_attr, table.range_key_type or ""))
    indexes = frozenset(i.name for i in (*table.indexes, *table.global_indexes))
    return TableKeys(tuple(keys), indexes)


def _key_schema(name_or_arn: str, region: str, account_id: str) -> tuple[tuple[str, str], ...] | None:
    """(attribute name, type) of the table's hash key, then of its range key; None when there is no such table."""
    from moto.dynamodb.models import dynamodb_backends

    try:
        table = dynamodb_backends[account_id][region].get_table(name_or_arn)
    except Exception:  # moto raises its own ResourceNotFoundException
        return None
    keys = [(table.hash_key_attr, table.hash_key_type)]
    if table.range_key_attr is not None:
        keys.append((table.range_key_attr, table.range_key_type or ""))
    return tuple(keys)


def _rewritten(answer: Any, headers: dict[str, Any]) -> tuple[bytes, dict]:
    """The new body, and the headers with its CRC32 when moto sent one (boto3 checks it)."""
    raw = json.dumps(answer).encode()
    for key in list(headers):
        if key.lower() == "x-amz-crc32":
            headers[key] = str(zlib.crc32(raw) & 0xFFFFFFFF)
    return raw, headers


def store_arithmetic_in_dynamodb_form() -> None:
    """UpdateItem's own arithmetic (`SET n = n + :v`, `ADD n :v`) gives numbers in DynamoDB's form (moto keeps
    Python's `Decimal` text: `1.5 + 1.5` is `3.0`, DynamoDB's `3`). Applied once; a number out of DynamoDB's
    range keeps moto's text."""
    from moto.dynamodb.models.dynamo_type import DynamoType

    for name in ("__add__", "__sub__"):
        if not getattr(getattr(DynamoType, name), "_harness", False):
            setattr(DynamoType, name, _number_in_dynamodb_form(getattr(DynamoType, name)))


def _number_in_dynamodb_form(original: Any) -> Any:
    def arithmetic(self: Any, other: Any) -> Any:
        result = original(self, other)
        if getattr(result, "type", None) == "N":
            try:
                form = canonical_number(result.value)
            except ValueRefused:  # out of DynamoDB's range: moto's text is kept
                form = None
            if form is not None:
                result.value = form
        return result

    arithmetic._harness = True  # type: ignore[attr-defined]
    return arithmetic
