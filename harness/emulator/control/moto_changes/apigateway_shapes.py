"""moto's API Gateway method and response documents in AWS's shape (patched once, by `change_moto()`), where keys
AWS leaves out were shown empty or dropped ones AWS shows:
- a method without method responses has no `methodResponses` key (moto showed `{}`), in PutMethod, GetMethod and
  wherever a method is embedded (GetResource);
- an integration response keeps an empty `selectionPattern` ("" is shown, as AWS shows it; moto dropped it) and
  shows `responseTemplates` only when some were given (`{}` when `{}` was given: PutIntegrationResponse's
  correction below records which);
- a method response shows `responseParameters` and `responseModels` only when set, null values left out;
- an integration keeps and shows its `connectionId` (moto dropped it; PutIntegration's correction below stores it);
- a REST API shows its endpoint configuration's `ipAddressType` (ipv4 unless set: apigateway_endpoints.py) and no
  `binaryMediaTypes` key when it has none; `version` only when CreateRestApi gave one (moto showed "V1" for every
  API and dropped the one given), `tags` only when it has some (test_list_and_delete_apis,
  test_create_rest_api_with_optional_params).
Sources: LocalStack's recorded AWS answers, tests/aws/services/apigateway/test_apigateway_api.snapshot.json
(test_method_lifecycle, test_put_method_model, test_create_integration_with_vpc_link,
test_create_rest_api_with_optional_params, test_update_rest_api_operation_add_remove, test_lifecycle_integration_response,
test_put_integration_response_templates, test_update_method_response, test_lifecycle_method_response) and
test_apigateway_integrations.snapshot.json (test_put_integration_responses: `responseTemplates: {}` when given `{}`).
Left out: GetIntegration's empty `integrationResponses` after the last one was deleted (not recorded); the
`version` of an API imported from OpenAPI (`info.version` on AWS, not recorded: none is shown).
"""
from __future__ import annotations

import json
import re
from typing import Any

from moto.apigateway.models import Integration, IntegrationResponse, Method, MethodResponse, RestAPI, \
    apigateway_backends

from ...front.exchange import Exchange
from .apigateway_endpoints import shown_configuration
from .around_moto import Correction, request_dict

_PATCHED = "_harness_aws_shapes"
_VERSION = "_harness_version"


def show_documents_as_aws() -> None:
    """Patch the three models' `to_json` (idempotent)."""
    if getattr(Method, _PATCHED, False):
        return
    method_json, response_json, integration_json = Method.to_json, MethodResponse.to_json, Integration.to_json
    api_dict = RestAPI.to_dict

    def rest_api_to_dict(self: Any) -> dict[str, Any]:
        document = api_dict(self)
        document["endpointConfiguration"] = shown_configuration(document.get("endpointConfiguration"))
        if not document.get("binaryMediaTypes"):
            document.pop("binaryMediaTypes", None)
        given = getattr(self, _VERSION, None)  # moto shows "V1" for every API and drops the one given
        if given:
            document["version"] = given
        else:
            document.pop("version", None)
        if not document.get("tags"):
            document.pop("tags", None)
        return document

    def integration_to_json(self: Any) -> dict[str, Any]:
        document = integration_json(self)
        if getattr(self, "connection_id", None):
            document["connectionId"] = self.connection_id
        return document

    def method_to_json(self: Any) -> dict[str, Any]:
        document = method_json(self)
        if not document.get("methodResponses"):
            document.pop("methodResponses", None)
        return document

    def integration_response_to_json(self: Any) -> dict[str, Any]:
        document: dict[str, Any] = {"statusCode": self.status_code}
        if self.response_templates is not None:
            document["responseTemplates"] = self.response_templates
        if self.selection_pattern is not None:
            document["selectionPattern"] = self.selection_pattern
        if self.content_handling:
            document["contentHandling"] = self.content_handling
        if self.response_parameters:
            document["responseParameters"] = self.response_parameters
        return document

    def method_response_to_json(self: Any) -> dict[str, Any]:
        return {key: value for key, value in response_json(self).items() if value is not None}

    Method.to_json = method_to_json  # type: ignore[method-assign]
    IntegrationResponse.to_json = integration_response_to_json  # type: ignore[method-assign]
    MethodResponse.to_json = method_response_to_json  # type: ignore[method-assign]
    Integration.to_json = integration_to_json  # type: ignore[method-assign]
    RestAPI.to_dict = rest_api_to_dict  # type: ignore[method-assign]
    setattr(Method, _PATCHED, True)


_INTEGRATION = (r"^/restapis/(?P<api>[^/]+)/resources/(?P<resource>[^/]+)/methods/(?P<verb>[^/]+)"
                r"/integration")
_ROUTE = re.compile(_INTEGRATION + r"/responses/(?P<status>[^/]+)/?$")


def _method(exchange: Exchange) -> Any:
    try:
        api = apigateway_backends[exchange.account][exchange.region].apis[exchange.params["api"]]
        return api.resources[exchange.params["resource"]].resource_methods[exchange.params["verb"]]
    except KeyError:
        return None


def _keep_connection_id(exchange: Exchange) -> None:
    """PutIntegration, after moto: store the `connectionId` moto dropped, and show it."""
    connection = request_dict(exchange).get("connectionId")
    method = _method(exchange)
    if not connection or method is None or method.method_integration is None:
        return
    method.method_integration.connection_id = str(connection)
    assert exchange.answer is not None
    try:
        document = json.loads(exchange.answer.body)
    except ValueError:
        return
    if isinstance(document, dict):
        document["connectionId"] = str(connection)
        exchange.answer = exchange.answer._replace(body=json.dumps(document).encode())


def _templates_as_given(exchange: Exchange) -> None:
    """PutIntegrationResponse, after moto: no `responseTemplates` unless the request gave some (moto stores `{}`)."""
    if "responseTemplates" in request_dict(exchange):
        return
    method = _method(exchange)
    try:
        found = method.method_integration.integration_responses[exchange.params["status"]]
    except (KeyError, AttributeError, TypeError):
        return
    found.response_templates = None
    assert exchange.answer is not None
    exchange.answer = exchange.answer._replace(body=json.dumps(found.to_json()).encode())


def _keep_version(exchange: Exchange) -> None:
    """CreateRestApi, after moto: store the `version` moto dropped, and show it."""
    version = request_dict(exchange).get("version")
    assert exchange.answer is not None
    try:
        api_id = json.loads(exchange.answer.body).get("id")
        api = apigateway_backends[exchange.account][exchange.region].apis[api_id]
    except (ValueError, AttributeError, KeyError):
        return
    if isinstance(version, str) and version:
        setattr(api, _VERSION, version)
        exchange.answer = exchange.answer._replace(body=json.dumps(api.to_dict()).encode())


def integration_response_shapes() -> tuple[Correction, ...]:
    return (Correction("POST", re.compile(r"^/restapis/?$"), after=_keep_version),
            Correction("PUT", _ROUTE, after=_templates_as_given),
            Correction("PUT", re.compile(_INTEGRATION + r"/?$"), after=_keep_connection_id))
