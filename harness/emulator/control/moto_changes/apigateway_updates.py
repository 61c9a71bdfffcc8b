"""API Gateway's UpdateIntegration, UpdateIntegrationResponse and UpdateMethodResponse, served here (moto has none
of them: it answered 501) by applying AWS's patch operations to moto's models, so the next deployment serves them.

UpdateIntegrationResponse (200): `replace` of /selectionPattern and /contentHandling (CONVERT_TO_BINARY,
CONVERT_TO_TEXT, or empty to clear); `add`, `replace`, `remove` of /responseTemplates/<content type> and
/responseParameters/<method.response.header.name> (`~1` for `/`, `~0` for `~`).
UpdateIntegration (200): `replace` of /uri, /httpMethod, /type, /passthroughBehavior, /timeoutInMillis,
/contentHandling, /credentials, /connectionType, /connectionId, /cacheNamespace, /tlsConfig/insecureSkipVerification;
`add`, `replace`, `remove` of /requestTemplates/<content type> and /requestParameters/<name>; `add`, `remove` of
/cacheKeyParameters/<name>; the result is checked as PutIntegration checks a new one (apigateway_checks.py's `integration_refusal`).
UpdateMethodResponse (201, as AWS answers it): `add`, `replace`, `remove` of /responseParameters/<name> (a boolean
written as text) and /responseModels/<content type>; a map emptied by `remove` leaves the answer.
Each: a missing resource, method, integration or status code is 404 in AWS's words; the patch is applied to a copy
and stored only when every operation passed.
Sources: LocalStack's recorded AWS answers, tests/aws/services/apigateway/test_apigateway_api.snapshot.json
(test_lifecycle_integration_response, test_create_integration_with_vpc_link, test_lifecycle_method_response,
test_update_method_response, test_update_method_response_negative_tests, test_update_method_wrong_param_names,
test_update_method_lack_response_parameters_and_models; recorded 2025), test_apigateway_s3.snapshot.json
(/responseTemplates add, /contentHandling replace) and test_apigateway_sqs.py (/requestParameters add,
/responseTemplates remove, run against AWS); AWS's API reference, "Patch operations", for the paths.
Inferred [I] (AWS's words recorded for UpdateMethod and UpdateMethodResponse, not for these two): another path is
400 "Invalid patch path <path>"; an operation other than `replace` on a single value is 400 "Invalid patch operation
specified. Must be one of: [replace]"; replacing or removing a response parameter or template that is not there is
404 "Invalid parameter name specified" / "Content-Type specified was not found".
Left out: `move`, `copy` and `test` (refused as above); UpdateIntegration's /integrationResponses paths.
"""
from __future__ import annotations

import json
import re
from typing import Any, Callable

from moto.apigateway.models import apigateway_backends

from ...aws_errors import AwsError
from ...front.exchange import Answer, Exchange
from .apigateway_checks import integration_refusal
from .around_moto import Correction, request_dict

_METHOD = r"^/restapis/(?P<api>[^/]+)/resources/(?P<resource>[^/]+)/methods/(?P<verb>[^/]+)"
CONTENT_HANDLING = ("CONVERT_TO_BINARY", "CONVERT_TO_TEXT")
_NO_PARAMETER = "Invalid parameter name specified"
_NO_CONTENT_TYPE = "Content-Type specified was not found"
#: UpdateIntegration's single values: the patch path -> moto's Integration attribute.
INTEGRATION_VALUES = {
    "/uri": "uri", "/httpMethod": "http_method", "/type": "integration_type",
    "/passthroughBehavior": "passthrough_behaviour", "/timeoutInMillis": "timeout_in_millis",
    "/contentHandling": "content_handling", "/credentials": "credentials", "/connectionType": "connection_type",
    "/connectionId": "connection_id", "/cacheNamespace": "cache_namespace",
}


def bad_request(message: str) -> AwsError:
    return AwsError(400, "BadRequestException", message)


def not_found(message: str) -> AwsError:
    return AwsError(404, "NotFoundException", message)


def _key(rest: str) -> str:
    """A JSON pointer's map key (`~1` is `/`, `~0` is `~`)."""
    return rest.replace("~1", "/").replace("~0", "~")


def patch_map(target: dict[str, Any], op: str, key: str, value: Any, missing: str,
              convert: Callable[[Any], Any] = str) -> None:
    """One add/replace/remove on a map, as AWS applies it: replace or remove of a key that is not there is 404
    `missing`."""
    if op == "add":
        target[key] = convert(value)
    elif op in ("replace", "remove"):
        if key not in target:
            raise not_found(missing)
        if op == "remove":
            del target[key]
        else:
            target[key] = convert(value)
    else:
        raise bad_request("Invalid patch operation specified. Must be 'add'|'remove'|'replace'")


def _operations(exchange: Exchange) -> list[tuple[str, str, Any]]:
    operations = request_dict(exchange).get("patchOperations")
    found = []
    for operation in operations if isinstance(operations, list) else ():
        if isinstance(operation, dict):
            found.append((str(operation.get("op")), str(operation.get("path")), operation.get("value")))
    return found


def _text_or_none(value: Any) -> str | None:
    return None if value in (None, "") else str(value)


def patched_integration_response(state: dict[str, Any], operations: list[tuple[str, str, Any]]) -> dict[str, Any]:
    """An integration response's fields (selection_pattern, content_handling, response_templates,
    response_parameters) after AWS's patch operations; AwsError for one AWS refuses."""
    state = {**state, "response_templates": dict(state["response_templates"] or {}),
             "response_parameters": dict(state["response_parameters"] or {})}
    for op, path, value in operations:
        head, _, rest = path.lstrip("/").partition("/")
        if head in ("responseTemplates", "responseParameters") and rest:
            templates = head == "responseTemplates"
            patch_map(state["response_templates" if templates else "response_parameters"], op, _key(rest), value,
                      _NO_CONTENT_TYPE if templates else _NO_PARAMETER, convert=lambda v: "" if v is None else str(v))
            continue
        if path not in ("/selectionPattern", "/contentHandling"):
            raise bad_request(f"Invalid patch path {path}")
        if op != "replace":
            raise bad_request("Invalid patch operation specified. Must be one of: [replace]")
        if path == "/selectionPattern":
            state["selection_pattern"] = "" if value is None else str(value)
        else:
            handling = _text_or_none(value)
            if handling is not None and handling not in CONTENT_HANDLING:
                raise bad_request(f"Invalid content handling specified: {handling}")
            state["content_handling"] = handling
    return state


def patched_method_response(parameters: dict[str, Any], models: dict[str, Any],
                            operations: list[tuple[str, str, Any]]) -> tuple[dict[str, Any], dict[str, Any]]:
    """A method response's parameters and models after AWS's patch operations (AwsError for a refused one)."""
    parameters, models = dict(parameters), dict(models)
    for op, path, value in operations:
        head, _, rest = path.lstrip("/").partition("/")
        if head == "responseParameters" and rest:
            patch_map(parameters, op, _key(rest), value, _NO_PARAMETER,
                      convert=lambda v: v is True or str(v).lower() == "true")
        elif head == "responseModels" and rest:
            patch_map(models, op, _key(rest), value, _NO_CONTENT_TYPE)
        else:
            raise bad_request(f"Invalid patch path {path}")
    return parameters, models


def patched_integration(state: dict[str, Any], operations: list[tuple[str, str, Any]]) -> dict[str, Any]:
    """An integration's fields (moto's attribute names) after AWS's patch operations (AwsError for a refused one)."""
    state = {**state, "request_templates": dict(state.get("request_templates") or {}),
             "request_parameters": dict(state.get("request_parameters") or {}),
             "cache_key_parameters": list(state.get("cache_key_parameters") or []),
             "tls_config": dict(state.get("tls_config") or {})}
    for op, path, value in operations:
        head, _, rest = path.lstrip("/").partition("/")
        if head in ("requestTemplates", "requestParameters") and rest:
            templates = head == "requestTemplates"
            patch_map(state["request_templates" if templates else "request_parameters"], op, _key(rest), value,
                      _NO_CONTENT_TYPE if templates else _NO_PARAMETER, convert=lambda v: "" if v is None else str(v))
            continue
        if head == "cacheKeyParameters" and rest:
            name, keys = _key(rest), state["cache_key_parameters"]
            if op == "add":
                keys.append(name) if name not in keys else None
            elif op == "remove":
                if name not in keys:
                    raise not_found(_NO_PARAMETER)
                keys.remove(name)
            else:
                raise bad_request("Invalid patch operation specified. Must be 'add'|'remove'")
            continue
        if path == "/tlsConfig/insecureSkipVerification":
            if op != "replace":
                raise bad_request("Invalid patch operation specified. Must be one of: [replace]")
            state["tls_config"]["insecureSkipVerification"] = str(value).lower() == "true"
            continue
        if path not in INTEGRATION_VALUES:
            raise bad_request(f"Invalid patch path {path}")
        if op != "replace":
            raise bad_request("Invalid patch operation specified. Must be one of: [replace]")
        attribute = INTEGRATION_VALUES[path]
        if attribute == "timeout_in_millis":
            try:
                state[attribute] = int(str(value))
            except ValueError:
                raise bad_request(f"Invalid timeout specified: {value}") from None
        elif attribute in ("passthrough_behaviour", "integration_type", "connection_type", "http_method") and value:
            state[attribute] = str(value).upper()
        else:
            state[attribute] = _text_or_none(value)
    return state


class _Updates:
    @staticmethod
    def _method(exchange: Exchange) -> Any:
        try:
            api = apigateway_backends[exchange.account][exchange.region].apis.get(exchange.params["api"])
        except Exception:  # an account or region moto does not serve
            api = None
        resource = api.resources.get(exchange.params["resource"]) if api is not None else None
        if resource is None:
            raise not_found("Invalid Resource identifier specified")
        method = resource.resource_methods.get(exchange.params["verb"])
        if method is None:
            raise not_found("Invalid Method identifier specified")
        return method

    def _integration(self, exchange: Exchange) -> Any:
        integration = self._method(exchange).method_integration
        if integration is None:
            raise not_found("Invalid Integration identifier specified")
        return integration

    @staticmethod
    def _answer(exchange: Exchange, status: int, document: dict[str, Any]) -> None:
        shown = {key: value for key, value in document.items() if value is not None}
        exchange.answer = Answer(status, [("Content-Type", "application/json")], json.dumps(shown).encode())

    def integration_response(self, exchange: Exchange) -> None:
        """UpdateIntegrationResponse: the patch applied to moto's IntegrationResponse, answered as GetIntegrationResponse
        answers it."""
        integration = self._integration(exchange)
        found = (integration.integration_responses or {}).get(exchange.params["status"])
        if found is None:
            raise not_found("Invalid Response status code specified")
        state = patched_integration_response(
            {"selection_pattern": found.selection_pattern, "content_handling": found.content_handling,
             "response_templates": found.response_templates, "response_parameters": found.response_parameters},
            _operations(exchange))
        found.selection_pattern, found.content_handling = state["selection_pattern"], state["content_handling"]
        # a map emptied by `remove` leaves the answer; `{}` as given by PutIntegrationResponse stays
        found.response_templates = state["response_templates"] or ({} if found.response_templates == {} else None)
        found.response_parameters = state["response_parameters"] or None
        self._answer(exchange, 200, found.to_json())

    def integration(self, exchange: Exchange) -> None:
        """UpdateIntegration: the patch applied to moto's Integration once the result passes PutIntegration's
        checks; answered as GetIntegration answers it."""
        integration = self._integration(exchange)
        attributes = (*INTEGRATION_VALUES.values(), "request_templates", "request_parameters",
                      "cache_key_parameters", "tls_config")
        state = patched_integration({name: getattr(integration, name, None) for name in attributes},
                                    _operations(exchange))
        refusal = integration_refusal(state["integration_type"], state["http_method"], state["uri"])
        if refusal is not None:
            raise refusal
        for name in attributes:
            value = state[name]
            if name in ("request_templates", "request_parameters", "tls_config"):
                value = value or None
            setattr(integration, name, value)
        self._answer(exchange, 200, integration.to_json())

    def method_response(self, exchange: Exchange) -> None:
        """UpdateMethodResponse: the patch applied to moto's MethodResponse, answered 201 as AWS does."""
        found = self._method(exchange).method_responses.get(exchange.params["status"])
        if found is None:
            raise not_found("Invalid Response status code specified")
        parameters, models = patched_method_response(found.response_parameters or {}, found.response_models or {},
                                                     _operations(exchange))
        found.response_parameters = parameters or None
        found.response_models = models or None
        self._answer(exchange, 201, found.to_json())


def apigateway_updates() -> tuple[Correction, ...]:
    """The three update calls, answered before moto (an integration is checked as PutIntegration checks one:
    apigateway_checks.py's `integration_refusal`)."""
    updates = _Updates()
    return (
        Correction("PATCH", re.compile(_METHOD + r"/integration/responses/(?P<status>[^/]+)/?$"),
                   before=updates.integration_response),
        Correction("PATCH", re.compile(_METHOD + r"/integration/?$"), before=updates.integration),
        Correction("PATCH", re.compile(_METHOD + r"/responses/(?P<status>[^/]+)/?$"), before=updates.method_response),
    )
