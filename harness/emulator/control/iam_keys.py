"""What the gateway needs of IAM (moto's) to authorize an `AWS_IAM` method: the secret of an access key and
the identity-based policy statements of its user (inline and attached policies, the user's and its groups');
and, for an integration's `credentials` role, the role's trust policy and permission statements.
Left out: roles' temporary credentials (STS), permission boundaries, SCPs, resource policies of the API.
"""
from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote

from moto.iam.models import iam_backends

from ..snapshots import IamCaller, RolePolicies


def _statements(document: Any) -> list[dict[str, Any]]:
    if isinstance(document, str):
        try:
            document = json.loads(unquote(document) if document.startswith("%7B") else document)
        except ValueError:
            return []
    if not isinstance(document, dict):
        return []
    found = document.get("Statement") or []
    found = [found] if isinstance(found, dict) else found
    return [s for s in found if isinstance(s, dict)]


def _managed(policy: Any) -> list[dict[str, Any]]:
    document = getattr(policy, "document", None)
    if document is None:
        versions = getattr(policy, "versions", None) or []
        current = next((v for v in versions if getattr(v, "is_default", False)), None)
        document = getattr(current, "document", None)
    return _statements(document)


def iam_caller(access_key_id: str) -> IamCaller | None:
    """The IAM user an access key belongs to, with its secret and policy statements (None: unknown key)."""
    for account_id, partitions in list(iam_backends.items()):
        for backend in list(partitions.values()):
            key = backend.access_keys.get(access_key_id)
            if key is None or getattr(key, "status", "Active") != "Active":
                continue
            user = backend.users.get(getattr(key, "user_name", None) or "")
            if user is None:
                return None
            statements = [s for doc in list(user.policies.values()) for s in _statements(doc)]
            statements += [s for p in list(user.managed_policies.values()) for s in _managed(p)]
            for group in list(backend.groups.values()):
                if user in group.users:
                    statements += [s for doc in list(group.policies.values()) for s in _statements(doc)]
                    statements += [s for p in list(group.managed_policies.values()) for s in _managed(p)]
            return IamCaller(access_key_id=access_key_id, secret=key.secret_access_key, arn=user.arn,
                             account_id=account_id, user_id=user.id, statements=tuple(statements))
    return None


def role_policies(role_arn: str) -> RolePolicies | None:
    """The role an ARN names (`arn:aws:iam::<account>:role/<path/>name`), None when it does not exist."""
    parts = role_arn.split(":", 5)
    if len(parts) < 6 or parts[2] != "iam" or not parts[5].startswith("role/"):
        return None
    account_id = parts[4]
    for backend in list(iam_backends.get(account_id, {}).values()):
        role = next((r for r in list(backend.roles.values()) if r.arn == role_arn), None)
        if role is None:
            continue
        statements = [s for doc in list(role.policies.values()) for s in _statements(doc)]
        statements += [s for p in list(role.managed_policies.values()) for s in _managed(p)]
        return RolePolicies(arn=role.arn, name=role.name, account_id=account_id,
                            trust_statements=tuple(_statements(role.assume_role_policy_document)),
                            statements=tuple(statements))
    return None
