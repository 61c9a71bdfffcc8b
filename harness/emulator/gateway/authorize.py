"""Step: does the function's resource-based policy let API Gateway invoke it for this source ARN?

The check Lambda makes when API Gateway calls Invoke: some statement must Allow `lambda:InvokeFunction`
(or `lambda:*` / `*`, wildcards allowed) to principal service `apigateway.amazonaws.com` (or `*`) on the
invoked function ARN, with every condition satisfied; an applicable Deny wins. Conditions understood:
`ArnLike`/`ArnEquals`/`ArnNotLike`/`ArnNotEquals` (ARN-aware: each of the six colon parts matched
separately), `StringEquals`/`StringNotEquals`/`StringEqualsIgnoreCase`/`StringLike`/`StringNotLike`,
any of them with `IfExists`, on the keys `aws:SourceArn` and `aws:SourceAccount` (key case ignored).

Statements are read in moto's shape (moto/awslambda/policy.py): `Principal` as `{"Service": ...}` or a
string, `Condition: {"ArnLike": {"AWS:SourceArn": ...}}`, `Resource` the function ARN (`:qualifier` for a
qualified permission). Left out: `NotPrincipal`/`NotAction`/`NotResource` (such statements never apply),
identity-based IAM policies (API Gateway's role is not consulted for AWS_PROXY without credentials),
`ForAnyValue:`/`ForAllValues:` and other condition keys (a condition we cannot evaluate is not satisfied).
"""
from __future__ import annotations

import functools
import re
from typing import Any, Iterable, Mapping

from . import gateway_responses
from .context import InvocationContext
from .gateway_responses import GatewayError

SERVICE_PRINCIPAL = "apigateway.amazonaws.com"
INVOKE_ACTION = "lambda:InvokeFunction"


@functools.lru_cache(maxsize=4096)
def _glob(pattern: str, ignore_case: bool = False) -> re.Pattern[str]:
    """`*` any run of characters, `?` exactly one; everything else literal."""
    regex = "".join(".*" if ch == "*" else "." if ch == "?" else re.escape(ch) for ch in pattern)
    return re.compile(regex, re.S | (re.I if ignore_case else 0))


def string_like(pattern: str, value: str, ignore_case: bool = False) -> bool:
    return _glob(pattern, ignore_case).fullmatch(value) is not None


def arn_like(pattern: str, arn: str) -> bool:
    """IAM ArnLike: the six colon-separated parts matched one by one, case-sensitive, `*` and `?` wildcards.

    A pattern with fewer than six parts is not an ARN and matches nothing, except `*` which matches all.
    """
    p_parts = pattern.split(":", 5)
    if len(p_parts) < 6:
        return pattern == "*"
    a_parts = arn.split(":", 5)
    if len(a_parts) < 6:
        return False
    return all(string_like(p, a) for p, a in zip(p_parts, a_parts))


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _principal_matches(principal: Any) -> bool:
    if principal == "*" or principal == SERVICE_PRINCIPAL:
        return True
    if isinstance(principal, Mapping):
        if SERVICE_PRINCIPAL in _as_list(principal.get("Service")):
            return True
        return "*" in _as_list(principal.get("AWS"))
    return False


def _action_matches(action: Any) -> bool:
    return any(isinstance(a, str) and string_like(a, INVOKE_ACTION, ignore_case=True) for a in _as_list(action))


def _resource_matches(resource: Any, function_arns: Iterable[str]) -> bool:
    if resource is None:
        return True
    patterns = [r for r in _as_list(resource) if isinstance(r, str)]
    return any(arn_like(p, arn) for p in patterns for arn in function_arns)


_OPERATORS = {
    "stringequals": lambda want, have: want == have,
    "stringnotequals": lambda want, have: want != have,
    "stringequalsignorecase": lambda want, have: want.lower() == have.lower(),
    "stringlike": lambda want, have: string_like(want, have),
    "stringnotlike": lambda want, have: not string_like(want, have),
    "arnequals": arn_like,
    "arnlike": arn_like,
    "arnnotequals": lambda want, have: not arn_like(want, have),
    "arnnotlike": lambda want, have: not arn_like(want, have),
}


def _conditions_hold(condition: Any, context_keys: Mapping[str, str]) -> bool:
    if condition is None:
        return True
    if not isinstance(condition, Mapping):
        return False
    for operator, block in condition.items():
        name = str(operator).lower()
        if_exists = name.endswith("ifexists")
        test = _OPERATORS.get(name[: -len("ifexists")] if if_exists else name)
        if test is None or not isinstance(block, Mapping):
            return False
        negated = name.startswith(("stringnot", "arnnot"))
        for key, wanted in block.items():
            have = context_keys.get(str(key).lower())
            if have is None:
                if if_exists:
                    continue
                return False
            values = [str(w) for w in _as_list(wanted)]
            ok = all(test(w, have) for w in values) if negated else any(test(w, have) for w in values)
            if not ok:
                return False
    return True


def is_invoke_allowed(
    statements: Iterable[Mapping[str, Any]], *, source_arn: str, source_account: str, function_arns: Iterable[str]
) -> bool:
    """True when the statements let API Gateway invoke one of `function_arns` for `source_arn`."""
    keys = {"aws:sourcearn": source_arn, "aws:sourceaccount": source_account}
    arns = tuple(function_arns)
    allowed = False
    for st in statements:
        if not isinstance(st, Mapping) or any(k in st for k in ("NotPrincipal", "NotAction", "NotResource")):
            continue
        if not (_principal_matches(st.get("Principal")) and _action_matches(st.get("Action"))
                and _resource_matches(st.get("Resource"), arns) and _conditions_hold(st.get("Condition"), keys)):
            continue
        effect = st.get("Effect", "Allow")
        if effect == "Deny":
            return False
        if effect == "Allow":
            allowed = True
    return allowed


def execute_api_source_arn(region: str, account_id: str, api_id: str, stage: str, verb: str, resource_path: str) -> str:
    """`arn:aws:execute-api:{region}:{account}:{api}/{stage}/{VERB}/{resourcePath without leading /}`."""
    return f"arn:aws:execute-api:{region}:{account_id}:{api_id}/{stage}/{verb}/{resource_path.lstrip('/')}"


def invoked_arns(function_arn: str, qualifier: str | None) -> tuple[str, ...]:
    """The ARN(s) a permission's Resource must match: `$LATEST` counts as the unqualified function."""
    if qualifier and qualifier != "$LATEST":
        return (f"{function_arn}:{qualifier}",)
    return (function_arn, f"{function_arn}:$LATEST")


def check_permission(ctx: InvocationContext, statements: list[dict[str, Any]]) -> GatewayError | None:
    """500 `Invalid permissions on Lambda function` unless the policy allows this invocation."""
    assert ctx.function is not None and ctx.deployed is not None
    allowed = is_invoke_allowed(
        statements,
        source_arn=ctx.source_arn,
        source_account=ctx.deployed.account_id,
        function_arns=invoked_arns(ctx.function.arn, ctx.qualifier),
    )
    return None if allowed else gateway_responses.invalid_permissions()
