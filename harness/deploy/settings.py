"""The stack's settings: the tutorial's names and values as defaults, every one overridable.

A `StackSettings` value describes one deployment of the tutorial's stack. Scenario `stack` overrides (fault
injection) and the real-AWS prefix are expressed as modified copies (`with_overrides`, `with_prefix`).
Left out: VPC settings, layers, aliases and published versions.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping

from ..defaults import DEFAULT_REGION

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CODE_DIR = REPO_ROOT / "handler"

TRUST_POLICY = json.dumps({
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "",
            "Effect": "Allow",
            "Principal": {"Service": ["lambda.amazonaws.com"]},
            "Action": "sts:AssumeRole",
        }
    ],
})  # the tutorial's lambda-trust-policy.json

MANAGED_POLICIES = (
    "arn:aws:iam::aws:policy/AmazonDynamoDBFullAccess",
    "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
)

# Placeholders: {region} {account} {api_id} {resource_path} (without the leading slash).
TUTORIAL_SOURCE_ARN = "arn:aws:execute-api:{region}:{account}:{api_id}/*/*/{resource_path}"

STACK_TAG = "harness:stack"


def _frozen(mapping: Mapping[str, str] | None) -> Mapping[str, str]:
    return MappingProxyType(dict(mapping or {}))


@dataclass(frozen=True)
class TableSpec:
    """A DynamoDB table with a single hash key, provisioned like the tutorial's."""

    name: str
    key_name: str = "id"
    key_type: str = "S"
    read_capacity: int = 5
    write_capacity: int = 5


@dataclass(frozen=True)
class StackSettings:
    """Everything the deployment plan needs; defaults are the tutorial's values."""

    stack_name: str = "db-api"
    region: str = DEFAULT_REGION
    table: TableSpec = TableSpec("messages")
    extra_tables: tuple[TableSpec, ...] = ()
    role_name: str = "LambdaServiceRole"
    managed_policies: tuple[str, ...] = MANAGED_POLICIES
    function_name: str = "db-api"
    runtime: str = "python3.12"
    handler: str = "index.handler"
    memory_size: int = 512
    timeout: int = 10
    code_dir: str = str(DEFAULT_CODE_DIR)
    code_files: Mapping[str, str] = field(default_factory=lambda: _frozen(None))
    environment: Mapping[str, str] = field(default_factory=lambda: _frozen(None))
    reserved_concurrency: int | None = None
    api_name: str = "api-for-db-api"
    api_description: str = "Api for db-api"
    resource_path: str = "db-api"
    http_method: str = "ANY"
    integration_http_method: str = "POST"
    integration_timeout_ms: int | None = None
    binary_media_types: tuple[str, ...] = ()
    stage: str = "prod"
    # turn on the stage's execution logs (INFO, with request/response data): real AWS only logs when asked, and
    # only once the account has a CloudWatch Logs role for API Gateway; the embedded stack always logs
    execution_logging: bool = False
    # the stage's own throttling, (requests per second, burst); None: the stage's settings are left alone
    throttling: tuple[float, int] | None = None
    source_arn: str | None = TUTORIAL_SOURCE_ARN  # None: no invoke permission at all
    tags: Mapping[str, str] = field(default_factory=lambda: _frozen(None))

    @property
    def tables(self) -> tuple[TableSpec, ...]:
        return (self.table, *self.extra_tables)

    @property
    def all_tags(self) -> dict[str, str]:
        """The tags put on everything the stack creates; teardown deletes only what carries them."""
        return {STACK_TAG: self.stack_name, **dict(self.tags)}

    @property
    def statement_id(self) -> str:
        return f"apigateway-{self.function_name}-{self.http_method.lower()}"

    def with_prefix(self, prefix: str) -> StackSettings:
        """A copy whose every name starts with `prefix` (a variant or a real-AWS run never collides)."""
        if not prefix:
            return self
        return dataclasses.replace(
            self,
            stack_name=f"{prefix}{self.stack_name}",
            table=dataclasses.replace(self.table, name=f"{prefix}{self.table.name}"),
            extra_tables=tuple(dataclasses.replace(t, name=f"{prefix}{t.name}") for t in self.extra_tables),
            role_name=f"{prefix}{self.role_name}",
            function_name=f"{prefix}{self.function_name}",
            api_name=f"{prefix}{self.api_name}",
        )

    def with_overrides(self, overrides: Mapping[str, Any]) -> StackSettings:
        """A copy with scenario-style overrides applied (see `OVERRIDE_KEYS`); unknown keys raise ValueError."""
        changes: dict[str, Any] = {}
        for key, value in overrides.items():
            if key not in OVERRIDE_KEYS:
                raise ValueError(f"unknown stack override {key!r}; known: {', '.join(sorted(OVERRIDE_KEYS))}")
            changes.update(OVERRIDE_KEYS[key](self, value))
        return dataclasses.replace(self, **changes)

    def fingerprint(self) -> str:
        """A short stable hash of the settings (names a variant deployment)."""
        raw = json.dumps(to_jsonable(self), sort_keys=True, default=str)
        return hashlib.sha256(raw.encode()).hexdigest()[:8]


def _table(value: Any, default_name: str) -> TableSpec:
    if isinstance(value, str):
        return TableSpec(name=value)
    return TableSpec(**{"name": default_name, **dict(value)})


def _permission(settings: StackSettings, value: Any) -> dict[str, Any]:
    if value in (None, False, "none"):
        return {"source_arn": None}
    if value in (True, "tutorial"):
        return {"source_arn": TUTORIAL_SOURCE_ARN}
    return {"source_arn": str(value)}


OVERRIDE_KEYS: dict[str, Any] = {
    "permission": _permission,
    "source_arn": lambda s, v: _permission(s, v),
    "integration_http_method": lambda s, v: {"integration_http_method": str(v).upper()},
    "integration_timeout_ms": lambda s, v: {"integration_timeout_ms": int(v)},
    "throttling": lambda s, v: {"throttling": None if v is None else (float(dict(v)["rate"]), int(dict(v)["burst"]))},
    "handler": lambda s, v: {"handler": str(v)},
    "runtime": lambda s, v: {"runtime": str(v)},
    "timeout": lambda s, v: {"timeout": int(v)},
    "memory_size": lambda s, v: {"memory_size": int(v)},
    "reserved_concurrency": lambda s, v: {"reserved_concurrency": None if v is None else int(v)},
    "environment": lambda s, v: {"environment": _frozen({k: str(x) for k, x in dict(v).items()})},
    "code_files": lambda s, v: {"code_files": _frozen({k: str(x) for k, x in dict(v).items()})},
    "code_dir": lambda s, v: {"code_dir": str(v)},
    "key_type": lambda s, v: {"table": dataclasses.replace(s.table, key_type=str(v))},
    "key_name": lambda s, v: {"table": dataclasses.replace(s.table, key_name=str(v))},
    "table": lambda s, v: {"table": _table(v, s.table.name)},
    "extra_tables": lambda s, v: {"extra_tables": tuple(_table(t, "") for t in v)},
    "http_method": lambda s, v: {"http_method": str(v).upper()},
    "resource_path": lambda s, v: {"resource_path": str(v).strip("/")},
    "stage": lambda s, v: {"stage": str(v)},
    "binary_media_types": lambda s, v: {"binary_media_types": tuple(v)},
}


def to_jsonable(settings: StackSettings) -> dict[str, Any]:
    """The settings as plain JSON-able data (for printing and fingerprints)."""
    def convert(value: Any) -> Any:
        if dataclasses.is_dataclass(value):
            return {f.name: convert(getattr(value, f.name)) for f in dataclasses.fields(value)}
        if isinstance(value, Mapping):
            return {k: convert(v) for k, v in value.items()}
        if isinstance(value, (tuple, list)):
            return [convert(v) for v in value]
        return value

    return convert(settings)
