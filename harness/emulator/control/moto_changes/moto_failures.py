"""What a call is answered when moto fails on it (an exception inside moto's handler).

Such a call passed the model validation (front/model_validation.py), so what is left is mostly what moto does not
check before using: an id it looks up without asking (a KeyError), a value it reads in a form it assumes. AWS
refuses those as the client's mistake, so the stack does too, in the service's words, and logs moto's traceback
for whoever maintains the stack:
- a lookup that failed: 404, API Gateway's `NotFoundException` "Invalid <Entity> identifier specified" (the
  entity named from the operation: GetRequestValidator -> "Invalid Request Validator identifier specified", as
  AWS words it in LocalStack's recorded answers, test_apigateway_api.snapshot.json), Lambda's
  `ResourceNotFoundException` "The resource you requested does not exist." (recorded, test_lambda_api.snapshot.json);
- anything else: 400, API Gateway's `BadRequestException` / Lambda's `InvalidParameterValueException`, naming
  what moto could not read.
The other services the model validation checks (their calls passed it too) are answered the same way, in their
own codes: a failed lookup is IAM's 404 `NoSuchEntity`, CloudWatch Logs' and Cognito's 400
`ResourceNotFoundException`, STS's and CloudFormation's 400 `ValidationError`; anything else the query services'
400 `InvalidParameterValue` or the JSON services' 400 `InvalidParameterException` [I: the codes are the services'
documented ones; the sentences ours]. An operation moto does not implement (its NotImplementedError), of any
service, is 501 `NotImplemented` naming it: not the client's mistake, not a crash (the code S3 gives for what it
does not implement).
Left out: the services not checked (moto's answers stand; a failure there is the front's 500).
"""
from __future__ import annotations

import logging
import re

from ...aws_errors import AwsError
from ...front.exchange import APIGATEWAY, LAMBDA, Exchange

#: service (as signed) -> (status and code of a failed lookup, code of any other failure), all 400 but IAM's 404.
OTHER_SERVICES = {
    "iam": (404, "NoSuchEntity", "InvalidParameterValue"),
    "sts": (400, "ValidationError", "InvalidParameterValue"),
    "cloudformation": (400, "ValidationError", "InvalidParameterValue"),
    "logs": (400, "ResourceNotFoundException", "InvalidParameterException"),
    "cognito-idp": (400, "ResourceNotFoundException", "InvalidParameterException"),
}

log = logging.getLogger(__name__)

_VERB = re.compile(r"^(Get|Update|Delete|Put|Create|TestInvoke|Flush|Import|Tag|Untag|Generate|List)")
_WORD = re.compile(r"[A-Z][a-z0-9]*|[A-Z]+(?=[A-Z][a-z]|$)")


def entity_words(operation: str) -> str:
    """`GetRequestValidator` -> `Request Validator`; `DeleteUsagePlanKey` -> `Usage Plan Key`."""
    rest = _VERB.sub("", operation) or operation
    return " ".join(_WORD.findall(rest)) or rest


def moto_failed(exchange: Exchange, error: Exception) -> AwsError | None:
    """The refusal a call moto failed on is answered with (None: a service not handled here)."""
    protocol = exchange.protocol
    if isinstance(error, NotImplementedError):
        log.info("moto does not implement %s %s: %s", exchange.method, exchange.path, error)
        return AwsError(501, "NotImplemented", f"The stack does not emulate this operation: {_said(error)}")
    if protocol not in (LAMBDA, APIGATEWAY):
        scope = exchange.scope
        codes = OTHER_SERVICES.get(scope[2]) if scope is not None else None
        if codes is None:
            return None
        log.warning("moto failed on %s %s; answered as the client's mistake", scope[2], exchange.path, exc_info=error)
        if isinstance(error, LookupError):
            return AwsError(codes[0], codes[1], f"The resource you requested does not exist: {_said(error)}")
        return AwsError(400, codes[2], f"Invalid request input: {_said(error)}")
    log.warning("moto failed on %s %s (%s); answered as the client's mistake", exchange.method, exchange.path,
                exchange.operation, exc_info=error)
    lookup = isinstance(error, LookupError)
    if protocol == APIGATEWAY:
        if lookup:
            return AwsError(404, "NotFoundException",
                            f"Invalid {entity_words(exchange.operation or '')} identifier specified")
        return AwsError(400, "BadRequestException", f"Invalid request input: {_said(error)}")
    if lookup:
        return AwsError(404, "ResourceNotFoundException", "The resource you requested does not exist.")
    return AwsError(400, "InvalidParameterValueException", f"Invalid request input: {_said(error)}")


def _said(error: Exception) -> str:
    text = str(error).strip().splitlines()[0] if str(error).strip() else ""
    return (f"{type(error).__name__}: {text}" if text else type(error).__name__)[:200]
