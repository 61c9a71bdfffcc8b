"""moto's API Gateway method models, where they are not AWS's (patched once, by `change_moto()`):
- CreateAuthorizer drops `identityValidationExpression` (moto passes it on as `identiy_validation_expression`, a
  name its Authorizer does not read), so GetAuthorizer never shows it and the data plane could not apply it;
- GetMethodResponse of a status code the method lacks crashes moto (500) where AWS answers 404
  NotFoundException `Invalid Response status code specified` (as recorded in LocalStack's snapshots).
Left out: UpdateAuthorizer's `/providerARNs` patches (moto refuses them), UpdateMethod (moto has none).
"""
from __future__ import annotations

from typing import Any

from moto.apigateway.exceptions import NoIntegrationResponseDefined
from moto.apigateway.models import APIGatewayBackend, Authorizer

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
