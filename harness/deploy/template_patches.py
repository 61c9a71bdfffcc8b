"""The property patches of a template variant (template_variant.py), one function per kind of override, on a
plain CloudFormation template (a dict, changed in place), and `mentions`, which finds what refers to a resource.

Each finds its resources from the base stack's logical ids (the function, the table, the API) and raises
`VariantUnsupported` naming what the template lacks for an override (no integration calling the function, no
such stage...). Pure: no AWS call.
Left out: a `resource_path` of several segments in an `AWS::ApiGateway::Resource` tree.
"""
from __future__ import annotations

import copy
from typing import Any, Mapping

from ..errors import UsageError
from .executor import StackOutputs
from .settings import OVERRIDE_KEYS, StackSettings, TableSpec, _permission, _table

_ANY_METHOD = "x-amazon-apigateway-any-method"


class VariantUnsupported(UsageError):
    """These overrides cannot be applied to a template's stack (the message names which, and why)."""


def mentions(node: Any, logical_id: str) -> bool:
    """True when `node` refers to the resource `logical_id` (Ref, Fn::GetAtt, or ${...} in Fn::Sub)."""
    if isinstance(node, list):
        return any(mentions(v, logical_id) for v in node)
    if not isinstance(node, Mapping):
        return False
    for key, value in node.items():
        if key == "Ref" and value == logical_id:
            return True
        if key == "Fn::GetAtt" and (value[:1] == [logical_id] if isinstance(value, list)
                                    else str(value).split(".")[0] == logical_id):
            return True
        if key == "Fn::Sub":
            text = value[0] if isinstance(value, list) else value
            if isinstance(text, str) and any(f"${{{logical_id}{end}" in text for end in ("}", ".")):
                return True
        if mentions(value, logical_id):
            return True
    return False


def logical_id_of(body: Mapping[str, Any], resources: Mapping[str, str], kind: str, physical: str, what: str) -> str:
    """The logical id of the `kind` resource whose physical id is `physical` (the only one of its kind
    when the ids do not tell); VariantUnsupported when there is none."""
    typed = [k for k, r in body["Resources"].items() if isinstance(r, Mapping) and r.get("Type") == kind]
    found = [k for k in typed if resources.get(k) == physical] or (typed if len(typed) == 1 else [])
    if not found:
        raise VariantUnsupported(f"the template has no {kind} that is the stack's {what} ({physical})")
    return found[0]


def _set_key(table: dict[str, Any], spec_name: str | None, key_name: str | None, key_type: str | None) -> None:
    props = table.setdefault("Properties", {})
    if spec_name is not None:
        props["TableName"] = spec_name
    hash_key = next((k for k in props.get("KeySchema") or [] if k.get("KeyType") == "HASH"), None)
    if hash_key is None:
        raise VariantUnsupported("the stack's table has no HASH key in its KeySchema")
    old = hash_key["AttributeName"]
    definitions = props.setdefault("AttributeDefinitions", [])
    definition = next((d for d in definitions if d.get("AttributeName") == old), None)
    if definition is None:
        definition = {"AttributeName": old, "AttributeType": "S"}
        definitions.append(definition)
    if key_name is not None:
        hash_key["AttributeName"] = definition["AttributeName"] = key_name
    if key_type is not None:
        definition["AttributeType"] = key_type


def _table_resource(spec: TableSpec) -> dict[str, Any]:
    return {"Type": "AWS::DynamoDB::Table", "Properties": {
        "TableName": spec.name,
        "AttributeDefinitions": [{"AttributeName": spec.key_name, "AttributeType": spec.key_type}],
        "KeySchema": [{"AttributeName": spec.key_name, "KeyType": "HASH"}],
        "ProvisionedThroughput": {"ReadCapacityUnits": spec.read_capacity,
                                  "WriteCapacityUnits": spec.write_capacity}}}


def patch_tables(body: dict[str, Any], table_id: str, overrides: Mapping[str, Any]) -> None:
    """`table`, `key_name`, `key_type`: the table's name and hash key; `extra_tables`: more tables, with Outputs
    `Table2`, `Table3`... after the template's own."""
    table = body["Resources"][table_id]
    if "table" in overrides:
        spec = _table(overrides["table"], table.get("Properties", {}).get("TableName", ""))
        given = overrides["table"] if isinstance(overrides["table"], Mapping) else {}
        _set_key(table, spec.name, spec.key_name if "key_name" in given else None,
                 spec.key_type if "key_type" in given else None)
    if "key_name" in overrides or "key_type" in overrides:
        _set_key(table, None, overrides.get("key_name"), overrides.get("key_type"))
    outputs = body.setdefault("Outputs", {})
    number = 2
    for index, raw in enumerate(overrides.get("extra_tables") or (), start=1):
        spec = _table(raw, "")
        if not spec.name:
            raise ValueError("stack override extra_tables: each table needs a name")
        logical = f"HarnessExtraTable{index}"
        body["Resources"][logical] = _table_resource(spec)
        while f"Table{number}" in outputs:
            number += 1
        outputs[f"Table{number}"] = {"Value": {"Ref": logical}}


def patch_function(body: dict[str, Any], function_id: str, overrides: Mapping[str, Any]) -> None:
    """`handler`, `runtime`, `timeout`, `memory_size`, `reserved_concurrency`, `environment` (added to the
    function's variables)."""
    props = body["Resources"][function_id].setdefault("Properties", {})
    for key, prop in (("handler", "Handler"), ("runtime", "Runtime"), ("timeout", "Timeout"),
                      ("memory_size", "MemorySize")):
        if key in overrides:
            props[prop] = OVERRIDE_KEYS[key](StackSettings(), overrides[key])[key]
    if "reserved_concurrency" in overrides:
        if overrides["reserved_concurrency"] is None:
            props.pop("ReservedConcurrentExecutions", None)
        else:
            props["ReservedConcurrentExecutions"] = int(overrides["reserved_concurrency"])
    if "environment" in overrides:
        variables = props.setdefault("Environment", {}).setdefault("Variables", {})
        variables.update({k: str(v) for k, v in dict(overrides["environment"]).items()})


def _integrations(body: dict[str, Any], api_id: str, function_id: str) -> list[tuple[dict[str, Any], str]]:
    """(integration, style) of each integration with the function: style "openapi" (httpMethod...) or "cfn"."""
    found: list[tuple[dict[str, Any], str]] = []
    api_body = body["Resources"][api_id].get("Properties", {}).get("Body")
    for operations in ((api_body or {}).get("paths") or {}).values() if isinstance(api_body, Mapping) else ():
        for operation in operations.values() if isinstance(operations, Mapping) else ():
            integration = operation.get("x-amazon-apigateway-integration") if isinstance(operation, Mapping) else None
            if isinstance(integration, dict) and mentions(integration.get("uri"), function_id):
                found.append((integration, "openapi"))
    for resource in body["Resources"].values():
        if resource.get("Type") == "AWS::ApiGateway::Method":
            integration = (resource.get("Properties") or {}).get("Integration")
            if isinstance(integration, dict) and mentions(integration.get("Uri"), function_id):
                found.append((integration, "cfn"))
    return found


def patch_integrations(body: dict[str, Any], api_id: str, function_id: str, overrides: Mapping[str, Any]) -> None:
    """`integration_http_method`, `integration_timeout_ms`: every integration that calls the function."""
    if not ({"integration_http_method", "integration_timeout_ms"} & set(overrides)):
        return
    found = _integrations(body, api_id, function_id)
    if not found:
        raise VariantUnsupported(f"no integration of the API {api_id} calls the function {function_id}")
    for integration, style in found:
        if "integration_http_method" in overrides:
            method = str(overrides["integration_http_method"]).upper()
            integration["httpMethod" if style == "openapi" else "IntegrationHttpMethod"] = method
        if "integration_timeout_ms" in overrides:
            timeout = int(overrides["integration_timeout_ms"])
            integration["timeoutInMillis" if style == "openapi" else "TimeoutInMillis"] = timeout


def patch_permissions(body: dict[str, Any], api_id: str, function_id: str, resource_path: str,
                       overrides: Mapping[str, Any]) -> None:
    """`permission` / `source_arn`: API Gateway's invoke permissions on the function get the source ARN (a
    Fn::Sub of the placeholders), or are removed (with DependsOn on them) for none; one is added when none exists."""
    if "permission" not in overrides and "source_arn" not in overrides:
        return
    value = overrides["permission"] if "permission" in overrides else overrides["source_arn"]
    arn = _permission(StackSettings(), value)["source_arn"]
    resources = body["Resources"]
    granted = [k for k, r in resources.items() if r.get("Type") == "AWS::Lambda::Permission"
               and mentions((r.get("Properties") or {}).get("FunctionName"), function_id)
               and str((r.get("Properties") or {}).get("Principal", "")).startswith("apigateway.")]
    if arn is None:
        for logical in granted:
            del resources[logical]
        for resource in resources.values():
            depends = resource.get("DependsOn")
            if isinstance(depends, list):
                resource["DependsOn"] = [d for d in depends if d not in granted]
            elif depends in granted:
                del resource["DependsOn"]
        return
    sub = arn.replace("${", "${!").format(region="${AWS::Region}", account="${AWS::AccountId}",
                                          api_id=f"${{{api_id}}}", resource_path=resource_path)
    if not granted:
        resources["HarnessInvokePermission"] = {"Type": "AWS::Lambda::Permission", "Properties": {
            "Action": "lambda:InvokeFunction", "FunctionName": {"Ref": function_id},
            "Principal": "apigateway.amazonaws.com"}}
        granted = ["HarnessInvokePermission"]
    for logical in granted:
        resources[logical]["Properties"]["SourceArn"] = {"Fn::Sub": sub}


def _operation_key(method: str) -> str:
    return _ANY_METHOD if method.upper() == "ANY" else method.lower()


def _sub_text(value: Any) -> tuple[str | None, Any]:
    """The text of a Fn::Sub value and a function putting a new text in its place."""
    sub = value.get("Fn::Sub") if isinstance(value, dict) else None
    if isinstance(sub, str):
        return sub, lambda text: {"Fn::Sub": text}
    if isinstance(sub, list) and sub and isinstance(sub[0], str):
        return sub[0], lambda text: {"Fn::Sub": [text, *sub[1:]]}
    return (value, lambda text: text) if isinstance(value, str) else (None, None)


def patch_routes(body: dict[str, Any], api_id: str, function_id: str, base: StackOutputs,
                  overrides: Mapping[str, Any]) -> None:
    """`http_method` and `resource_path`: the route to the function (OpenAPI path and operation, or the
    Method and its Resource) and the permissions' source ARNs; the `ResourcePath` Output when it is literal."""
    if "http_method" not in overrides and "resource_path" not in overrides:
        return
    resources = body["Resources"]
    old_path = "/" + base.resource_path.strip("/")
    new_path = "/" + str(overrides.get("resource_path", base.resource_path)).strip("/")
    method = str(overrides["http_method"]).upper() if "http_method" in overrides else None
    found = False
    api_body = resources[api_id].get("Properties", {}).get("Body")
    paths = api_body.get("paths") if isinstance(api_body, dict) else None
    if isinstance(paths, dict) and isinstance(paths.get(old_path), dict):
        operations = paths[old_path]
        calling = [k for k, op in operations.items() if isinstance(op, Mapping)
                   and mentions(op.get("x-amazon-apigateway-integration"), function_id)]
        if calling:
            found = True
            if method:
                for key in calling:
                    operations[_operation_key(method)] = operations.pop(key)
            if new_path != old_path:
                paths[new_path] = paths.pop(old_path)
    for resource in resources.values():
        props = resource.get("Properties") or {}
        if resource.get("Type") != "AWS::ApiGateway::Method" or not mentions(
                (props.get("Integration") or {}).get("Uri"), function_id):
            continue
        found = True
        if method:
            props["HttpMethod"] = method
        if new_path != old_path:
            target = (props.get("ResourceId") or {}).get("Ref") if isinstance(props.get("ResourceId"), dict) else None
            if target not in resources or "/" in new_path.strip("/"):
                raise VariantUnsupported("stack override resource_path: only a one-segment path of an "
                                         "AWS::ApiGateway::Resource the method names with Ref is changed here")
            resources[target]["Properties"]["PathPart"] = new_path.strip("/")
    if not found:
        raise VariantUnsupported(f"no route of the API {api_id} at {old_path} calls the function {function_id}")
    if new_path == old_path:
        return
    for resource in resources.values():
        props = resource.get("Properties") or {}
        if resource.get("Type") == "AWS::Lambda::Permission" and mentions(props.get("FunctionName"), function_id):
            text, put = _sub_text(props.get("SourceArn"))
            if text is not None and text.endswith(old_path):
                props["SourceArn"] = put(text[: -len(old_path)] + new_path)
    output = (body.get("Outputs") or {}).get("ResourcePath")
    if isinstance(output, dict) and output.get("Value") == base.resource_path:
        output["Value"] = new_path.strip("/")


def patch_stage(body: dict[str, Any], api_id: str, stage: str, overrides: Mapping[str, Any]) -> None:
    """`stage`: the stage's name (Stage or Deployment resource, usage plans' ApiStages, a literal Stage Output)."""
    if "stage" not in overrides:
        return
    new = str(overrides["stage"])
    renamed = False
    for resource in body["Resources"].values():
        props = resource.get("Properties") or {}
        kind = resource.get("Type")
        if kind in ("AWS::ApiGateway::Stage", "AWS::ApiGateway::Deployment") and props.get("StageName") == stage \
                and mentions(props.get("RestApiId"), api_id):
            props["StageName"] = new
            renamed = True
        if kind == "AWS::ApiGateway::UsagePlan":
            for entry in props.get("ApiStages") or []:
                if entry.get("Stage") == stage and mentions(entry.get("ApiId"), api_id):
                    entry["Stage"] = new
    if not renamed:
        raise VariantUnsupported(f"the template has no stage {stage} of the API {api_id} to rename")
    output = (body.get("Outputs") or {}).get("Stage")
    if isinstance(output, dict) and output.get("Value") == stage:
        output["Value"] = new


def patch_api(body: dict[str, Any], api_id: str, stage: str, overrides: Mapping[str, Any]) -> None:
    """`binary_media_types` (the API's property, and its OpenAPI body's extension), `throttling` (the stage's
    MethodSettings for `/*` `*`, or a Deployment's StageDescription)."""
    resources = body["Resources"]
    if "binary_media_types" in overrides:
        types = [str(t) for t in overrides["binary_media_types"]]
        props = resources[api_id].setdefault("Properties", {})
        props["BinaryMediaTypes"] = types
        if isinstance(props.get("Body"), dict):
            props["Body"]["x-amazon-apigateway-binary-media-types"] = types
    if "throttling" not in overrides:
        return
    throttling = overrides["throttling"]
    stages = [r for r in resources.values() if r.get("Type") == "AWS::ApiGateway::Stage"
              and mentions((r.get("Properties") or {}).get("RestApiId"), api_id)
              and (r.get("Properties") or {}).get("StageName") == stage]
    if stages:
        props = stages[0]["Properties"]
        settings = [s for s in props.get("MethodSettings") or []
                    if not (s.get("ResourcePath") == "/*" and s.get("HttpMethod") == "*")]
        entry = {"ResourcePath": "/*", "HttpMethod": "*"}
        if throttling is not None:
            entry.update(ThrottlingRateLimit=float(dict(throttling)["rate"]),
                         ThrottlingBurstLimit=int(dict(throttling)["burst"]))
            settings.append(entry)
        props["MethodSettings"] = settings
        return
    deployments = [r for r in resources.values() if r.get("Type") == "AWS::ApiGateway::Deployment"
                   and (r.get("Properties") or {}).get("StageName") == stage]
    if not deployments:
        raise VariantUnsupported(f"the template has no stage {stage} of the API {api_id} to throttle")
    description = deployments[0]["Properties"].setdefault("StageDescription", {})
    if throttling is None:
        description.pop("ThrottlingRateLimit", None)
        description.pop("ThrottlingBurstLimit", None)
    else:
        description.update(ThrottlingRateLimit=float(dict(throttling)["rate"]),
                           ThrottlingBurstLimit=int(dict(throttling)["burst"]))


def merge_patch(target: dict[str, Any], patch: Mapping[str, Any]) -> None:
    """`resources`: `patch` merged into `target` (mappings merged key by key, a None removes the key)."""
    for key, value in patch.items():
        if value is None:
            target.pop(key, None)
        elif isinstance(value, Mapping) and isinstance(target.get(key), dict):
            merge_patch(target[key], value)
        else:
            target[key] = copy.deepcopy(value)
