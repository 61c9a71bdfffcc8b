"""The tutorial's six steps as data: a planner of pure functions that returns Calls and Waits, no boto3.

`plan_deploy` turns settings (+ what already exists, `Observed`) into the ordered steps that create or update
the stack in place; `plan_destroy` into the steps of the tutorial's clean-up, limited to what the stack owns
(carries its tag). `render` prints a plan (the dry run). The executor runs plans; tests assert them without AWS.
Left out: drift repair of resources changed by hand (a changed key schema is not migrated, say).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Mapping, Union

from .package import code_sha256
from .settings import STACK_TAG, TRUST_POLICY, StackSettings


@dataclass(frozen=True)
class Ref:
    """A value read (JMESPath) from the result of an earlier step."""

    step: str
    path: str


@dataclass(frozen=True)
class Fmt:
    """A string built from a template whose `{names}` are Refs or plain strings."""

    template: str
    values: Mapping[str, Union[Ref, str]]


@dataclass(frozen=True)
class Call:
    """One AWS API call. `ignore`: error codes meaning "already so"; `retry_on`: codes worth retrying."""

    id: str
    service: str
    operation: str
    params: Mapping[str, Any]
    note: str
    ignore: tuple[str, ...] = ()
    retry_on: tuple[str, ...] = ()


@dataclass(frozen=True)
class Wait:
    """Wait with a boto3 waiter until a resource reaches a state."""

    id: str
    service: str
    waiter: str
    params: Mapping[str, Any]
    note: str


Step = Union[Call, Wait]
Plan = tuple[Step, ...]


@dataclass(frozen=True)
class Observed:
    """What already exists on the endpoint (read by the executor before planning); tags decide ownership."""

    account_id: str = "000000000000"
    tables: Mapping[str, Mapping[str, str]] = field(default_factory=dict)  # name -> tags, for existing tables
    role_arn: str | None = None
    role_tags: Mapping[str, str] = field(default_factory=dict)
    attached_policies: tuple[str, ...] = ()
    function_arn: str | None = None
    function_tags: Mapping[str, str] = field(default_factory=dict)
    function_has_statement: bool = False
    function_has_concurrency: bool = False
    api_id: str | None = None
    api_tags: Mapping[str, str] = field(default_factory=dict)
    resource_id: str | None = None
    method_exists: bool = False
    method_response_exists: bool = False


def owned(tags: Mapping[str, str], settings: StackSettings) -> bool:
    return tags.get(STACK_TAG) == settings.stack_name


def integration_uri(settings: StackSettings) -> Fmt:
    return Fmt(
        "arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{function_arn}/invocations",
        {"region": settings.region, "function_arn": Ref("function", "FunctionArn")},
    )


def source_arn(settings: StackSettings, api_id: Union[Ref, str]) -> Fmt | None:
    if settings.source_arn is None:
        return None
    return Fmt(settings.source_arn, {
        "region": settings.region, "account": Ref("whoami", "Account"), "api_id": api_id,
        "resource_path": settings.resource_path,
    })


def plan_deploy(settings: StackSettings, package: bytes, observed: Observed | None = None) -> Plan:
    """Steps that bring the endpoint to `settings`: create what is missing, update what exists."""
    seen = observed or Observed()
    tags = settings.all_tags
    steps: list[Step] = [Call("whoami", "sts", "GetCallerIdentity", {}, "Find the account id")]

    # 1. DynamoDB tables
    for table in settings.tables:
        if table.name in seen.tables:
            continue
        steps.append(Call(f"table:{table.name}", "dynamodb", "CreateTable", {
            "TableName": table.name,
            "AttributeDefinitions": [{"AttributeName": table.key_name, "AttributeType": table.key_type}],
            "KeySchema": [{"AttributeName": table.key_name, "KeyType": "HASH"}],
            "ProvisionedThroughput": {"ReadCapacityUnits": table.read_capacity,
                                      "WriteCapacityUnits": table.write_capacity},
            "Tags": [{"Key": k, "Value": v} for k, v in tags.items()],
        }, f"1. Create DynamoDB table {table.name} (key {table.key_name}, type {table.key_type})"))
        steps.append(Wait(f"table-active:{table.name}", "dynamodb", "table_exists", {"TableName": table.name},
                          f"   Wait until table {table.name} is ACTIVE"))

    # 2. IAM role for the function
    if seen.role_arn is None:
        steps.append(Call("role", "iam", "CreateRole", {
            "RoleName": settings.role_name,
            "AssumeRolePolicyDocument": TRUST_POLICY,
            "Tags": [{"Key": k, "Value": v} for k, v in tags.items()],
        }, f"2. Create IAM role {settings.role_name} with the Lambda trust policy"))
        role_arn: Union[Ref, str] = Ref("role", "Role.Arn")
    else:
        role_arn = seen.role_arn
    for policy in settings.managed_policies:
        if policy not in seen.attached_policies:
            steps.append(Call(f"attach:{policy}", "iam", "AttachRolePolicy",
                              {"RoleName": settings.role_name, "PolicyArn": policy},
                              f"   Attach {policy.rsplit('/', 1)[-1]} to {settings.role_name}"))

    # 3. Lambda function
    config = {
        "Role": role_arn, "Handler": settings.handler, "Runtime": settings.runtime,
        "Timeout": settings.timeout, "MemorySize": settings.memory_size,
        "Environment": {"Variables": dict(settings.environment)},
    }
    if seen.function_arn is None:
        steps.append(Call("function", "lambda", "CreateFunction", {
            "FunctionName": settings.function_name, **config, "Code": {"ZipFile": package},
            "Tags": dict(tags),
        }, f"3. Create Lambda function {settings.function_name} ({settings.runtime}, {settings.handler})",
            retry_on=("InvalidParameterValueException",)))
    else:
        steps.append(Call("function", "lambda", "UpdateFunctionCode", {
            "FunctionName": settings.function_name, "ZipFile": package,
        }, f"3. Update the code of Lambda function {settings.function_name}"))
        steps.append(Wait("function-updated", "lambda", "function_updated_v2",
                          {"FunctionName": settings.function_name}, "   Wait until the code update is done"))
        steps.append(Call("function-config", "lambda", "UpdateFunctionConfiguration", {
            "FunctionName": settings.function_name, **config,
        }, f"   Update the configuration of {settings.function_name}"))
    steps.append(Wait("function-active", "lambda", "function_updated_v2" if seen.function_arn else "function_active_v2",
                      {"FunctionName": settings.function_name}, "   Wait until the function is Active"))
    if settings.reserved_concurrency is not None:
        steps.append(Call("concurrency", "lambda", "PutFunctionConcurrency", {
            "FunctionName": settings.function_name,
            "ReservedConcurrentExecutions": settings.reserved_concurrency,
        }, f"   Reserve concurrency {settings.reserved_concurrency}"))
    elif seen.function_has_concurrency:
        steps.append(Call("concurrency", "lambda", "DeleteFunctionConcurrency",
                          {"FunctionName": settings.function_name}, "   Remove the reserved concurrency"))

    # 4. API Gateway
    steps.extend(_api_steps(settings, seen, tags))
    return tuple(steps)


def _api_steps(settings: StackSettings, seen: Observed, tags: Mapping[str, str]) -> list[Step]:
    steps: list[Step] = []
    if seen.api_id is None:
        create: dict[str, Any] = {"name": settings.api_name, "description": settings.api_description,
                                  "tags": dict(tags)}
        if settings.binary_media_types:
            create["binaryMediaTypes"] = list(settings.binary_media_types)
        steps.append(Call("api", "apigateway", "CreateRestApi", create, f"4. Create REST API {settings.api_name}"))
        api_id: Union[Ref, str] = Ref("api", "id")
    else:
        api_id = seen.api_id
    if seen.resource_id is None:
        steps.append(Call("resources", "apigateway", "GetResources", {"restApiId": api_id},
                          "   Find the root resource"))
        steps.append(Call("resource", "apigateway", "CreateResource", {
            "restApiId": api_id, "parentId": Ref("resources", "items[?path=='/'].id | [0]"),
            "pathPart": settings.resource_path,
        }, f"   Create resource /{settings.resource_path}"))
        resource_id: Union[Ref, str] = Ref("resource", "id")
    else:
        resource_id = seen.resource_id
    where = {"restApiId": api_id, "resourceId": resource_id, "httpMethod": settings.http_method}
    if not (seen.resource_id and seen.method_exists):
        steps.append(Call("method", "apigateway", "PutMethod", {**where, "authorizationType": "NONE"},
                          f"   Define method {settings.http_method} without auth"))
    integration: dict[str, Any] = {**where, "type": "AWS_PROXY",
                                   "integrationHttpMethod": settings.integration_http_method,
                                   "uri": integration_uri(settings)}
    if settings.integration_timeout_ms is not None:
        integration["timeoutInMillis"] = settings.integration_timeout_ms
    steps.append(Call("integration", "apigateway", "PutIntegration", integration,
                      f"   Integrate with Lambda (AWS_PROXY, {settings.integration_http_method})"))
    if not (seen.resource_id and seen.method_response_exists):
        steps.append(Call("method-response", "apigateway", "PutMethodResponse",
                          {**where, "statusCode": "200", "responseModels": {}}, "   Add the 200 method response"))
    steps.append(Call("deployment", "apigateway", "CreateDeployment",
                      {"restApiId": api_id, "stageName": settings.stage},
                      f"5. Deploy to stage {settings.stage}"))
    stage_settings, what = _stage_settings(settings)
    if stage_settings:
        steps.append(Call("stage-settings", "apigateway", "UpdateStage", {
            "restApiId": api_id, "stageName": settings.stage, "patchOperations": stage_settings},
            f"   Stage settings: {what}"))
    if seen.function_has_statement:
        steps.append(Call("unpermit", "lambda", "RemovePermission", {
            "FunctionName": settings.function_name, "StatementId": settings.statement_id,
        }, "   Remove the previous invoke permission", ignore=("ResourceNotFoundException",)))
    arn = source_arn(settings, api_id)
    if arn is not None:
        steps.append(Call("permission", "lambda", "AddPermission", {
            "FunctionName": settings.function_name, "StatementId": settings.statement_id,
            "Action": "lambda:InvokeFunction", "Principal": "apigateway.amazonaws.com", "SourceArn": arn,
        }, "6. Allow API Gateway to invoke the function"))
    return steps


def _stage_settings(settings: StackSettings) -> tuple[list[dict[str, str]], str]:
    """The stage's method settings for every method (`/*/*`) the stack asks for, and a note saying which;
    nothing when it asks for none (the stage's settings are then left as they are)."""
    ops: list[dict[str, str]] = []
    notes = []
    if settings.execution_logging:
        ops += [{"op": "replace", "path": "/*/*/logging/loglevel", "value": "INFO"},
                {"op": "replace", "path": "/*/*/logging/dataTrace", "value": "true"}]
        notes.append("execution logs (INFO, with request and response data)")
    if settings.throttling is not None:
        rate, burst = settings.throttling
        ops += [{"op": "replace", "path": "/*/*/throttling/rateLimit", "value": f"{rate:g}"},
                {"op": "replace", "path": "/*/*/throttling/burstLimit", "value": str(burst)}]
        notes.append(f"throttling ({rate:g} requests/s, bursts of {burst})")
    return ops, "; ".join(notes)


def plan_code_update(settings: StackSettings, package: bytes) -> Plan:
    """Only the function's code (what `harness deploy --watch` runs when a handler file changes)."""
    return (
        Call("function", "lambda", "UpdateFunctionCode", {"FunctionName": settings.function_name, "ZipFile": package},
             f"Update the code of Lambda function {settings.function_name} ({code_sha256(package)[:12]}...)"),
        Wait("function-updated", "lambda", "function_updated_v2", {"FunctionName": settings.function_name},
             "   Wait until the code update is done"),
    )


def plan_destroy(settings: StackSettings, observed: Observed) -> Plan:
    """The tutorial's clean-up, deleting only resources that exist and carry this stack's tag."""
    steps: list[Step] = []
    gone = ("ResourceNotFoundException", "NotFoundException", "NoSuchEntity")
    if observed.api_id and owned(observed.api_tags, settings):
        steps.append(Call("delete-api", "apigateway", "DeleteRestApi", {"restApiId": observed.api_id},
                          f"Delete REST API {settings.api_name} ({observed.api_id})", ignore=gone))
        steps.append(Call("delete-api-logs", "logs", "DeleteLogGroup", {
            "logGroupName": f"API-Gateway-Execution-Logs_{observed.api_id}/{settings.stage}"},
            "Delete the API's execution logs", ignore=gone))
    if observed.function_arn and owned(observed.function_tags, settings):
        steps.append(Call("delete-function", "lambda", "DeleteFunction", {"FunctionName": settings.function_name},
                          f"Delete Lambda function {settings.function_name}", ignore=gone))
        steps.append(Call("delete-function-logs", "logs", "DeleteLogGroup", {
            "logGroupName": f"/aws/lambda/{settings.function_name}"}, "Delete the function's logs", ignore=gone))
    for name, tags in observed.tables.items():
        if owned(tags, settings):
            steps.append(Call(f"delete-table:{name}", "dynamodb", "DeleteTable", {"TableName": name},
                              f"Delete DynamoDB table {name}", ignore=gone))
            steps.append(Wait(f"table-gone:{name}", "dynamodb", "table_not_exists", {"TableName": name},
                              f"Wait until table {name} is gone"))
    if observed.role_arn and owned(observed.role_tags, settings):
        for policy in observed.attached_policies:
            steps.append(Call(f"detach:{policy}", "iam", "DetachRolePolicy",
                              {"RoleName": settings.role_name, "PolicyArn": policy},
                              f"Detach {policy.rsplit('/', 1)[-1]}", ignore=gone))
        steps.append(Call("delete-role", "iam", "DeleteRole", {"RoleName": settings.role_name},
                          f"Delete IAM role {settings.role_name}", ignore=gone))
    return tuple(steps)


def render(plan: Plan) -> str:
    """The plan as text: each step's note, then its call and parameters (code shown as size and hash)."""
    lines = []
    for step in plan:
        kind = f"{step.service} {step.operation}" if isinstance(step, Call) else f"{step.service} wait {step.waiter}"
        note = step.note if step.note[:1].isdigit() else f"   {step.note.strip()}"
        lines.append(note)
        lines.append(f"      {kind} {json.dumps(_printable(step.params), sort_keys=True)}")
    return "\n".join(lines)


def _printable(value: Any) -> Any:
    if isinstance(value, bytes):
        return f"<zip {len(value)} bytes, sha256 {code_sha256(value)}>"
    if isinstance(value, Ref):
        return f"<{value.step}.{value.path}>"
    if isinstance(value, Fmt):
        return value.template.format(**{k: _printable(v) for k, v in value.values.items()})
    if isinstance(value, (Mapping, MappingProxyType)):
        return {k: _printable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_printable(v) for v in value]
    return value
