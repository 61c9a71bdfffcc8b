"""Step: AWS_IAM authorization — a Signature Version 4 request signed with an IAM user's access key of the stack
(moto's IAM), whose identity-based policies allow `execute-api:Invoke` on the method ARN.

AWS's answers ("Control access to a REST API with IAM permissions"; the SigV4 error wording of AWS services):
no `Authorization` header: 403 `Missing Authentication Token` (MissingAuthenticationTokenException); an unknown
access key: 403 `The security token included in the request is invalid.` (UnrecognizedClientException); a
signature that does not match: 403 `The request signature we calculated does not match the signature you
provided. ...` with the canonical string and string to sign (InvalidSignatureException); no Allow (or a Deny)
in the user's policies: 403 `User: <arn> is not authorized to perform: execute-api:Invoke on resource: <method
ARN>` (AccessDeniedException) [I: the resource is shown unmasked]. Allowed: requestContext.identity gains
accessKey, accountId, caller, user and userArn.
Execution log: none for an unsigned request (it is refused before anything runs, as a route that does not exist
[I]); otherwise `Extended Request Id: <id>` first, and for a refused policy `The client is not authorized to perform
this operation.` (NOT_AUTHORIZED).
The signature is computed with botocore's SigV4 signer over the request as received (path as sent, query
string, the signed headers, the body). Left out: temporary credentials (STS, `X-Amz-Security-Token`), presigned
URLs (query-string auth), signature expiry (15 minutes on AWS), resource policies of the API.
"""
from __future__ import annotations

import re
from typing import Callable

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from ..snapshots import IamCaller
from .authorizers import evaluate_policy, method_arn
from .context import InvocationContext
from .gateway_responses import GatewayError, missing_authentication_token

_AUTH = re.compile(r"AWS4-HMAC-SHA256\s+Credential=(?P<key>[^/]+)/(?P<date>\d{8})/(?P<region>[^/]+)/(?P<service>[^/]+)"
                   r"/aws4_request,\s*SignedHeaders=(?P<signed>[^,]+),\s*Signature=(?P<signature>[0-9a-f]+)", re.I)
#: AWS's execution-log line for a caller execute-api:Invoke is refused to (recorded in a real execution log,
#: DataBiosphere/azul#5939, for a resource-policy denial; for identity policies [I]).
NOT_AUTHORIZED = "The client is not authorized to perform this operation."
SIGNATURE_MISMATCH = ("The request signature we calculated does not match the signature you provided. Check your AWS "
                      "Secret Access Key and signing method. Consult the service documentation for details.")


def expected_signature(ctx: InvocationContext, secret: str, key_id: str, region: str, service: str,
                       signed: list[str]) -> tuple[str, str, str]:
    """(signature, canonical request, string to sign) of the request as received, for these credentials."""
    headers = {}
    for name in signed:
        values = [v for k, v in ctx.headers if k.lower() == name]
        headers[name] = ",".join(v.strip() for v in values)
    query = f"?{ctx.raw_query}" if ctx.raw_query else ""
    request = AWSRequest(method=ctx.http_method, url=f"http://{headers.get('host', 'localhost')}{ctx.raw_path}{query}",
                         headers=headers, data=ctx.body)
    request.context["timestamp"] = headers.get("x-amz-date", "")
    auth = SigV4Auth(Credentials(key_id, secret), service, region)
    canonical = auth.canonical_request(request)
    to_sign = auth.string_to_sign(request, canonical)
    return auth.signature(to_sign, request), canonical, to_sign


class IamAuthorizer:
    """`step(ctx)`: the chain step for methods whose authorizationType is AWS_IAM."""

    def __init__(self, iam_caller: Callable[[str], IamCaller | None]) -> None:
        self._caller = iam_caller

    def step(self, ctx: InvocationContext) -> GatewayError | None:
        method = ctx.method
        assert method is not None
        if ctx.test_invoke or method.authorization_type != "AWS_IAM":
            return None
        header = ctx.header("Authorization") or ""
        m = _AUTH.match(header.strip())
        if m is None:
            return missing_authentication_token()
        ctx.log.add(f"Extended Request Id: {ctx.extended_request_id}")
        ctx.extended_id_logged = True
        caller = self._caller(m.group("key"))
        if caller is None:
            return GatewayError(403, "The security token included in the request is invalid.",
                                "UnrecognizedClientException", response_type="UNAUTHORIZED")
        signed = [h.strip().lower() for h in m.group("signed").split(";") if h.strip()]
        signature, canonical, to_sign = expected_signature(
            ctx, caller.secret, caller.access_key_id, m.group("region"), m.group("service"), signed)
        if signature != m.group("signature").lower():
            message = (f"{SIGNATURE_MISMATCH}\n\nThe Canonical String for this request should have been\n'{canonical}'"
                       f"\n\nThe String-to-Sign should have been\n'{to_sign}'\n")
            return GatewayError(403, message, "InvalidSignatureException", response_type="INVALID_SIGNATURE")
        arn = method_arn(ctx)
        if evaluate_policy(tuple(caller.statements), arn) != "allow":
            ctx.log.add(NOT_AUTHORIZED)
            return GatewayError(403, f"User: {caller.arn} is not authorized to perform: execute-api:Invoke on resource: "
                                f"{arn}", "AccessDeniedException", response_type="ACCESS_DENIED")
        ctx.iam_statements = tuple(caller.statements)
        ctx.iam_identity = {"accessKey": caller.access_key_id, "accountId": caller.account_id,
                            "caller": caller.user_id, "user": caller.user_id, "userArn": caller.arn}
        return None
