"""moto's API Gateway method models, where they are not AWS's (patched once, by `change_moto()`):
- CreateAuthorizer drops `identityValidationExpression` (moto passes it on as `identiy_validation_expression`, a
  name its Authorizer does not read), so GetAuthorizer never shows it and the data plane could not apply it;
- GetMethodResponse of a status code the method lacks crashes moto (500) where AWS answers 404
  NotFoundException `Invalid Response status code specified` (as recorded in LocalStack's snapshots);
- PutMethod with authorizationType CUSTOM or COGNITO_USER_POOLS takes any authorizerId (or none), where AWS answers
  400 `Invalid authorizer ID specified. Setting the authorization type to CUSTOM or COGNITO_USER_POOLS requires a
  valid authorizer.` (LocalStack's `test_apigateway_api` snapshots): refused before moto (`method_corrections`).
Left out: UpdateAuthorizer's `/providerARNs` patches (moto refuses them), UpdateMethod (moto has none).
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from moto.apigateway.exceptions import NoIntegrationResponseDefined
from moto.apigateway.models import APIGatewayBackend, Authorizer

from ...aws_errors import AwsError
from ...front.exchange import Exchange
from .around_moto import Correction, request_dict

if TYPE_CHECKING:
    from ..plane import ControlPlane

INVALID_AUTHORIZER = ("Invalid authorizer ID specified. Setting the authorization type to CUSTOM or COGNITO_USER_POOLS "
                      "requires a valid authorizer.")
_KINDS = {"CUSTOM": ("TOKEN", "REQUEST"), "COGNITO_USER_POOLS": ("COGNITO_USER_POOLS",)}

_PATCHED = "_harness_keeps_validation_expression"


def keep_identity_validation_expression() -> None:
    """Make moto's Authorizer read the misspelt keyword its backend passes (idempotent)."""
    if getattr(Authorizer, _PATCHED, False):
        return
    original = Authorizer.__init__

    def __init__(self: Any, authorizer_id: Any, name: Any, authorizer_type: Any, **kwargs: Any) -> None:
        misspelt = kwargs.pop("identiy_validation_expression", None)
        if misspelt is not None and kwargs.get("identity_validation_expression") is None:
            kwargs["identity_validation_expression"] = misspelt
        original(self, authorizer_id, name, authorizer_type, **kwargs)

    Authorizer.__init__ = __init__  # type: ignore[method-assign]
    setattr(Authorizer, _PATCHED, True)


def refuse_unknown_method_response() -> None:
    """GetMethodResponse of an unknown status code: 404 `Invalid Response status code specified` (idempotent)."""
    if getattr(APIGatewayBackend, _PATCHED, False):
        return
    original = APIGatewayBackend.get_method_response

    def get_method_response(self: Any, function_id: str, resource_id: str, method_type: str,
                            response_code: str) -> Any:
        found = original(self, function_id, resource_id, method_type, response_code)
        if found is None:
            raise NoIntegrationResponseDefined()  # moto's NotFoundException with AWS's message
        return found

    APIGatewayBackend.get_method_response = get_method_response  # type: ignore[method-assign]
    setattr(APIGatewayBackend, _PATCHED, True)


def method_corrections(control: ControlPlane) -> tuple[Correction, ...]:
    """PutMethod refuses a CUSTOM / COGNITO_USER_POOLS method without a valid authorizer of the matching kind."""

    def check_authorizer(exchange: Exchange) -> None:
        request = request_dict(exchange)
        kind = str(request.get("authorizationType") or "").upper()
        if kind not in _KINDS:
            return
        authorizer_id = request.get("authorizerId")
        found = control.authorizer(exchange.params["api"], str(authorizer_id)) if authorizer_id else None
        if found is None or found.type not in _KINDS[kind]:
            raise AwsError(400, "BadRequestException", INVALID_AUTHORIZER)

    return (Correction("PUT", re.compile(r"^/restapis/(?P<api>[^/]+)/resources/(?P<resource>[^/]+)/methods/(?P<verb>[^/]+)/?$"),
                       before=check_authorizer),)
