"""A REST API's endpoint configuration as AWS sets and checks it (pure: no moto), for CreateRestApi and
UpdateRestApi (moto took any value, and its `replace` of /endpointConfiguration/ipAddressType overwrote the types).

CreateRestApi: no types is 400 "REGIONAL Configuration and EDGE Configuration cannot be both DISABLED.", two
types 400 "Cannot create an api with multiple Endpoint Types."; `ipAddressType` is ipv4 unless given (dualstack for
a PRIVATE API [I: the only one AWS allows it]). UpdateRestApi: `replace` of /endpointConfiguration/types/<n> with
REGIONAL, EDGE or PRIVATE (a PRIVATE API becomes dualstack) and of /endpointConfiguration/ipAddressType with ipv4 or
dualstack; other operations, values and paths refused in AWS's words; a PRIVATE API stays dualstack.
Sources: LocalStack's recorded AWS answers, tests/aws/services/apigateway/test_apigateway_api.snapshot.json
(test_update_rest_api_ip_address_type, test_create_rest_api_with_endpoint_configuration,
test_create_rest_api_with_optional_params; recorded 2025-07); the enum values are botocore's model's (checked
before, in front/model_validation.py).
Left out: /endpointConfiguration/vpcEndpointIds (refused as an invalid path), the types' index (AWS allows one type).
"""
from __future__ import annotations

import re
from typing import Any

from ...aws_errors import AwsError

ENDPOINT_TYPES = ("REGIONAL", "EDGE", "PRIVATE")
IP_ADDRESS_TYPES = ("ipv4", "dualstack")
_PREFIX = "/endpointConfiguration"
_TYPE_PATH = re.compile(r"^/endpointConfiguration/types/\d+$")


def _bad(message: str) -> AwsError:
    return AwsError(400, "BadRequestException", message)


def default_ip_address_type(types: list[str]) -> str:
    return "dualstack" if "PRIVATE" in types else "ipv4"


def shown_configuration(configuration: Any) -> dict[str, Any]:
    """The configuration as AWS shows it: types and an ipAddressType (the default when none was stored)."""
    configuration = dict(configuration) if isinstance(configuration, dict) else {}
    types = [str(t) for t in configuration.get("types") or ["EDGE"]]
    return {**configuration, "types": types,
            "ipAddressType": configuration.get("ipAddressType") or default_ip_address_type(types)}


def created_configuration(requested: Any) -> dict[str, Any] | None:
    """CreateRestApi's `endpointConfiguration` as AWS stores it (None: none was requested); AwsError if refused."""
    if not isinstance(requested, dict):
        return None
    types = requested.get("types")
    if isinstance(types, list):
        if not types:
            raise _bad("REGIONAL Configuration and EDGE Configuration cannot be both DISABLED.")
        if len(types) > 1:
            raise _bad("Cannot create an api with multiple Endpoint Types.")
    return shown_configuration(requested)


def is_endpoint_operation(operation: Any) -> bool:
    return isinstance(operation, dict) and str(operation.get("path", "")).startswith(_PREFIX)


def patched_configuration(current: Any, operations: list[Any]) -> dict[str, Any] | None:
    """The configuration after UpdateRestApi's /endpointConfiguration operations (None: the patch has none);
    AwsError for the first one AWS refuses."""
    configuration = shown_configuration(current)
    touched = False
    for operation in operations:
        if not is_endpoint_operation(operation):
            continue
        touched = True
        op, path, value = operation.get("op"), str(operation.get("path")), operation.get("value")
        if path == _PREFIX + "/ipAddressType":
            if op != "replace":
                raise _bad("Invalid patch operation specified. Must be one of: [replace]")
            if value not in IP_ADDRESS_TYPES:
                raise _bad("ipAddressType must be either ipv4 or dualstack.")
            configuration["ipAddressType"] = value
        elif _TYPE_PATH.match(path):
            if op != "replace":
                raise _bad("Invalid patch operation specified. Must be 'add'|'remove'|'replace'")
            if value not in ENDPOINT_TYPES:
                raise _bad("Invalid EndpointTypes specified. Valid options are " + ",".join(ENDPOINT_TYPES))
            configuration["types"] = [value]
            if value == "PRIVATE":
                configuration["ipAddressType"] = "dualstack"
        else:
            raise _bad(f"Invalid patch path {path}")
    if not touched:
        return None
    if "PRIVATE" in configuration["types"] and configuration["ipAddressType"] != "dualstack":
        raise _bad("Only dualstack ipAddressType is supported for Private APIs.")
    return configuration
