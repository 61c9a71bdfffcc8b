"""`ModelValidation`: the chain handler that checks the calls of the AWS APIs the stack serves (Lambda, API Gateway,
CloudWatch Logs, Cognito user pools, IAM, STS, CloudFormation; DynamoDB's rules are kept here too) against
botocore's service model before anything serves them, and refuses them as that service does.

What is checked (shape_checks.py): required members, enums, patterns, lengths, ranges of the members AWS reads
from the body, the URI, the query string and the headers; for Lambda and API Gateway also each member's JSON
type. The operation is found from `X-Amz-Target` (JSON services), from `Action` (query services: the flat
parameters are read back into the input's shape, query_input.py) or from the verb and path against the model's
request URIs (REST services; the most specific URI wins). Operations are compiled on first use and kept.

How each service refuses (recorded against AWS in LocalStack's snapshots, see tests/unit/test_model_validation.py):
- DynamoDB: 400 `ValidationException`, "1 validation error detected: Value ... at 'tableName' ...";
- Lambda: 400 `ValidationException` with the same sentence; a malformed JSON body is
  `InvalidRequestContentException` "Could not parse request body into json: ..."; a member of another type too;
- API Gateway: 400 `ValidationException` too (recorded; not the BadRequestException of its other refusals); body
  members are named under the operation's input
  (`putIntegrationInput.type`), URI members by their own name (`statusCode`); a member of another JSON type is
  `SerializationException` "class java.lang.Boolean can not be converted to an String";
- CloudWatch Logs: 400 `InvalidParameterException` with the same sentence (recorded: test_logs_events,
  test_logs_filter_events, test_logs_metric_filters); Cognito user pools the same [I: not recorded];
- STS and CloudFormation: 400 `ValidationError` (Type Sender) with the same sentence (recorded:
  test_sts_invalid_parameters, test_stack_name_creation; CloudFormation's CreateStack checks a stack name
  pattern botocore's model lacks, `[a-zA-Z][-a-zA-Z0-9]*|arn:[-a-zA-Z0-9:/._+]*`, as recorded);
- IAM: 400 `ValidationError` without the value ("Value at 'serviceSpecificCredentialId' failed to satisfy
  constraint: ...") and without an enum's values ("Member must satisfy enum value set"), as recorded (test_iam
  test_user_match_id_mismatch, test_invalid_update_parameters).
A value of another type: Logs and Cognito answer API Gateway's Coral wording (`SerializationException`), the
query services documented common error `InvalidParameterValue` ("Value (abc) for parameter maxItems is invalid.
Expected: 'integer'.") [I: neither recorded].
In the chain it checks every service here but DynamoDB: the DynamoDB front (control/moto_changes/dynamodb_front.py)
calls `check_dynamodb_request` first, on the body it parses anyway: this module's checks with DynamoDB's style
(JSON types as its deserializer words them, then required members), then its own checks of lengths, patterns,
enums and semantics in DynamoDB's order (dynamodb_requests.py), compared with DynamoDB Local by the differential
suite; `check_dynamodb` is the same for an exchange. (With the model's lengths, enums and patterns applied too,
12 of the suite's cases answer otherwise than DynamoDB Local: DynamoDB words an empty key schema, empty or
oversized batches and transactions and a bad ReturnValues in sentences of its own, and lists enums in its own
order.) Left out: Lambda's Runtime enum (Lambda checks it against the runtimes it supports, with its own message:
lambda_corrections.py); unsigned query calls (the service is told by the credential scope); S3 (REST-XML: S3 does
not answer in these words; each refusal has its own code, e.g. InvalidBucketName) and the other services.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable
from urllib.parse import parse_qs, unquote

from botocore.model import OperationModel, ServiceModel

from ..aws_errors import AwsError
from .exchange import APIGATEWAY, DYNAMODB, DYNAMODB_TARGET, LAMBDA, QUERY, Exchange
from .query_input import query_input
from .shape_checks import Check, Style, WrongType, compile_members, compile_shape, lower_camel, summary

_LABEL = re.compile(r"\{([^}]+)\}")


@lru_cache(maxsize=None)
def service_model(name: str) -> ServiceModel:
    """botocore's model of the service (loaded once)."""
    import botocore.session

    return botocore.session.get_session().get_service_model(name)


@dataclass(frozen=True)
class Member:
    """One input member AWS reads from outside the body (URI label, query parameter, header)."""

    wire: str  # label, query key or header name
    name: str  # as messages name it
    check: Check | None
    required: bool
    kind: str  # botocore type name (query and header values arrive as text)


@dataclass(frozen=True)
class CompiledOperation:
    """The checks of one operation's input."""

    name: str
    body: Check | None  # the body's JSON object (None: nothing in it can fail, or it is a payload)
    reads_body: bool  # False: the operation has no body member and no payload (a body sent is ignored, as AWS does)
    uri: tuple[Member, ...]
    query: tuple[Member, ...]
    headers: tuple[Member, ...]
    status: int | None = None  # the status of a successful answer (the model's responseCode)


def _body_prefix(service: str, operation: str) -> str:
    return lower_camel(operation) + "Input" if service == "apigateway" else ""


def compile_operation(service: str, model: OperationModel, style: Style) -> CompiledOperation:
    """The checks of `model`'s input, named as `service` names members in its messages."""
    shape = model.input_shape
    if shape is None:
        return CompiledOperation(model.name, None, False, (), (), (), model.http.get("responseCode"))
    required = set(shape.required_members)
    outside: dict[str, list[Member]] = {"uri": [], "querystring": [], "header": []}
    body_members: dict[str, Any] = {}
    has_payload = "payload" in shape.serialization
    for name, member in shape.members.items():
        location = member.serialization.get("location")
        if location in outside:
            outside[location].append(Member(member.serialization.get("name", name), lower_camel(name),
                                            compile_shape(member, style), name in required, member.type_name))
        elif location is None and not has_payload:
            body_members[name] = member
    body = compile_members(shape, style, frozenset(body_members)) if body_members else None
    return CompiledOperation(model.name, body, bool(body_members) or has_payload, tuple(outside["uri"]),
                             tuple(outside["querystring"]),
                             tuple(outside["header"]), model.http.get("responseCode"))


@dataclass(frozen=True)
class _Route:
    method: str
    pattern: re.Pattern[str]
    query: tuple[tuple[str, str | None], ...]  # literal query parts the URI demands
    specificity: tuple[int, int]
    operation: str


def _routes(model: ServiceModel) -> dict[str, list[_Route]]:
    by_method: dict[str, list[_Route]] = {}
    for name in model.operation_names:
        http = model.operation_model(name).http
        uri = http.get("requestUri", "/")
        path, _, query = uri.partition("?")
        parts = []
        for piece in re.split(r"(\{[^}]+\})", path):
            if piece.startswith("{"):
                label = piece[1:-1]
                greedy = label.endswith("+")
                label = label.rstrip("+")
                parts.append(f"(?P<{_group(label)}>{'.+' if greedy else '[^/]+'})")
            else:
                parts.append(re.escape(piece))
        pattern = re.compile("^" + "".join(parts).rstrip("/") + "/?$")
        literals = tuple((k, v or None) for k, _, v in (q.partition("=") for q in query.split("&") if q))
        literal_size = len(_LABEL.sub("", path))
        route = _Route(http.get("method", "POST"), pattern, literals, (len(literals), literal_size), name)
        by_method.setdefault(route.method, []).append(route)
    for routes in by_method.values():
        routes.sort(key=lambda r: r.specificity, reverse=True)
    return by_method


def _group(label: str) -> str:
    return "g_" + re.sub(r"\W", "_", label)


@dataclass(frozen=True)
class Refusal:
    """How a service words a refusal: the error type of a validation failure, and of a value of another type."""

    code: str
    wrong_type: Callable[[WrongType], AwsError] | None
    malformed: Callable[[str], AwsError] | None


def _lambda_wrong_type(error: WrongType) -> AwsError:
    return AwsError(400, "InvalidRequestContentException",
                    f"Could not parse request body into json: Could not parse payload into json: Unexpected value "
                    f"{_json_text(error.value)} at '{error.path}': a {error.expected} is expected")


def _coral_wrong_type(error: WrongType) -> AwsError:
    """API Gateway's Coral wording: `class java.lang.Boolean can not be converted to an String` (recorded)."""
    value = error.value
    if isinstance(value, bool):
        found = "java.lang.Boolean"
    elif isinstance(value, (int, float)):
        found = "com.amazon.coral.value.json.numbers.TruncatingBigNumber"
    elif isinstance(value, str):
        found = "java.lang.String"
    elif isinstance(value, list):
        found = "java.util.ArrayList"
    elif isinstance(value, dict):
        found = "java.util.LinkedHashMap"
    else:
        found = "java.lang.Object"
    target = {"string": "String", "integer": "Integer", "long": "Long", "boolean": "Boolean", "double": "Double",
              "float": "Float", "list": "List", "map": "Map", "structure": "Map", "blob": "String",
              "timestamp": "Date"}.get(error.expected, "Object")
    return AwsError(400, "SerializationException", f"class {found} can not be converted to an {target}")


def _json_text(value: Any) -> str:
    text = json.dumps(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _dynamodb_wrong_type(error: WrongType) -> AwsError:
    """DynamoDB's JSON deserializer on a value of another type: `SerializationException` "Start of list found where
    not expected", "STRING_VALUE can not be converted to an Integer", ... (as DynamoDB Local answers, which the
    differential suite compares; AWS's own words: LocalStack's recorded test_dynamodb.snapshot.json)."""
    value, kind = error.value, error.expected
    if isinstance(value, dict) and kind not in ("structure", "map"):
        return AwsError(400, "SerializationException", "Start of structure or map found where not expected.")
    if isinstance(value, list) and kind != "list":
        return AwsError(400, "SerializationException", "Start of list found where not expected")
    if isinstance(value, bool):
        found = "TRUE_VALUE" if value else "FALSE_VALUE"
    elif isinstance(value, (int, float)):
        found = "NUMBER_VALUE"
    elif isinstance(value, str):
        found = "STRING_VALUE"
    else:
        found = "VALUE"
    target = {"structure": "a Structure", "map": "a Map", "list": "a List", "boolean": "a Boolean",
              "integer": "an Integer", "long": "a Long"}.get(kind, "a String")
    return AwsError(400, "SerializationException", f"{found} can not be converted to {target}")


def _lambda_malformed(detail: str) -> AwsError:
    return AwsError(400, "InvalidRequestContentException",
                    f"Could not parse request body into json: Could not parse payload into json: {detail}")


def _apigateway_malformed(detail: str) -> AwsError:
    return AwsError(400, "SerializationException", f"Unable to parse the request body as JSON: {detail}")


@dataclass(frozen=True)
class ExtraPattern:
    """A pattern AWS applies to a member where botocore's model has none (as recorded)."""

    operation: str
    member: str  # wire name
    pattern: re.Pattern[str]


@dataclass(frozen=True)
class ServiceRules:
    """One service's model, how it names members, and how it refuses."""

    name: str
    style: Style
    refusal: Refusal
    extra: tuple[ExtraPattern, ...] = ()


#: The order AWS lists these enums' values in its messages (Java's set order, not the model's), as recorded in
#: LocalStack's tests/aws/services/apigateway/test_apigateway_api.snapshot.json (test_put_integration_wrong_type,
#: test_create_rest_api_with_endpoint_configuration, test_update_method_response_wrong_operations,
#: test_gateway_response_validation, test_documentation_part_lifecycle).
APIGATEWAY_ENUM_ORDERS = (
    ("Op", ("add", "remove", "move", "test", "replace", "copy")),
    ("EndpointType", ("PRIVATE", "EDGE", "REGIONAL")),
    ("IntegrationType", ("HTTP", "MOCK", "AWS_PROXY", "HTTP_PROXY", "AWS")),
    ("GatewayResponseType", (
        "REQUEST_TOO_LARGE", "RESOURCE_NOT_FOUND", "AUTHORIZER_CONFIGURATION_ERROR", "MISSING_AUTHENTICATION_TOKEN",
        "BAD_REQUEST_BODY", "INVALID_SIGNATURE", "INVALID_API_KEY", "BAD_REQUEST_PARAMETERS", "AUTHORIZER_FAILURE",
        "UNAUTHORIZED", "INTEGRATION_TIMEOUT", "ACCESS_DENIED", "DEFAULT_4XX", "DEFAULT_5XX", "WAF_FILTERED",
        "QUOTA_EXCEEDED", "THROTTLED", "API_CONFIGURATION_ERROR", "UNSUPPORTED_MEDIA_TYPE", "INTEGRATION_FAILURE",
        "EXPIRED_TOKEN")),
    ("DocumentationPartType", (
        "RESPONSE_BODY", "RESPONSE", "METHOD", "MODEL", "AUTHORIZER", "RESPONSE_HEADER", "RESOURCE", "PATH_PARAMETER",
        "REQUEST_BODY", "QUERY_PARAMETER", "API", "REQUEST_HEADER")),
)

#: Lambda's lists whose failed element AWS describes with "Member must not be null" too (recorded in
#: test_lambda_api.snapshot.json: architectures, layers; subnet and security group ids are recorded without it).
LAMBDA_NOT_NULL = frozenset({"ArchitecturesList", "LayerList"})

#: CloudFormation's stack name rule (recorded: test_stacks.snapshot.json, test_stack_name_creation, 2023).
STACK_NAME = ExtraPattern("CreateStack", "StackName", re.compile(r"[a-zA-Z][-a-zA-Z0-9]*|arn:[-a-zA-Z0-9:/._+]*"))
def _query_wrong_type(error: WrongType) -> AwsError:
    """A query parameter that does not read as its member's type: the query APIs' common error
    InvalidParameterValue (IAM/STS API reference, "Common Errors"); the sentence is our reading."""
    return AwsError(400, "InvalidParameterValue",
                    f"Value ({error.value}) for parameter {error.path} is invalid. Expected: '{error.expected}'.")


_SENDER = Refusal("ValidationError", _query_wrong_type, None)
_INVALID_PARAMETER = Refusal("InvalidParameterException", _coral_wrong_type, None)

RULES = {
    DYNAMODB: ServiceRules("dynamodb", Style(constraints=False, null_elements=True),
                           Refusal("ValidationException", _dynamodb_wrong_type, None)),
    LAMBDA: ServiceRules("lambda", Style(exempt_enums=frozenset({"Runtime"}), not_null_elements=LAMBDA_NOT_NULL),
                         Refusal("ValidationException", _lambda_wrong_type, _lambda_malformed)),
    APIGATEWAY: ServiceRules("apigateway", Style(enum_orders=APIGATEWAY_ENUM_ORDERS),
                             Refusal("ValidationException", _coral_wrong_type, _apigateway_malformed)),
    "logs": ServiceRules("logs", Style(), _INVALID_PARAMETER),
    "cognito-idp": ServiceRules("cognito-idp", Style(), _INVALID_PARAMETER),
    "iam": ServiceRules("iam", Style(hide_values=True, enum_listed=False), _SENDER),
    "sts": ServiceRules("sts", Style(), _SENDER),
    "cloudformation": ServiceRules("cloudformation", Style(), _SENDER, (STACK_NAME,)),
}
#: The JSON services checked, by the prefix of their `X-Amz-Target` (botocore's `targetPrefix`).
JSON_TARGETS = {"Logs_20140328": "logs", "AWSCognitoIdentityProviderService": "cognito-idp"}
#: The query services checked, by the service their calls are signed for.
QUERY_SERVICES = frozenset({"iam", "sts", "cloudformation"})


class ServiceValidator:
    """The checks of one service's operations, compiled on first use."""

    def __init__(self, rules: ServiceRules) -> None:
        self.rules = rules
        self._model = service_model(rules.name)
        self._operations: dict[str, CompiledOperation | None] = {}
        self._routes: dict[str, list[_Route]] | None = None
        self._extra = {(extra.operation, extra.member): extra for extra in rules.extra}

    def input_shape(self, name: str) -> Any:
        """botocore's input shape of an operation the model knows (`operation` compiled it first)."""
        return self._model.operation_model(name).input_shape

    def extra_violations(self, name: str, document: dict[str, Any]) -> list[str]:
        """The recorded rules botocore's model lacks (`ServiceRules.extra`) that `document` breaks."""
        found = []
        for (operation, member), extra in self._extra.items():
            value = document.get(member) if operation == name else None
            if isinstance(value, str) and extra.pattern.fullmatch(value) is None:
                found.append(f"Value '{value}' at '{lower_camel(member)}' failed to satisfy constraint: Member must "
                             f"satisfy regular expression pattern: {extra.pattern.pattern}")
        return found

    def operation(self, name: str) -> CompiledOperation | None:
        try:
            return self._operations[name]
        except KeyError:
            pass
        try:
            model = self._model.operation_model(name)
        except Exception:  # an operation the model does not know: the service answers it
            compiled = None
        else:
            compiled = compile_operation(self.rules.name, model, self.rules.style)
        self._operations[name] = compiled
        return compiled

    def route(self, method: str, path: str, query: dict[str, str]) -> tuple[CompiledOperation, dict[str, str]] | None:
        """The REST operation a verb and path call, with its URI labels (percent-decoded)."""
        if self._routes is None:
            self._routes = _routes(self._model)
        for route in self._routes.get(method, ()):
            match = route.pattern.match(path)
            if match is None or any(key not in query or (value is not None and query[key] != value)
                                    for key, value in route.query):
                continue
            operation = self.operation(route.operation)
            if operation is None:
                return None
            labels = {name[2:]: unquote(value) for name, value in match.groupdict().items()}
            return operation, labels
        return None

    def violations(self, operation: CompiledOperation, body: Any, labels: dict[str, str], query: dict[str, str],
                   headers: Callable[[str], str | None]) -> list[str]:
        """What `operation`'s input breaks, in AWS's words (raises WrongType for a value of another type)."""
        found: list[str] = []
        if operation.body is not None:
            operation.body(body, _body_prefix(self.rules.name, operation.name), found)
        for members, read in ((operation.uri, labels.get), (operation.query, query.get), (operation.headers, headers)):
            for member in members:
                raw = read(member.wire)
                if raw is None:
                    if member.required:
                        found.append(f"Value null at '{member.name}' failed to satisfy constraint: "
                                     "Member must not be null")
                    continue
                value = _typed(raw, member.kind)
                if member.check is not None and value is not None:
                    member.check(value, member.name, found)
        return found


def _form(text: str) -> dict[str, str]:
    """Form-encoded parameters (the last value of a repeated one; blank values kept: `Tags=` is an empty list)."""
    if not text:
        return {}
    return {key: values[-1] for key, values in parse_qs(text, keep_blank_values=True).items()}


def _typed(raw: str, kind: str) -> Any:
    """A query or header value as its member's type (None when it is no such value: the service decides)."""
    if kind in ("integer", "long"):
        try:
            return int(raw)
        except ValueError:
            return None
    if kind in ("float", "double"):
        try:
            return float(raw)
        except ValueError:
            return None
    if kind == "boolean":
        return {"true": True, "false": False}.get(raw.lower())
    if kind in ("list", "map", "structure"):
        return None
    return raw


class ModelValidation:
    """The chain handler: refuses a call its service's model does not allow (the services of `RULES`)."""

    def __init__(self) -> None:
        self._validators: dict[str, ServiceValidator] = {}

    def validator(self, protocol: str) -> ServiceValidator:
        found = self._validators.get(protocol)
        if found is None:
            found = self._validators[protocol] = ServiceValidator(RULES[protocol])
        return found

    def __call__(self, exchange: Exchange) -> None:
        target = exchange.target
        if target:  # DynamoDB: checked by the DynamoDB front (`check_dynamodb_request`, then dynamodb_requests.py)
            if not target.startswith(DYNAMODB_TARGET):
                self._json_service(exchange, target)
            return
        protocol = exchange.protocol
        if protocol in (LAMBDA, APIGATEWAY):
            self._rest(exchange, protocol)
        else:
            scope = exchange.scope
            if scope is not None and scope[2] in QUERY_SERVICES:
                self._query(exchange, scope[2])

    def _json_service(self, exchange: Exchange, target: str) -> None:
        """A JSON-protocol call (`X-Amz-Target: Logs_20140328.GetLogEvents`) of a service checked here."""
        prefix, _, name = target.partition(".")
        service = JSON_TARGETS.get(prefix)
        if service is None:
            return
        validator = self.validator(service)
        operation = validator.operation(name)
        if operation is None or operation.body is None:
            return
        body = exchange.json()
        if not isinstance(body, dict):
            return  # the service's own answer to a body that is no JSON object
        self._refuse(validator, name, body)

    @staticmethod
    def _refuse(validator: ServiceValidator, name: str, document: dict[str, Any]) -> None:
        """Raise the service's refusal of `document`, the input of operation `name`, if it breaks a rule."""
        operation = validator.operation(name)
        assert operation is not None and operation.body is not None
        refusal = validator.rules.refusal
        found: list[str] = []
        try:
            operation.body(document, "", found)
        except WrongType as error:
            if refusal.wrong_type is not None:
                raise refusal.wrong_type(error) from None
        found.extend(validator.extra_violations(name, document))
        if found:
            raise AwsError(400, refusal.code, summary(found))

    def _query(self, exchange: Exchange, service: str) -> None:
        """A query-protocol call (`Action=AssumeRole&...`, form body or query string) of a service checked here."""
        params = _form(exchange.environ.get("QUERY_STRING", ""))
        if exchange.method == "POST":
            params.update(_form(exchange.body.decode("utf-8", "replace")))
        name = params.get("Action")
        if not name:
            return
        validator = self.validator(service)
        operation = validator.operation(name)
        if operation is None or operation.body is None:
            return
        exchange.protocol = QUERY  # a refusal is answered in the query protocol's shape
        self._refuse(validator, name, query_input(validator.input_shape(name), params))

    def status_as_modelled(self, exchange: Exchange) -> None:
        """Response handler: a successful API Gateway answer gets the status its operation's model names
        (DeleteRestApi and DeleteResource answer 202, the Create* calls 201; moto answers 200 to several).
        Left out: Lambda, whose statuses depend on more than the operation (Invoke: 200, 202 or 204)."""
        answer = exchange.answer
        if answer is None or not 200 <= answer.status < 300 or exchange.target:
            return
        protocol = exchange.protocol
        if protocol != APIGATEWAY:
            return
        operation = self.validator(protocol).operation(exchange.operation) if exchange.operation else None
        status = operation.status if operation is not None else None
        if status is not None and status != answer.status:
            exchange.answer = answer._replace(status=status, body=b"" if status in (202, 204) and
                                              answer.body.strip() in (b"", b"{}") else answer.body)

    def check_dynamodb(self, exchange: Exchange, name: str) -> None:
        """DynamoDB's model rules for one call (not in the chain: see the module's docstring)."""
        body = exchange.json()
        if isinstance(body, dict):  # a body that is no object: DynamoDB's own answer (the DynamoDB front)
            check_dynamodb_request(name, body)

    def _rest(self, exchange: Exchange, protocol: str) -> None:
        validator = self.validator(protocol)
        query = exchange.query()
        routed = validator.route(exchange.method, exchange.path, query)
        if routed is None:
            return
        operation, labels = routed
        exchange.operation = operation.name
        refusal = validator.rules.refusal
        if not operation.reads_body and exchange.body:
            exchange.body = b""  # not the operation's: AWS ignores it (moto would try to read it)
        body: Any = {}
        if operation.body is not None:
            raw = exchange.body
            if raw.strip():
                try:
                    body = json.loads(raw)
                except RecursionError:
                    raise _malformed(refusal, "Document nesting depth exceeds the maximum allowed") from None
                except (ValueError, UnicodeDecodeError) as error:
                    raise _malformed(refusal, str(error)) from None
            if not isinstance(body, dict):
                raise _malformed(refusal, f"a JSON object is expected, not {_json_text(body)}")
        environ = exchange.environ
        try:
            found = validator.violations(operation, body, labels, query,
                                         lambda name: environ.get("HTTP_" + name.upper().replace("-", "_")))
        except WrongType as error:
            if refusal.wrong_type is None:
                return
            raise refusal.wrong_type(error) from None
        if found:
            raise AwsError(400, refusal.code, summary(found))


_DYNAMODB_VALIDATOR: list[ServiceValidator] = []


def check_dynamodb_request(operation: str, request: dict[str, Any]) -> None:
    """DynamoDB's checks of a request's shape, as DynamoDB answers them (the DynamoDB front calls this first): a
    value of another JSON type anywhere is `SerializationException` (before anything else), then the required
    members left out, every one named ("2 validation errors detected: Value null at 'tableName' ...; ..."),
    including a null element of a list of structures. DynamoDB's lengths, patterns and enums are checked after it,
    in DynamoDB's order (control/moto_changes/dynamodb_requests.py). Raises `AwsError`."""
    if not _DYNAMODB_VALIDATOR:
        _DYNAMODB_VALIDATOR.append(ServiceValidator(RULES[DYNAMODB]))
    validator = _DYNAMODB_VALIDATOR[0]
    compiled = validator.operation(operation)
    if compiled is None or compiled.body is None:
        return
    found: list[str] = []
    try:
        compiled.body(request, "", found)
    except WrongType as error:
        raise _dynamodb_wrong_type(error) from None
    if found:
        raise AwsError(400, "ValidationException", summary(found))


def _malformed(refusal: Refusal, detail: str) -> AwsError:
    assert refusal.malformed is not None
    return refusal.malformed(detail)
