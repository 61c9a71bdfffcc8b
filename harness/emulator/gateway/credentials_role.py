"""An integration's `credentials` role, as API Gateway uses it to call AWS services and Lambda.

AWS ("API Gateway permissions", "Tutorial: Create a REST API as an Amazon DynamoDB proxy"): API Gateway assumes
the role (session name `BackplaneAssumeRoleSession`, as recorded CloudTrail events and SQS `SenderId`s show) and
calls the backend with the role's credentials:
- the role does not exist, or its trust policy does not let `apigateway.amazonaws.com` call `sts:AssumeRole`:
  500 Internal server error, execution log `Execution failed due to configuration error: API Gateway does not have
  permission to assume the provided role <arn>`;
- the role's policies do not allow the action on the resource: the service itself refuses the call, as it would
  any caller (DynamoDB: 400 `AccessDeniedException`, `User: arn:aws:sts::<account>:assumed-role/<role>/
  BackplaneAssumeRoleSession is not authorized to perform: dynamodb:PutItem on resource: <table ARN> because no
  identity-based policy allows the dynamodb:PutItem action`, wording of IAM's "access denied error messages");
  that answer then selects the integration response like any other. Lambda refusing the invoke is 500
  `Invalid permissions on Lambda function` [I: the same line as a missing resource policy].
Policies are evaluated with iam_policy.py (trust: an Allow for `sts:AssumeRole` whose Principal is `*`, `{"AWS":
"*"}` or names the service `apigateway.amazonaws.com`; a Deny for it wins). Left out: conditions in trust policies
(`aws:SourceArn`...), the role's permission boundary, cross-account roles.
"""
from __future__ import annotations

import json
from typing import Any, Callable, Mapping

from ..snapshots import RolePolicies
from . import gateway_responses
from .context import InvocationContext
from .gateway_responses import GatewayError
from .iam_policy import ALLOW, DENY, decision

SESSION_NAME = "BackplaneAssumeRoleSession"
PASSTHROUGH = "arn:aws:iam::*:user/*"  # "invoke with the caller's credentials" (AWS docs, Integration `credentials`)
SERVICE_PRINCIPAL = "apigateway.amazonaws.com"

RoleLookup = Callable[[str], "RolePolicies | None"]


def _names_service(principal: Any) -> bool:
    if principal == "*":
        return True
    if not isinstance(principal, Mapping):
        return False
    services = principal.get("Service")
    services = services if isinstance(services, list) else [services]
    aws = principal.get("AWS")
    return SERVICE_PRINCIPAL in services or aws == "*" or (isinstance(aws, list) and "*" in aws)


def trusts_api_gateway(role: RolePolicies) -> bool:
    """Does the role's trust policy let API Gateway assume it?"""
    applying = [{**s, "Resource": "*"} for s in role.trust_statements if _names_service(s.get("Principal"))]
    return decision(applying, "sts:AssumeRole", "*") == ALLOW  # a trust policy names no resource


def assumed_role_arn(role: RolePolicies) -> str:
    """Who the service sees: the assumed role's session, or the caller itself (credentials passthrough)."""
    if ":user/" in role.arn:
        return role.arn
    return f"arn:aws:sts::{role.account_id}:assumed-role/{role.name}/{SESSION_NAME}"


def access_denied_message(role: RolePolicies, action: str, resource: str, verdict: str) -> str:
    """IAM's wording for a call the role's identity policies refuse."""
    why = "with an explicit deny in an identity-based policy" if verdict == DENY \
        else f"because no identity-based policy allows the {action} action"
    return f"User: {assumed_role_arn(role)} is not authorized to perform: {action} on resource: {resource} {why}"


def assume(lookup: RoleLookup, role_arn: str, ctx: InvocationContext | None = None) -> RolePolicies | GatewayError:
    """The role API Gateway may assume, or the 500 AWS answers when it may not. `arn:aws:iam::*:user/*` passes the
    caller's own credentials: the AWS_IAM caller's policies then decide (without an AWS_IAM caller: 500 [I])."""
    if role_arn == PASSTHROUGH:
        identity = ctx.iam_identity if ctx is not None else None
        if not identity or ctx is None or ctx.iam_statements is None:
            return gateway_responses.cannot_assume_role(role_arn)
        return RolePolicies(arn=identity["userArn"], name=identity["user"], account_id=identity["accountId"],
                            statements=ctx.iam_statements)
    role = lookup(role_arn)
    if role is None or not trusts_api_gateway(role):
        return gateway_responses.cannot_assume_role(role_arn)
    return role


def dynamodb_resources(region: str, account_id: str, body: bytes) -> list[str]:
    """The table ARNs a DynamoDB action's request names (`TableName`, `RequestItems`, `TransactItems`), else all
    tables (`table/*`, as ListTables is authorized)."""
    def table(name: Any) -> str:
        return f"arn:aws:dynamodb:{region}:{account_id}:table/{name}"
    try:
        request = json.loads(body or b"{}")
    except ValueError:
        request = None
    if not isinstance(request, dict):
        return [table("*")]
    names: list[Any] = []
    if isinstance(request.get("TableName"), str):
        names.append(request["TableName"])
    if isinstance(request.get("RequestItems"), dict):
        names += list(request["RequestItems"])
    transact = request.get("TransactItems")
    for item in transact if isinstance(transact, list) else []:
        if isinstance(item, dict):
            names += [op["TableName"] for op in item.values() if isinstance(op, dict) and isinstance(op.get("TableName"), str)]
    return [table(n) for n in dict.fromkeys(names)] or [table("*")]


def refusal(role: RolePolicies, action: str, resources: list[str]) -> str | None:
    """The access-denied message for the first resource the role may not act on (None: all allowed)."""
    for resource in resources:
        verdict = decision(role.statements, action, resource)
        if verdict != ALLOW:
            return access_denied_message(role, action, resource, verdict)
    return None


def may_invoke(lookup: RoleLookup, role_arn: str, function_arn: str,
               ctx: InvocationContext | None = None) -> GatewayError | None:
    """Lambda integrations with a `credentials` role: the role must be assumable and allow lambda:InvokeFunction on
    the function (its qualified ARN when the integration names a version or alias)."""
    role = assume(lookup, role_arn, ctx)
    if isinstance(role, GatewayError):
        return role
    if refusal(role, "lambda:InvokeFunction", [function_arn]) is not None:
        return gateway_responses.invalid_permissions()
    return None
