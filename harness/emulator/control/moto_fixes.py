"""Bugs in moto's request handling that a user of the stack would hit, fixed where they are (applied once, when
`control` is imported; each fix leaves moto's behaviour alone wherever it was already right).

- RemovePermission reads its `RevisionId` query parameter as moto's list of values and compares that list with
  the policy's revision, so passing any RevisionId answered PreconditionFailedException.
- UpdateItem arithmetic (`SET n = n + :v`, `ADD n :v`) keeps Python's `Decimal` text (`1.5 + 1.5` is `3.0`);
  DynamoDB stores numbers in its own form (`3`), as the stack's front does for the numbers it is sent.
Left out: anything the HTTP-level fix-ups (`fixups.py`) already cover.
"""
from __future__ import annotations

from typing import Any


def fix_moto() -> None:
    from moto.awslambda.responses import LambdaResponse
    from moto.dynamodb.models.dynamo_type import DynamoType

    if not getattr(LambdaResponse.remove_permission, "_harness", False):
        LambdaResponse.remove_permission = _revision_as_text(LambdaResponse.remove_permission)
    for name in ("__add__", "__sub__"):
        if not getattr(getattr(DynamoType, name), "_harness", False):
            setattr(DynamoType, name, _number_in_dynamodb_form(getattr(DynamoType, name)))


def _number_in_dynamodb_form(original: Any) -> Any:
    from ..dynamodb_checks import ValueRefused, canonical_number

    def arithmetic(self: Any, other: Any) -> Any:
        result = original(self, other)
        if getattr(result, "type", None) == "N":
            try:
                form = canonical_number(result.value)
            except ValueRefused:  # out of DynamoDB's range: moto's text is kept
                form = None
            if form is not None:
                result.value = form
        return result

    arithmetic._harness = True  # type: ignore[attr-defined]
    return arithmetic


def _revision_as_text(original: Any) -> Any:
    def remove_permission(self: Any) -> Any:
        revision = self.querystring.get("RevisionId")
        if isinstance(revision, list):
            self.querystring["RevisionId"] = revision[0] if revision else ""
        return original(self)

    remove_permission._harness = True  # type: ignore[attr-defined]
    return remove_permission
