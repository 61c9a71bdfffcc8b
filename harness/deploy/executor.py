"""Run deployment plans with boto3 against any endpoint; observe what exists; deploy, redeploy and destroy.

`deploy` = observe -> plan_deploy -> run -> outputs. `destroy` = observe -> plan_destroy -> run.
Left out: rollback of a half-applied plan (run `destroy`, which removes whatever the stack owns).
"""
from __future__ import annotations

import json
import logging
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping

import jmespath
from botocore.exceptions import ClientError, WaiterError
from botocore import xform_name

from ..clients import Clients
from ..errors import HarnessError
from .package import build_zip
from .plan import Call, Fmt, Observed, Plan, Ref, Step, Wait, plan_deploy, plan_destroy
from .settings import StackSettings

log = logging.getLogger(__name__)

UrlFor = Callable[[str, str, str], str]  # (api_id, stage, path) -> URL
OnStep = Callable[[Step, float], None]


class DeployError(HarnessError):
    """A plan step failed; names the step and AWS's error (exit status 1)."""


@dataclass(frozen=True)
class StackOutputs:
    """What a deployment produced, as written to the outputs file."""

    stack_name: str
    region: str
    account_id: str
    tables: tuple[str, ...]
    role_arn: str
    function_name: str
    function_arn: str
    api_id: str
    stage: str
    resource_path: str
    deployment_id: str
    invoke_url: str
    # a template's stack (`--template`): its Outputs and its resources' physical ids by logical id, for
    # `{{stack.outputs.X}}` / `{{stack.resources.LogicalId}}`; empty for the plan's stack
    outputs: dict[str, str] = field(default_factory=dict)
    resources: dict[str, str] = field(default_factory=dict)

    @property
    def from_template(self) -> bool:
        """Whether a template made this stack (a template always has resources; the plan's stack lists none)."""
        return bool(self.resources)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2)

    def write(self, path: str | Path) -> Path:
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(self.to_json() + "\n")
        return target

    @classmethod
    def read(cls, path: str | Path) -> StackOutputs:
        data = json.loads(Path(path).read_text())
        data["tables"] = tuple(data["tables"])
        return cls(**data)


def _resolve(value: Any, results: Mapping[str, Any]) -> Any:
    if isinstance(value, Ref):
        found = jmespath.search(value.path, results[value.step])
        if found is None:
            raise DeployError(f"step {value.step!r} gave no {value.path!r}")
        return found
    if isinstance(value, Fmt):
        return value.template.format(**{k: _resolve(v, results) for k, v in value.values.items()})
    if isinstance(value, Mapping):
        return {k: _resolve(v, results) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_resolve(v, results) for v in value]
    return value


class Executor:
    """Runs plan steps in order; results of earlier steps feed the Refs of later ones."""

    def __init__(self, clients: Clients, on_step: OnStep | None = None, retry_seconds: float = 60.0) -> None:
        self.clients = clients
        self.on_step = on_step
        self.retry_seconds = retry_seconds
        self.wait_delay = 0.1 if clients.endpoint.is_local else 2.0

    def run(self, plan: Plan) -> dict[str, Any]:
        results: dict[str, Any] = {}
        for step in plan:
            started = time.perf_counter()
            params = _resolve(step.params, results)
            if isinstance(step, Call):
                results[step.id] = self._call(step, params)
            else:
                self._wait(step, params)
                results[step.id] = {}
            if self.on_step:
                self.on_step(step, time.perf_counter() - started)
        return results

    def _call(self, step: Call, params: dict[str, Any]) -> Any:
        method = getattr(self.clients(step.service), xform_name(step.operation))
        deadline = time.monotonic() + self.retry_seconds
        while True:
            try:
                result = method(**params)
                result.pop("ResponseMetadata", None)
                return result
            except ClientError as exc:
                code = exc.response.get("Error", {}).get("Code", "")
                if code in step.ignore:
                    return {}
                if code in step.retry_on and time.monotonic() < deadline:
                    time.sleep(self.wait_delay * 10)
                    continue
                message = exc.response.get("Error", {}).get("Message", str(exc))
                raise DeployError(f"{step.note.strip()}: {step.service} {step.operation} failed: "
                                  f"{code}: {message}") from exc

    def _wait(self, step: Wait, params: dict[str, Any]) -> None:
        waiter = self.clients(step.service).get_waiter(step.waiter)
        try:
            waiter.wait(**params, WaiterConfig={"Delay": self.wait_delay, "MaxAttempts": 600})
        except WaiterError as exc:
            raise DeployError(f"{step.note.strip()}: {exc}") from exc


def _tags_list(tags: list[dict[str, str]]) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in tags}


def _missing(exc: ClientError) -> bool:
    return exc.response.get("Error", {}).get("Code") in (
        "ResourceNotFoundException", "NoSuchEntity", "NotFoundException")


def observe(settings: StackSettings, clients: Clients) -> Observed:
    """Read what of the stack already exists on the endpoint (names from settings, tags for ownership)."""
    found: dict[str, Any] = {"account_id": clients("sts").get_caller_identity()["Account"]}
    dynamodb, iam, lam, apigw = clients("dynamodb"), clients("iam"), clients("lambda"), clients("apigateway")
    tables: dict[str, Mapping[str, str]] = {}
    for table in settings.tables:
        try:
            arn = dynamodb.describe_table(TableName=table.name)["Table"]["TableArn"]
            tables[table.name] = _tags_list(dynamodb.list_tags_of_resource(ResourceArn=arn).get("Tags", []))
        except ClientError as exc:
            if not _missing(exc):
                raise
    found["tables"] = tables
    try:
        role = iam.get_role(RoleName=settings.role_name)["Role"]
        found["role_arn"] = role["Arn"]
        found["role_tags"] = _tags_list(iam.list_role_tags(RoleName=settings.role_name).get("Tags", []))
        attached = iam.list_attached_role_policies(RoleName=settings.role_name)["AttachedPolicies"]
        found["attached_policies"] = tuple(p["PolicyArn"] for p in attached)
    except ClientError as exc:
        if not _missing(exc):
            raise
    try:
        fn = lam.get_function(FunctionName=settings.function_name)
        found["function_arn"] = fn["Configuration"]["FunctionArn"]
        found["function_tags"] = dict(fn.get("Tags") or {})
        found["function_has_concurrency"] = "ReservedConcurrentExecutions" in (fn.get("Concurrency") or {})
        try:
            policy = json.loads(lam.get_policy(FunctionName=settings.function_name)["Policy"])
            found["function_has_statement"] = any(
                s.get("Sid") == settings.statement_id for s in policy.get("Statement", []))
        except ClientError as exc:
            if not _missing(exc):
                raise
    except ClientError as exc:
        if not _missing(exc):
            raise
    found.update(_observe_api(settings, apigw))
    return Observed(**found)


def _observe_api(settings: StackSettings, apigw: Any) -> dict[str, Any]:
    apis = [a for page in apigw.get_paginator("get_rest_apis").paginate() for a in page.get("items", [])]
    mine = [a for a in apis if a.get("name") == settings.api_name]
    if not mine:
        return {}
    owned_first = sorted(mine, key=lambda a: (a.get("tags") or {}).get("harness:stack") != settings.stack_name)
    api = owned_first[0]
    found: dict[str, Any] = {"api_id": api["id"], "api_tags": dict(api.get("tags") or {})}
    resources = apigw.get_resources(restApiId=api["id"], limit=500)["items"]
    for resource in resources:
        if resource.get("path") == f"/{settings.resource_path}":
            found["resource_id"] = resource["id"]
            method = (resource.get("resourceMethods") or {}).get(settings.http_method)
            if method is not None:
                found["method_exists"] = True
                try:
                    apigw.get_method_response(restApiId=api["id"], resourceId=resource["id"],
                                              httpMethod=settings.http_method, statusCode="200")
                    found["method_response_exists"] = True
                except ClientError as exc:
                    if not _missing(exc):
                        raise
    return found


def deploy(settings: StackSettings, clients: Clients, *, url_for: UrlFor | None = None,
           on_step: OnStep | None = None) -> StackOutputs:
    """Create the stack, or update it in place when it exists; returns its outputs."""
    package = build_zip(settings.code_dir, settings.code_files)
    observed = observe(settings, clients)
    results = Executor(clients, on_step).run(plan_deploy(settings, package, observed))
    api_id = observed.api_id or results["api"]["id"]
    role_arn = observed.role_arn or results["role"]["Role"]["Arn"]
    url = (url_for or default_url_for(clients))(api_id, settings.stage, settings.resource_path)
    return StackOutputs(
        stack_name=settings.stack_name, region=settings.region, account_id=results["whoami"]["Account"],
        tables=tuple(t.name for t in settings.tables), role_arn=role_arn,
        function_name=settings.function_name, function_arn=results["function"]["FunctionArn"],
        api_id=api_id, stage=settings.stage, resource_path=settings.resource_path,
        deployment_id=results["deployment"]["id"], invoke_url=url,
    )


def destroy(settings: StackSettings, clients: Clients, *, on_step: OnStep | None = None) -> Plan:
    """Delete what the stack owns; returns the steps that ran (empty when nothing was there)."""
    plan = plan_destroy(settings, observe(settings, clients))
    Executor(clients, on_step).run(plan)
    return plan


def default_url_for(clients: Clients) -> UrlFor:
    """AWS's invoke URL for real AWS, the `/_aws/execute-api/` form for any local endpoint."""
    endpoint = clients.endpoint

    def url_for(api_id: str, stage: str, path: str) -> str:
        if endpoint.url is None:
            return f"https://{api_id}.execute-api.{endpoint.region}.amazonaws.com/{stage}/{path.lstrip('/')}"
        return f"{endpoint.url.rstrip('/')}/_aws/execute-api/{api_id}/{stage}/{path.lstrip('/')}"

    return url_for
