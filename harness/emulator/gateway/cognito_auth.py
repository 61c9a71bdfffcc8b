"""Step: COGNITO_USER_POOLS authorization — the token in the authorizer's identity source (the `Authorization`
header by default) must be a token of one of the authorizer's user pools (the stack's cognito-idp, moto's).

As AWS documents it ("Control access to REST APIs using Amazon Cognito user pools as an authorizer"): the token's
RS256 signature verified with the pool's public keys, its issuer one of the `providerARNs` pools, not expired,
issued to an app client of the pool; a method without authorization scopes takes an ID token, a method with
scopes an access token whose `scope` holds one of them. Anything else is 401 {"message": "Unauthorized"}
before the integration. The claims reach the integration as `requestContext.authorizer.claims`, every value a
string, `exp` and `iat` in Java's date form (`Thu Dec 03 06:10:51 UTC 2026`) as API Gateway shows them [I].
A leading `Bearer ` is accepted [I].
Execution log: `Extended Request Id: <id>` first (AWS writes it first for every request, authorizers before the
usage plan lines), then for a refused token `Unauthorized request: <requestId>` (AWS's line for an unauthorized
request, knowledge center "How can I use API Gateway logs for troubleshooting?"; for Cognito [I]); an accepted token
adds no line of its own [I]. Left out: token revocation (GlobalSignOut), the pool's key rotation.
"""
from __future__ import annotations

import base64
import functools
import json
import time
from typing import Any, Callable

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from ..snapshots import UserPoolKeys
from . import gateway_responses
from .context import InvocationContext
from .execution_log import java_date
from .gateway_responses import GatewayError


@functools.lru_cache(maxsize=16)
def _key_set(jwks_text: str) -> KeySet:
    return KeySet.import_key_set(json.loads(jwks_text))


def _claim_text(name: str, value: Any) -> str:
    if name in ("exp", "iat") and isinstance(value, (int, float)):
        return java_date(int(value) * 1000)
    if isinstance(value, list):
        return "[" + " ".join(str(v) for v in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class CognitoAuthorizer:
    """`step(ctx)`: the chain step for methods whose authorizationType is COGNITO_USER_POOLS."""

    def __init__(self, user_pool_keys: Callable[[str], UserPoolKeys | None]) -> None:
        self._pool = user_pool_keys

    def step(self, ctx: InvocationContext) -> GatewayError | None:
        method = ctx.method
        assert method is not None
        if ctx.test_invoke or method.authorization_type != "COGNITO_USER_POOLS":
            return None
        auth = method.authorizer
        ctx.log.add(f"Extended Request Id: {ctx.extended_request_id}")
        ctx.extended_id_logged = True
        if auth is None:
            return gateway_responses.authorizer_configuration_error(
                "Execution failed due to configuration error: no authorizer for a COGNITO_USER_POOLS method")
        source = (auth.identity_source or "method.request.header.Authorization").split(",")[0].strip()
        header = source[len("method.request.header."):] if source.startswith("method.request.header.") else "Authorization"
        token = (ctx.header(header) or "").strip()
        if token[:7].lower() == "bearer ":
            token = token[7:].strip()
        claims = self._verified(token, auth.provider_arns, method.authorization_scopes) if token else None
        if claims is None:
            ctx.log.add(f"Unauthorized request: {ctx.request_id}")
            return gateway_responses.unauthorized()
        ctx.authorizer = {"claims": {k: _claim_text(k, v) for k, v in claims.items()}}
        return None

    def _verified(self, token: str, pool_arns: tuple[str, ...], scopes: tuple[str, ...]) -> dict[str, Any] | None:
        """The token's claims when it is valid for one of the pools and the method's scopes, else None."""
        try:
            unverified = json.loads(_b64(token.split(".")[1]))
        except (IndexError, ValueError):
            return None
        if not isinstance(unverified, dict):
            return None
        pool = next((p for p in map(self._pool, pool_arns) if p is not None and p.issuer == unverified.get("iss")), None)
        if pool is None:
            return None
        try:
            decoded = jwt.decode(token, _key_set(json.dumps(dict(pool.jwks), sort_keys=True)), algorithms=["RS256"])
        except (JoseError, ValueError):
            return None
        claims = dict(decoded.claims)
        if not isinstance(claims.get("exp"), (int, float)) or claims["exp"] <= time.time():
            return None
        use = claims.get("token_use")
        if scopes:
            granted = str(claims.get("scope") or "").split()
            if use != "access" or not any(s in granted for s in scopes):
                return None
            client = claims.get("client_id")
        else:
            if use != "id":
                return None
            client = claims.get("aud")
        return claims if client in pool.client_ids else None


def _b64(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
