"""A variant of a template's stack for a scenario's `stack` overrides (fault injection): the template's plain
CloudFormation (after SAM's transform) with the overrides applied as patches of resource properties, every
physical name and Export prefixed, deployed as a stack of its own (the replay deletes it at the end of the run;
`DeletionPolicy: Retain` is dropped from a variant, so nothing of it outlives the run).

What the overrides patch (template_patches.py, one function per kind): "the function" is the `AWS::Lambda::Function`
whose physical id is the base stack's function (`FunctionName` output), "the table" the `AWS::DynamoDB::Table` of
its `Table` output, "the API" the `AWS::ApiGateway::RestApi` of its `ApiId`; the integrations patched are those
whose `uri` names the function (in an OpenAPI `Body` or an `AWS::ApiGateway::Method`); the invoke permissions those
granted to API Gateway on the function.
- `handler`, `runtime`, `timeout`, `memory_size`, `reserved_concurrency`: Handler, Runtime, Timeout, MemorySize,
  ReservedConcurrentExecutions; `environment`: added to Environment.Variables;
- `code_files` / `code_dir`: Code, a new package (the function's own package with the files added or replaced;
  or the directory, packaged as `deploy --template` does, requirements.txt included) uploaded with the variant;
- `key_name`, `key_type`, `table`: the table's hash key and name; `extra_tables`: more tables, with Outputs
  `Table2`, `Table3`... (as the template's outputs name them);
- `permission` / `source_arn`: the permissions' SourceArn (placeholders {region} {account} {api_id}
  {resource_path}); none: the permissions are removed;
- `integration_http_method`, `integration_timeout_ms`: httpMethod / timeoutInMillis of the integrations;
- `http_method`, `resource_path`: the route to the function (the OpenAPI path and operation, or the Method's
  HttpMethod and its Resource's PathPart) and the path at the end of the permissions' SourceArn;
- `stage`: the stage's name (Stage, or Deployment's StageName; usage plans' ApiStages);
- `throttling`: the stage's MethodSettings for every method (`/*`, `*`); `binary_media_types`: the API's;
- `parameters`: the template's parameter values; `resources`: `{LogicalId: {"Properties": {...}}}` merged into
  the template's resources (a null value removes a property).
The `Stage` and `ResourcePath` Outputs follow when the template gives them as literals (as template.yaml does).
Left out (a `VariantUnsupported` naming what is missing): a template without the resource an override
patches (no integration calling the function, no such stage), a resource_path of several segments for an
`AWS::ApiGateway::Resource` tree.
"""
from __future__ import annotations

import copy
import hashlib
import io
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping

from ..errors import UsageError
from .executor import StackOutputs
from .settings import StackSettings
from .template_package import Artifact, build_artifact
from .template_patches import (VariantUnsupported, logical_id_of, merge_patch, patch_api, patch_function,
                              patch_integrations, patch_permissions, patch_routes, patch_stage,
                              patch_tables, mentions)

TEMPLATE_ONLY_KEYS = ("parameters", "resources")

#: resource type -> the property holding its physical name (prefixed in a variant so it never collides)
NAME_PROPERTIES: Mapping[str, str] = MappingProxyType({
    "AWS::DynamoDB::Table": "TableName", "AWS::Lambda::Function": "FunctionName", "AWS::IAM::Role": "RoleName",
    "AWS::IAM::ManagedPolicy": "ManagedPolicyName", "AWS::ApiGateway::RestApi": "Name",
    "AWS::ApiGateway::ApiKey": "Name", "AWS::ApiGateway::UsagePlan": "UsagePlanName",
    "AWS::Logs::LogGroup": "LogGroupName", "AWS::S3::Bucket": "BucketName", "AWS::SQS::Queue": "QueueName",
    "AWS::SNS::Topic": "TopicName", "AWS::Lambda::LayerVersion": "LayerName",
    "AWS::Cognito::UserPool": "UserPoolName",
})
_EPOCH = (1980, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class Variant:
    """The variant's template and the packages it needs uploaded (S3 key -> bytes) into `bucket`."""

    body: dict[str, Any]
    blobs: Mapping[str, bytes] = field(default_factory=lambda: MappingProxyType({}))
    parameters: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))


def overrides_fingerprint(overrides: Mapping[str, Any]) -> str:
    """A short stable hash of an override set (names the variant)."""
    return hashlib.sha256(json.dumps(overrides, sort_keys=True, default=str).encode()).hexdigest()[:8]


def check_overrides(overrides: Mapping[str, Any]) -> None:
    """ValueError (as the plan's) for unknown keys and values of the wrong kind."""
    StackSettings().with_overrides({k: v for k, v in overrides.items() if k not in TEMPLATE_ONLY_KEYS})
    if "resources" in overrides and not all(isinstance(v, Mapping) for v in dict(overrides["resources"]).values()):
        raise ValueError("stack override resources: each logical id maps to {\"Properties\": {...}}")


def _prefixed(value: Any, prefix: str, kind: str, logical_ids: set[str]) -> Any:
    if isinstance(value, str):
        if kind == "AWS::Logs::LogGroup" and value.startswith("/aws/lambda/"):
            return f"/aws/lambda/{prefix}{value[len('/aws/lambda/'):]}"
        return prefix + value
    if any(mentions(value, other) for other in logical_ids):
        return value  # built from another resource's (prefixed) name: unique already
    return {"Fn::Join": ["", [prefix, value]]}


def _rename(body: dict[str, Any], prefix: str) -> None:
    logical_ids = set(body["Resources"])
    for resource in body["Resources"].values():
        resource.pop("DeletionPolicy", None)  # a variant leaves nothing behind: Retain would outlive the run
        resource.pop("UpdateReplacePolicy", None)
        prop = NAME_PROPERTIES.get(resource.get("Type", ""))
        props = resource.get("Properties") or {}
        if prop and props.get(prop) is not None:
            props[prop] = _prefixed(props[prop], prefix, resource["Type"], logical_ids)
    for output in (body.get("Outputs") or {}).values():
        export = output.get("Export") if isinstance(output, dict) else None
        if isinstance(export, dict) and export.get("Name") is not None:
            export["Name"] = _prefixed(export["Name"], prefix, "", set())


def with_files(package: bytes, files: Mapping[str, str]) -> bytes:
    """A deterministic zip of `package` (a zip, or b"" for none) with `files` (name -> text) added or replaced."""
    entries: dict[str, tuple[bytes, int]] = {}
    if package:
        with zipfile.ZipFile(io.BytesIO(package)) as archive:
            for info in archive.infolist():
                if not info.is_dir():
                    entries[info.filename] = (archive.read(info), (info.external_attr >> 16) or 0o644)
    for name, text in files.items():
        entries[name] = (text.encode(), 0o644)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(entries):
            data, mode = entries[name]
            info = zipfile.ZipInfo(name, date_time=_EPOCH)
            info.external_attr = mode << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return buffer.getvalue()


def _new_code(function_id: str, overrides: Mapping[str, Any], packages: Mapping[str, bytes],
              cache_dir: Path) -> bytes | None:
    if "code_dir" not in overrides and "code_files" not in overrides:
        return None
    if "code_dir" in overrides:
        folder = Path(str(overrides["code_dir"]))
        if not folder.is_dir():
            raise UsageError(f"stack override code_dir: {folder} is not a directory")
        package = build_artifact(Artifact(function_id, "Code", folder.resolve(), "code"), cache_dir)
    else:
        package = packages.get(function_id, b"")
    return with_files(package, {k: str(v) for k, v in dict(overrides.get("code_files") or {}).items()})


def variant_template(body: Mapping[str, Any], overrides: Mapping[str, Any], *, base: StackOutputs, prefix: str,
                     bucket: str, packages: Mapping[str, bytes], parameters: Mapping[str, str],
                     cache_dir: Path) -> Variant:
    """The variant of `body` (plain CloudFormation, artifacts already in S3) for `overrides` on the stack
    `base` (its outputs and physical ids). `packages`: the function packages by logical id (for code_files);
    `bucket`: where the variant's new packages go. VariantUnsupported / ValueError / UsageError on bad input."""
    check_overrides(overrides)
    out = copy.deepcopy(dict(body))
    resources = base.resources
    function_id = logical_id_of(out, resources, "AWS::Lambda::Function", base.function_name, "function")
    table_id = logical_id_of(out, resources, "AWS::DynamoDB::Table", base.tables[0], "table")
    api_id = logical_id_of(out, resources, "AWS::ApiGateway::RestApi", base.api_id, "API")
    for logical, patch in dict(overrides.get("resources") or {}).items():
        if logical not in out["Resources"]:
            raise VariantUnsupported(f"stack override resources: the template has no resource {logical}")
        merge_patch(out["Resources"][logical], patch)
    patch_function(out, function_id, overrides)
    patch_tables(out, table_id, overrides)
    patch_integrations(out, api_id, function_id, overrides)
    patch_permissions(out, api_id, function_id, base.resource_path, overrides)
    patch_routes(out, api_id, function_id, base, overrides)
    patch_api(out, api_id, base.stage, overrides)
    patch_stage(out, api_id, base.stage, overrides)
    blobs: dict[str, bytes] = {}
    code = _new_code(function_id, overrides, packages, cache_dir)
    if code is not None:
        key = hashlib.sha256(code).hexdigest() + ".zip"
        blobs[key] = code
        out["Resources"][function_id]["Properties"]["Code"] = {"S3Bucket": bucket, "S3Key": key}
    _rename(out, prefix)
    values = {**parameters, **{str(k): str(v) for k, v in dict(overrides.get("parameters") or {}).items()}}
    unknown = sorted(set(values) - set(out.get("Parameters") or {}))
    if unknown:
        raise ValueError(f"stack override parameters: the template has no parameter {', '.join(unknown)}")
    return Variant(out, MappingProxyType(blobs), MappingProxyType(values))
