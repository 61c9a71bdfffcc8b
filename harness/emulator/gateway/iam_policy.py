"""IAM policy statements evaluated for one action on one resource (pure; the one evaluator of the gateway).

As IAM's evaluation logic ("Policy evaluation logic", IAM user guide): an explicit Deny that applies wins, else an
Allow that applies, else nothing allows (implicit deny). A statement applies when its `Action` (or every one of its
`NotAction`) matches the action, case-insensitively, and its `Resource` (or none of its `NotResource`) matches the
resource, with `*` and `?` wildcards. Left out: `Condition` blocks (a statement applies whatever its conditions),
`Principal` (identity policies have none), policy variables (`${aws:username}`), permission boundaries and SCPs.
"""
from __future__ import annotations

from typing import Any, Mapping

from .authorize import string_like

ALLOW, DENY, NONE = "allow", "deny", "none"


def _strings(value: Any) -> list[str]:
    values = value if isinstance(value, (list, tuple)) else [value]
    return [v for v in values if isinstance(v, str)]


def _matches(statement: Mapping[str, Any], key: str, value: str, ignore_case: bool) -> bool:
    if key in statement:
        return any(string_like(p, value, ignore_case=ignore_case) for p in _strings(statement[key]))
    negated = "Not" + key
    if negated in statement:
        return not any(string_like(p, value, ignore_case=ignore_case) for p in _strings(statement[negated]))
    return False


def decision(statements: tuple[Mapping[str, Any], ...] | list[Mapping[str, Any]], action: str, resource: str) -> str:
    """`allow`, `deny` (an explicit Deny applies) or `none` (no Allow applies)."""
    allowed = False
    for statement in statements:
        if not (_matches(statement, "Action", action, True) and _matches(statement, "Resource", resource, False)):
            continue
        if statement.get("Effect") == "Deny":
            return DENY
        allowed = True
    return ALLOW if allowed else NONE
