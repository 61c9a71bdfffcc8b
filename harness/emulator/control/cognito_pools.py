"""What the gateway needs of a Cognito user pool (moto's cognito-idp) to verify its tokens: the issuer, the
public signing keys (moto signs every pool's tokens with one RSA key, published as its JWKS) and the app client
ids. Left out: pools in other accounts than the API's (looked up by the region and account of the pool ARN).
"""
from __future__ import annotations

from typing import Any

from moto.cognitoidp.models import cognitoidp_backends
from moto.utilities.utils import load_resource

from ..snapshots import UserPoolKeys

_PUBLIC_KEYS: list[Any] = []


def _public_jwks() -> dict[str, Any]:
    if not _PUBLIC_KEYS:
        _PUBLIC_KEYS.append(load_resource("cognitoidp/resources/jwks-public.json"))
    return dict(_PUBLIC_KEYS[0])


def user_pool_keys(pool_arn: str) -> UserPoolKeys | None:
    """The pool an ARN names (`arn:aws:cognito-idp:{region}:{account}:userpool/{id}`), or None when it is gone."""
    parts = pool_arn.split(":")
    if len(parts) < 6 or not parts[5].startswith("userpool/"):
        return None
    region, account_id, pool_id = parts[3], parts[4], parts[5][len("userpool/"):]
    try:
        pool = cognitoidp_backends[account_id][region].user_pools.get(pool_id)
    except Exception:  # an account or region moto refuses
        return None
    if pool is None:
        return None
    return UserPoolKeys(issuer=f"https://cognito-idp.{region}.amazonaws.com/{pool_id}", jwks=_public_jwks(),
                        client_ids=frozenset(pool.clients))
