"""API Gateway's control plane refusals and answers where moto's differ, checked around moto's calls.

Before moto (around_moto.py corrections): CreateRestApi refuses an empty description, a minimum compression
size outside 0..10485760 and an endpoint configuration of no type or two (apigateway_endpoints.py); CreateResource refuses what AWS refuses (an invalid or empty path part,
a second variable path part among siblings, a child of a greedy `{proxy+}`, a name the parent already has);
PutMethod refuses an HTTP method outside GET,PUT,POST,DELETE,PATCH,OPTIONS,HEAD,ANY, a method that exists, two
request parameters of one name (querystring, header, path), a request validator or a request model the API lacks;
UpdateMethod (moto has none) is served here too: `replace` of /operationName, /apiKeyRequired (Java's boolean
reading: anything but "true" is false), /authorizationType, /authorizerId (kept only for CUSTOM and
COGNITO_USER_POOLS methods, which need a valid one), /requestValidatorId (one the API has); add, replace or remove
of /requestParameters/<name> and /requestModels/<content type, `/` written `~1`>; other paths and operations in
AWS's words;
UpdateResource (moto has none) is served here: `replace` of /parentId and /pathPart only, not of the root, with
CreateResource's rules for the new place and name and no cycles;
CreateModel refuses an empty name, Get/DeleteModel name a missing model ("Invalid model name specified: <name>");
Get/Delete/UpdateRequestValidator of a missing one are 404 "Invalid Request Validator identifier specified", and
UpdateRequestValidator takes only `replace` of /name (not blank), /validateRequestParameters, /validateRequestBody;
GetIntegrationResponse names a missing method "Invalid Method identifier specified", DeleteIntegrationResponse
"Invalid Integration identifier specified"; both name a missing integration so, and a missing status code
"Invalid Response status code specified";
PutIntegration refuses an AWS/AWS_PROXY integration without a method or an ARN URI, an AWS_PROXY one that is no
Lambda function path, an HTTP one whose URI is no http(s) URL, and stores AWS's defaults (`passthroughBehavior`
WHEN_NO_MATCH, `timeoutInMillis` 29000, `cacheNamespace` the resource id, `cacheKeyParameters` [],
`connectionType` INTERNET for HTTP); Get/Delete of a method or integration that does not exist, DeleteResource
and DeleteRestApi of one that does not exist are 404 with AWS's message (moto answers 200 {} or fails).
After moto (`apigateway_error_words`, a response handler): moto's not-found messages in AWS's words ("Invalid API
identifier specified {account}:{id}" for the API itself, "Invalid Resource identifier specified" under it).
Sources: LocalStack's recorded AWS answers, tests/aws/services/apigateway/test_apigateway_api.snapshot.json
(test_create_rest_api_with_optional_params, test_create_proxy_resource_validation, test_put_method_validation,
test_method_request_parameters, test_model_validation, test_invalid_get_request_validator,
test_invalid_delete_request_validator, test_update_request_validator, test_delete_integration_response_errors,
test_get_integration_non_existent, test_integration_response_wrong_method, test_update_resource_on_root, test_update_method, test_update_method_validation,
test_method_lifecycle, test_update_rest_api_invalid_api_id, test_delete_resource, test_update_resource_behaviour;
recorded 2023-2025) and test_apigateway_lambda.snapshot.json (put-integration); the tutorial's own output
(/work/shared/seed: put-integration answers passthroughBehavior and cacheNamespace).
Left out: the authorizer checks of PutMethod (apigateway_authorizers.py), integration responses, documentation parts;
a lower-case HTTP method and an authorization type outside AWS's list are taken (AWS's answers are not recorded).
"""
from __future__ import annotations

import json
import re
from typing import Any

from moto.apigateway.models import apigateway_backends

from ...aws_errors import AwsError
from ...front.exchange import APIGATEWAY, Answer, Exchange
from .apigateway_authorizers import INVALID_AUTHORIZER
from .apigateway_endpoints import created_configuration
from .around_moto import Correction, request_dict

#: The models every REST API has from its creation (API Gateway developer guide, "Empty" and "Error" models).
DEFAULT_MODELS = frozenset({"Empty", "Error"})
MAX_COMPRESSION_SIZE = 10485760
METHOD_PATHS = ("/operationName", "/apiKeyRequired", "/authorizationType", "/authorizerId", "/requestValidatorId")
#: The authorizer types an authorization type takes (apigateway_authorizers.py words the refusal).
_AUTHORIZER_KINDS = {"CUSTOM": ("TOKEN", "REQUEST"), "COGNITO_USER_POOLS": ("COGNITO_USER_POOLS",)}
VALIDATOR_PATHS = ("/name", "/validateRequestParameters", "/validateRequestBody")
HTTP_METHODS = ("GET", "PUT", "POST", "DELETE", "PATCH", "OPTIONS", "HEAD", "ANY")
_PATH_PART = re.compile(r"^(?:[a-zA-Z0-9._:-]+|\{[a-zA-Z0-9._-]+\+?\})$")
_API = r"^/restapis/(?P<api>[^/]+)"
_RESOURCE = _API + r"/resources/(?P<resource>[^/]+)"
_METHOD = _RESOURCE + r"/methods/(?P<verb>[^/]+)"
_LAMBDA_PATH = re.compile(r"^arn:aws[a-zA-Z-]*:apigateway:[^:]+:lambda:path/2015-03-31/functions/.+")


def not_found(message: str) -> AwsError:
    return AwsError(404, "NotFoundException", message)


def bad_request(message: str) -> AwsError:
    return AwsError(400, "BadRequestException", message)


def integration_refusal(kind: Any, http_method: Any, uri: Any) -> AwsError | None:
    """AWS's refusal of an integration of type `kind` calling `http_method` `uri` (None: AWS takes it)."""
    if kind in ("AWS", "AWS_PROXY"):
        if not http_method:
            return bad_request("Enumeration value for HttpMethod must be non-empty")
        if not isinstance(uri, str) or not uri.startswith("arn:") or uri.count(":") < 5:
            return bad_request("Invalid ARN specified in the request")
        resource_part = uri.split(":", 5)[5]
        if not resource_part.startswith(("path", "action")):
            return bad_request("AWS ARN for integration must contain path or action")
        if kind == "AWS_PROXY" and not _LAMBDA_PATH.match(uri):
            return bad_request("Integrations of type 'AWS_PROXY' currently only supports Lambda function and "
                               "Firehose stream invocations.")
    elif kind in ("HTTP", "HTTP_PROXY"):
        if not http_method:
            return bad_request("Enumeration value for HttpMethod must be non-empty")
        if not isinstance(uri, str) or not re.match(r"^https?://[^/\s]+", uri):
            return bad_request("Invalid HTTP endpoint specified for URI")
    return None


def apigateway_checks() -> tuple[Correction, ...]:
    """The corrections of moto's API Gateway calls made here (apigateway_corrections.py holds the others)."""
    checks = _Checks()
    return (
        Correction("POST", re.compile(r"^/restapis/?$"), before=checks.create_rest_api),
        Correction("DELETE", re.compile(_API + r"/?$"), before=checks.api_exists),
        Correction("POST", re.compile(_RESOURCE + r"/?$"), before=checks.create_resource),
        Correction("DELETE", re.compile(_RESOURCE + r"/?$"), before=checks.resource_exists),
        Correction("PATCH", re.compile(_RESOURCE + r"/?$"), before=checks.update_resource),
        Correction("PUT", re.compile(_METHOD + r"/?$"), before=checks.put_method),
        Correction("GET", re.compile(_METHOD + r"/?$"), before=checks.method_exists),
        Correction("PATCH", re.compile(_METHOD + r"/?$"), before=checks.update_method),
        Correction("DELETE", re.compile(_METHOD + r"/?$"), before=checks.method_exists),
        Correction("PUT", re.compile(_METHOD + r"/integration/?$"), before=checks.put_integration,
                   after=checks.show_integration_defaults),
        Correction("GET", re.compile(_METHOD + r"/integration/?$"), before=checks.integration_exists),
        *(Correction(verb, re.compile(_METHOD + r"/integration/responses/(?P<status>[^/]+)/?$"),
                     before=checks.integration_response_exists) for verb in ("GET", "DELETE")),
        Correction("POST", re.compile(_API + r"/models/?$"), before=checks.create_model),
        *(Correction(verb, re.compile(_API + r"/models/(?P<model>[^/]+)/?$"), before=checks.model_exists)
          for verb in ("GET", "DELETE")),
        *(Correction(verb, re.compile(_API + r"/requestvalidators/(?P<validator>[^/]+)/?$"),
                     before=checks.validator_exists) for verb in ("GET", "DELETE")),
        Correction("PATCH", re.compile(_API + r"/requestvalidators/(?P<validator>[^/]+)/?$"),
                   before=checks.update_validator),
        Correction("DELETE", re.compile(_METHOD + r"/integration/?$"), before=checks.integration_exists),
    )


class _Checks:
    @staticmethod
    def _api(exchange: Exchange) -> Any:
        try:
            backend = apigateway_backends[exchange.account][exchange.region]
        except Exception:  # an account or region moto does not serve
            return None
        return backend.apis.get(exchange.params["api"])

    def api_exists(self, exchange: Exchange) -> None:
        if self._api(exchange) is None:
            raise not_found(f"Invalid API identifier specified {exchange.account}:{exchange.params['api']}")

    def _resource(self, exchange: Exchange, key: str = "resource") -> Any:
        api = self._api(exchange)
        resource = api.resources.get(exchange.params[key]) if api is not None else None
        if resource is None:
            raise not_found("Invalid Resource identifier specified")
        return resource

    def resource_exists(self, exchange: Exchange) -> None:
        self._resource(exchange)

    def _method(self, exchange: Exchange) -> Any:
        method = self._resource(exchange).resource_methods.get(exchange.params["verb"])
        if method is None:
            raise not_found("Invalid Method identifier specified")
        return method

    def method_exists(self, exchange: Exchange) -> None:
        self._method(exchange)

    def integration_exists(self, exchange: Exchange) -> None:
        if self._method(exchange).method_integration is None:
            raise not_found("Invalid Integration identifier specified")

    @staticmethod
    def create_rest_api(exchange: Exchange) -> None:
        """CreateRestApi: AWS's refusals of an empty description and of a compression size out of range."""
        request = request_dict(exchange)
        if request.get("description") == "":
            raise bad_request("Description cannot be an empty string")
        size = request.get("minimumCompressionSize")
        if isinstance(size, int) and not isinstance(size, bool) and not 0 <= size <= MAX_COMPRESSION_SIZE:
            raise bad_request(f"Invalid minimum compression size, must be between 0 and {MAX_COMPRESSION_SIZE}")
        created_configuration(request.get("endpointConfiguration"))  # AWS's refusals of no type and of two

    def integration_response_exists(self, exchange: Exchange) -> None:
        resource = self._resource(exchange)
        method = resource.resource_methods.get(exchange.params["verb"])
        if method is None and exchange.method == "GET":
            raise not_found("Invalid Method identifier specified")  # DELETE names the integration
        integration = method.method_integration if method is not None else None
        if integration is None:
            raise not_found("Invalid Integration identifier specified")
        if exchange.params["status"] not in (integration.integration_responses or {}):
            raise not_found("Invalid Response status code specified")

    def create_model(self, exchange: Exchange) -> None:
        self.api_exists(exchange)
        if request_dict(exchange).get("name") == "":
            raise bad_request("Model name must be non-empty")

    def model_exists(self, exchange: Exchange) -> None:
        self.api_exists(exchange)
        name = exchange.params["model"]
        if name not in self._api(exchange).models:
            raise not_found(f"Invalid model name specified: {name}")

    def validator_exists(self, exchange: Exchange) -> None:
        self.api_exists(exchange)
        if exchange.params["validator"] not in self._api(exchange).request_validators:
            raise not_found("Invalid Request Validator identifier specified")

    def update_validator(self, exchange: Exchange) -> None:
        """UpdateRequestValidator: the validator exists; AWS's patch operations (replace of three paths)."""
        self.validator_exists(exchange)
        operations = request_dict(exchange).get("patchOperations")
        for operation in operations if isinstance(operations, list) else ():
            if not isinstance(operation, dict):
                continue
            op, path = operation.get("op"), operation.get("path")
            if op != "replace":
                raise bad_request(f"Invalid patch path  '{path}' specified for op '{op}'. Please choose supported "
                                  "operations")
            if path not in VALIDATOR_PATHS:
                raise bad_request(f"Invalid patch path  '{path}' specified for op 'replace'. Must be one of: "
                                  f"[{', '.join(VALIDATOR_PATHS)}]")
            if path == "/name" and not str(operation.get("value") or "").strip():
                raise bad_request("Request Validator name cannot be blank")

    def update_method(self, exchange: Exchange) -> None:
        """UpdateMethod, answered here (moto has none): AWS's patch operations on a copy, checked, then applied."""
        method = self._method(exchange)
        api = self._api(exchange)
        state = {"operationName": method.operation_name, "apiKeyRequired": bool(method.api_key_required),
                 "authorizationType": method.authorization_type, "authorizerId": method.authorizer_id,
                 "requestValidatorId": method.request_validator_id}
        parameters = dict(method.request_parameters or {})
        models = dict(method.request_models or {})
        operations = request_dict(exchange).get("patchOperations")
        for operation in operations if isinstance(operations, list) else ():
            if not isinstance(operation, dict):
                continue
            op, path, value = operation.get("op"), str(operation.get("path")), operation.get("value")
            head, _, rest = path.lstrip("/").partition("/")
            if head in ("requestParameters", "requestModels") and rest and "/" not in rest and \
                    op in ("add", "replace", "remove"):
                target = parameters if head == "requestParameters" else models
                key = rest.replace("~1", "/").replace("~0", "~")
                if op == "remove":
                    target.pop(key, None)
                elif head == "requestParameters":
                    target[key] = str(value).lower() == "true"
                else:
                    target[key] = str(value)
                continue
            if "/" + head not in METHOD_PATHS or rest:
                raise bad_request(f"Invalid patch path {path}")
            if op != "replace":
                raise bad_request("Invalid patch operation specified. Must be one of: [replace]")
            state[head] = str(value).lower() == "true" if head == "apiKeyRequired" else value
        kind = str(state["authorizationType"] or "").upper()
        if kind in _AUTHORIZER_KINDS:
            found = api.authorizers.get(str(state["authorizerId"])) if state["authorizerId"] else None
            if found is None or found.type not in _AUTHORIZER_KINDS[kind]:
                raise bad_request(INVALID_AUTHORIZER)
        else:
            state["authorizerId"] = None  # AWS ignores an authorizer on a method of another type
        validator = state["requestValidatorId"]
        if validator and validator not in api.request_validators:
            raise bad_request("Invalid Request Validator identifier specified")
        for name in models.values():
            if name not in DEFAULT_MODELS and name not in api.models:
                raise bad_request(f"Invalid model identifier specified: {name}")
        method.operation_name, method.api_key_required = state["operationName"], state["apiKeyRequired"]
        method.authorization_type, method.authorizer_id = state["authorizationType"], state["authorizerId"]
        method.request_validator_id = validator
        method.request_parameters, method.request_models = parameters or None, models or None
        shown = {key: value for key, value in method.to_json().items() if value is not None}
        exchange.answer = Answer(200, [("Content-Type", "application/json")], json.dumps(shown).encode())

    def update_resource(self, exchange: Exchange) -> None:
        """UpdateResource, answered here (moto has none): AWS's patch operations, then the resource moved or renamed
        under CreateResource's rules (`_place`)."""
        resource = self._resource(exchange)
        operations = request_dict(exchange).get("patchOperations")
        parent_id, part = resource.parent_id, resource.path_part
        for operation in operations if isinstance(operations, list) else ():
            if not isinstance(operation, dict):
                continue
            op, path, value = operation.get("op"), operation.get("path"), operation.get("value")
            if op != "replace":
                raise bad_request(f"Invalid patch path  '{path}' specified for op '{op}'. Please choose supported "
                                  "operations")
            if path not in ("/parentId", "/pathPart"):
                raise bad_request(f"Invalid patch path  '{path}' specified for op 'replace'. Must be one of: "
                                  "[/parentId, /pathPart]")
            if not resource.parent_id:
                raise bad_request(f"Root resource cannot update its {path[1:]}.")
            if path == "/parentId":
                parent_id = str(value or "")
            else:
                part = value if isinstance(value, str) else ""
        api = self._api(exchange)
        parent = api.resources.get(parent_id)
        if parent is None:
            raise not_found("Invalid Resource identifier specified")
        ancestor = parent
        while ancestor is not None:
            if ancestor.id == resource.id:
                raise bad_request("Resources cannot be cyclical.")
            ancestor = api.resources.get(ancestor.parent_id) if ancestor.parent_id else None
        self._place(api, parent, part, moving=resource.id)
        resource.parent_id, resource.path_part = parent_id, part
        exchange.answer = Answer(200, [("Content-Type", "application/json")], json.dumps(resource.to_dict()).encode())

    def create_resource(self, exchange: Exchange) -> None:
        """CreateResource (`POST /restapis/{api}/resources/{parent}`): AWS's refusals of the path part."""
        parent = self._resource(exchange)
        part = request_dict(exchange).get("pathPart")
        if not isinstance(part, str):
            return  # the model validation refused a missing or mistyped one
        self._place(self._api(exchange), parent, part)

    @staticmethod
    def _place(api: Any, parent: Any, part: str, moving: str | None = None) -> None:
        """AWS's refusals of a resource named `part` under `parent` (`moving`: the id of a resource moved there)."""
        if not _PATH_PART.match(part):
            raise bad_request("Resource's path part only allow a-zA-Z0-9._- and curly braces at the beginning and "
                              "the end and an optional plus sign before the closing brace.")
        parent_part = getattr(parent, "path_part", None) or ""
        if parent_part.startswith("{") and parent_part.endswith("+}"):
            raise bad_request(f"Cannot create a child of a resource with a greedy path variable: {parent_part}")
        siblings = [r for r in list(api.resources.values())
                    if getattr(r, "parent_id", None) == parent.id and r.id != moving]
        for sibling in siblings:
            if sibling.path_part == part:
                raise AwsError(409, "ConflictException",
                               f"Another resource with the same parent already has this name: {part}")
        if part.startswith("{"):
            for sibling in siblings:
                if (sibling.path_part or "").startswith("{"):
                    raise bad_request(f"A sibling ({sibling.path_part}) of this resource already has a variable "
                                      "path part -- only one is allowed")

    def put_method(self, exchange: Exchange) -> None:
        """PutMethod: AWS's HTTP methods, no second method of the same verb, unique parameter names, and a request
        validator and request models the API has (in the order LocalStack's recorded test meets them)."""
        resource = self._resource(exchange)
        verb = exchange.params["verb"]
        if verb.upper() not in HTTP_METHODS:
            raise bad_request("Invalid HttpMethod specified. Valid options are " + ",".join(HTTP_METHODS))
        if verb in resource.resource_methods:
            raise AwsError(409, "ConflictException", "Method already exists for this resource")
        request = request_dict(exchange)
        parameters = request.get("requestParameters")
        if isinstance(parameters, dict):
            names = [str(key).rsplit(".", 1)[-1] for key in parameters]
            if len(set(names)) != len(names):
                raise bad_request("Parameter names must be unique across querystring, header and path")
        api = self._api(exchange)
        validator = request.get("requestValidatorId")
        if validator and validator not in api.request_validators:
            raise bad_request("Invalid Request Validator identifier specified")
        models = request.get("requestModels")
        if isinstance(models, dict):
            for name in models.values():
                if isinstance(name, str) and name not in DEFAULT_MODELS and name not in api.models:
                    raise bad_request(f"Invalid model identifier specified: {name}")

    def put_integration(self, exchange: Exchange) -> None:
        """PutIntegration: the method must exist; AWS's URI rules per type; AWS's defaults stored."""
        self._method(exchange)
        request = request_dict(exchange)
        kind = request.get("type")
        refusal = integration_refusal(kind, request.get("httpMethod"), request.get("uri"))
        if refusal is not None:
            raise refusal
        if not isinstance(kind, str):
            return
        defaults: dict[str, Any] = {"passthroughBehavior": "WHEN_NO_MATCH", "timeoutInMillis": 29000,
                                    "cacheNamespace": exchange.params["resource"], "cacheKeyParameters": []}
        if kind in ("HTTP", "HTTP_PROXY"):
            defaults["connectionType"] = "INTERNET"
        exchange.body = json.dumps({**defaults, **request}).encode()

    @staticmethod
    def show_integration_defaults(exchange: Exchange) -> None:
        """PutIntegration, after moto: the answer carries what was stored (moto leaves some out)."""
        assert exchange.answer is not None
        try:
            got = json.loads(exchange.answer.body)
        except ValueError:
            return
        request = request_dict(exchange)
        if not isinstance(got, dict):
            return
        for key in ("passthroughBehavior", "timeoutInMillis", "cacheNamespace", "cacheKeyParameters",
                    "connectionType"):
            if key not in got and key in request:
                got[key] = request[key]
        exchange.answer = exchange.answer._replace(body=json.dumps(got).encode())


_MOTO_NOT_FOUND = {"Invalid Rest API Id specified", "Invalid resource identifier specified"}
_API_PATH = re.compile(r"^/restapis/(?P<api>[^/]+)(?P<rest>/.*)?$")


def apigateway_error_words(exchange: Exchange) -> None:
    """Response handler: moto's API Gateway not-found answers in AWS's words."""
    answer = exchange.answer
    if answer is None or answer.status != 404 or exchange.protocol != APIGATEWAY:
        return
    try:
        document = json.loads(answer.body)
    except ValueError:
        return
    message = document.get("message") if isinstance(document, dict) else None
    if message not in _MOTO_NOT_FOUND:
        return
    match = _API_PATH.match(exchange.path)
    deeper = match is not None and (match["rest"] or "").strip("/").startswith("resources/")
    if message == "Invalid Rest API Id specified" and match is not None and not deeper:
        words = f"Invalid API identifier specified {exchange.account}:{match['api']}"
    else:
        words = "Invalid Resource identifier specified"
    exchange.answer = answer._replace(body=json.dumps({**document, "message": words}).encode())
