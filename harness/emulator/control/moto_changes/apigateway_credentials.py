"""PutIntegration with `credentials` `arn:aws:iam::*:user/*`: AWS takes it ("to require that the caller's identity
be passed through from the request", API reference PutIntegration `credentials`); moto refuses every credentials
ARN outside the API's account (`Cross-account pass role is not allowed.`), this one included. Here it is accepted and
kept as given; any other ARN still goes through moto's check.
"""
from __future__ import annotations

from typing import Any

from moto.apigateway.models import APIGatewayBackend

PASSTHROUGH = "arn:aws:iam::*:user/*"
_PATCHED = "_harness_caller_credentials"


def accept_caller_credentials() -> None:
    """Let PutIntegration keep the caller-credentials marker (idempotent)."""
    if getattr(APIGatewayBackend.put_integration, _PATCHED, False):
        return
    original = APIGatewayBackend.put_integration

    def put_integration(self: Any, *args: Any, **kwargs: Any) -> Any:
        if kwargs.get("credentials") != PASSTHROUGH:
            return original(self, *args, **kwargs)
        kwargs["credentials"] = None
        integration = original(self, *args, **kwargs)
        integration.credentials = PASSTHROUGH
        return integration

    setattr(put_integration, _PATCHED, True)
    APIGatewayBackend.put_integration = put_integration  # type: ignore[method-assign]
