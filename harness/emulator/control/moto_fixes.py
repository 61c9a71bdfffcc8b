"""Bugs in moto's request handling that a user of the stack would hit, fixed where they are (applied once, when
`control` is imported; each fix leaves moto's behaviour alone wherever it was already right).

- RemovePermission reads its `RevisionId` query parameter as moto's list of values and compares that list with
  the policy's revision, so passing any RevisionId answered PreconditionFailedException.
Left out: anything the HTTP-level fix-ups (`fixups.py`) already cover.
"""
from __future__ import annotations

from typing import Any


def fix_moto() -> None:
    from moto.awslambda.responses import LambdaResponse

    if not getattr(LambdaResponse.remove_permission, "_harness", False):
        LambdaResponse.remove_permission = _revision_as_text(LambdaResponse.remove_permission)


def _revision_as_text(original: Any) -> Any:
    def remove_permission(self: Any) -> Any:
        revision = self.querystring.get("RevisionId")
        if isinstance(revision, list):
            self.querystring["RevisionId"] = revision[0] if revision else ""
        return original(self)

    remove_permission._harness = True  # type: ignore[attr-defined]
    return remove_permission
