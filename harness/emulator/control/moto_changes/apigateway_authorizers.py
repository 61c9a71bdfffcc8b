"""moto's API Gateway authorizers, where they are not AWS's: CreateAuthorizer drops `identityValidationExpression`
(moto passes it on as `identiy_validation_expression`, a name its Authorizer does not read), so GetAuthorizer
never shows it and the data plane could not apply it. Patched once, by `change_moto()`.
Left out: UpdateAuthorizer's `/providerARNs` patches (moto refuses them).
"""
from __future__ import annotations

from typing import Any

from moto.apigateway.models import Authorizer

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
