"""S3 bucket policies as moto enforces them, without its worst error: moto evaluates no `Condition`, so a
conditional Deny denied every request (the usual "deny unless aws:SecureTransport" statement, which SAM CLI's
managed bucket for `sam deploy --resolve-s3` carries, made every upload 403). Here a statement with a
`Condition` is left out of the evaluation; the others are moto's (a Deny without a condition still denies).
Left out: evaluating conditions (AWS's condition keys and operators), so a conditional Allow grants nothing
either (requests to the stack are not checked against IAM, so it is not needed for them to pass).
"""
from __future__ import annotations

import json
from typing import Any


def _statements_without_conditions(policy: bytes) -> tuple[dict[str, Any], list[Any]] | None:
    """The policy document and its statements that carry no Condition; None when it is not a JSON policy."""
    try:
        document = json.loads(policy)
    except ValueError:
        return None
    statements = document.get("Statement") if isinstance(document, dict) else None
    if isinstance(statements, dict):
        statements = [statements]
    if not isinstance(statements, list):
        return None
    return document, [s for s in statements if isinstance(s, dict) and "Condition" not in s]


def evaluate_bucket_policies_without_conditions() -> None:
    """Patch moto's bucket permission check (idempotent)."""
    from moto.s3.models import FakeBucket

    original = FakeBucket.get_permission
    if getattr(original, "_harness", False):
        return

    def get_permission(self: Any, action: str, resource: str) -> Any:
        from moto.iam.access_control import IAMPolicy, PermissionResult

        parsed = _statements_without_conditions(self.policy) if self.policy is not None else None
        if parsed is None:
            return original(self, action, resource)
        document, kept = parsed
        if not kept:
            return PermissionResult.NEUTRAL
        return IAMPolicy(json.dumps({**document, "Statement": kept})).is_action_permitted(action, resource)

    get_permission._harness = True  # type: ignore[attr-defined]
    FakeBucket.get_permission = get_permission  # type: ignore[method-assign]
