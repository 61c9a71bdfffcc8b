"""Lambda's per-function settings refused as AWS refuses them, before moto takes them:
- PutFunctionConcurrency that leaves the account fewer than 100 unreserved concurrent executions (of its 1,000):
  400 InvalidParameterValueException "Specified ReservedConcurrentExecutions for function decreases account's
  UnreservedConcurrentExecution below its minimum value of [100]." (moto takes any number);
- GetFunctionEventInvokeConfig of a function (or version) without one, or of no function at all: 404
  ResourceNotFoundException "The function <ARN>:<qualifier, $LATEST by default> doesn't have an EventInvokeConfig"
  (moto names the unqualified ARN, and answers "Function not found" for a missing function);
- TagResource, UntagResource and ListTags of a version's or alias's ARN: 400 InvalidParameterValueException "Tags on
  function aliases and versions are not supported. Please specify a function ARN." (before the function is looked
  for; moto answered 404).
Sources: LocalStack's recorded AWS answers, tests/aws/services/lambda_/test_lambda_api.snapshot.json
(test_function_concurrency_limits, test_tag_exceptions[lambda_function],
test_ops_on_nonexisting_fn[get_function_event_invoke_config],
test_ops_on_nonexisting_version[get_function_event_invoke_config], November 2025); the quotas: Lambda developer
guide, "Lambda quotas" and "Configuring reserved concurrency" (100 unreserved at least).
Left out: provisioned concurrency, per-qualifier event invoke configs (moto keeps one list per function).
"""
from __future__ import annotations

import re
from typing import Any

from moto.awslambda.models import lambda_backends

from ...aws_errors import AwsError
from ...front.exchange import Exchange
from .around_moto import Correction, request_dict
from .lambda_lifecycle import ACCOUNT_LIMITS, LATEST_ENVIRON_KEY

#: What Lambda keeps unreserved in every account (developer guide, "Configuring reserved concurrency").
MINIMUM_UNRESERVED = 100
_FUNCTION = r"^/20\d\d-\d\d-\d\d/functions/(?P<name>[^/]+)"
_TAGS = re.compile(r"^/2017-03-31/tags/(?P<arn>[^/]+)/?$")


def lambda_settings_checks() -> tuple[Correction, ...]:
    """The corrections of this module (see its docstring)."""
    return (
        Correction("PUT", re.compile(_FUNCTION + r"/concurrency/?$"), before=refuse_reserving_too_much),
        Correction("GET", re.compile(_FUNCTION + r"/event-invoke-config/?$"), before=refuse_missing_invoke_config),
        *(Correction(method, _TAGS, before=refuse_tags_of_a_qualified_arn) for method in ("GET", "POST", "DELETE")),
    )


def _named(exchange: Exchange) -> tuple[str, str, str, str | None]:
    """(name, region, account, qualifier in the name) of the function the call names."""
    name, region, account = exchange.params["name"], exchange.region, exchange.account
    parts = name.split(":")
    qualifier = None
    if name.startswith("arn:") and len(parts) >= 7:
        region, account, name = parts[3] or region, parts[4] or account, parts[6]
        qualifier = parts[7] if len(parts) == 8 else None
    elif len(parts) == 2:
        name, qualifier = parts
    if exchange.environ.get(LATEST_ENVIRON_KEY):
        qualifier = "$LATEST"
    return name, region, account, qualifier


def _backend(region: str, account: str) -> Any:
    try:
        return lambda_backends[account][region]
    except Exception:  # an account or region moto does not serve
        return None


def refuse_reserving_too_much(exchange: Exchange) -> None:
    requested = request_dict(exchange).get("ReservedConcurrentExecutions")
    if not isinstance(requested, int) or isinstance(requested, bool):
        return  # the model validation refused it, or moto answers
    name, region, account, _ = _named(exchange)
    backend = _backend(region, account)
    if backend is None:
        return
    others = sum(int(getattr(fn, "reserved_concurrency", None) or 0) for fn in list(backend.list_functions())
                 if fn.function_name != name)
    if ACCOUNT_LIMITS["ConcurrentExecutions"] - others - requested < MINIMUM_UNRESERVED:
        raise AwsError(400, "InvalidParameterValueException",
                       "Specified ReservedConcurrentExecutions for function decreases account's "
                       f"UnreservedConcurrentExecution below its minimum value of [{MINIMUM_UNRESERVED}].")


def refuse_missing_invoke_config(exchange: Exchange) -> None:
    name, region, account, in_name = _named(exchange)
    qualifier = exchange.query().get("Qualifier") or in_name or "$LATEST"
    backend = _backend(region, account)
    fn = None
    if backend is not None:
        try:
            fn = backend.get_function(name)
        except Exception:  # moto's UnknownFunctionException
            fn = None
    if fn is None or not getattr(fn, "event_invoke_config", None):
        raise AwsError(404, "ResourceNotFoundException",
                       f"The function arn:aws:lambda:{region}:{account}:function:{name}:{qualifier} doesn't have an "
                       "EventInvokeConfig")


def refuse_tags_of_a_qualified_arn(exchange: Exchange) -> None:
    parts = exchange.params["arn"].split(":")
    if len(parts) == 8 and parts[0] == "arn" and parts[5] == "function":
        raise AwsError(400, "InvalidParameterValueException",
                       "Tags on function aliases and versions are not supported. Please specify a function ARN.")
