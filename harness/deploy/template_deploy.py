"""`harness deploy --template`: plan (read, lint, parameters, package: no AWS call) then deploy (upload,
SAM transform where the target lacks it, AWS's template checks, change set).

`plan_template` does everything that can refuse bad input before anything is called, so a broken template, a
missing parameter or a missing `CodeUri` deploys nothing (UsageError, exit 2); cfn-lint's errors stop it too,
its warnings travel with the plan for the CLI to print. `deploy_planned` makes the stack.
Left out: `--guided`, samconfig.toml, signing, image functions.
"""
from __future__ import annotations

import contextlib
import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Callable, Iterator, Mapping

from ..clients import Clients
from ..emulator.template_checks import template_problem
from ..errors import UsageError
from .template_package import Artifact, build_artifact, find_artifacts, inline_includes, object_key, rewrite
from .template_source import Finding, TemplateSource, lint_template, read_template, resolve_parameters
from .executor import StackOutputs
from .template_outputs import stack_outputs
from .template_stack import (TemplateDeployment, account_of, bucket_name, deploy_template, destroy_template,
                             read_stack, upload_artifacts)
from .template_variant import check_overrides, variant_template
from .template_transform import transform_sam

DEFAULT_CACHE = Path(".harness/cache/deps")


@dataclass(frozen=True)
class TemplatePlan:
    """What will be deployed: the template, its parameter values, the packaged artifacts and lint's findings."""

    source: TemplateSource
    stack_name: str
    parameters: Mapping[str, str]
    artifacts: tuple[tuple[Artifact, str, bytes], ...]  # (artifact, S3 key, bytes)
    findings: tuple[Finding, ...] = ()
    tags: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def warnings(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.level != "E")


def default_stack_name(path: Path) -> str:
    """A stack name from the template's folder (`sam-app/template.yaml` -> `sam-app`), valid for CloudFormation."""
    base = path.resolve().parent.name or "harness"
    name = "".join(c if c.isalnum() or c == "-" else "-" for c in base).strip("-")
    return (name if name[:1].isalpha() else f"stack-{name}")[:128] or "harness-stack"


def plan_template(path: str | Path, *, region: str, stack_name: str | None = None,
                  overrides: Mapping[str, str] | None = None, lint: bool = True,
                  tags: Mapping[str, str] | None = None, cache_dir: Path = DEFAULT_CACHE) -> TemplatePlan:
    """Read, lint, check parameters and package; UsageError (nothing called) on any bad input."""
    source = read_template(path)
    name = stack_name or default_stack_name(source.path)
    findings: tuple[Finding, ...] = ()
    if lint:
        findings = tuple(lint_template(source, region))
        errors = [f for f in findings if f.level == "E"]
        if errors:
            more = f" (and {len(errors) - 1} more cfn-lint errors)" if len(errors) > 1 else ""
            raise UsageError(f"{errors[0]}{more}; --no-lint deploys without the check")
    parameters = resolve_parameters(source, overrides or {})
    body = inline_includes(dict(source.body), source.base_dir, str(source.path))
    source = TemplateSource(source.path, source.text, MappingProxyType(body))
    packaged = []
    for artifact in find_artifacts(source.body, source.base_dir, str(source.path)):
        data = build_artifact(artifact, cache_dir)
        packaged.append((artifact, object_key(data, artifact), data))
    return TemplatePlan(source, name, MappingProxyType(parameters), tuple(packaged), findings,
                        MappingProxyType(dict(tags or {})))


def on_target(plan: TemplatePlan, prefix: str = "", tags: Mapping[str, str] | None = None) -> TemplatePlan:
    """`plan` as deployed on a target: its stack name prefixed and the target's tags added (real AWS keeps
    every run's stacks apart by them, and `destroy` finds them)."""
    if not prefix and not tags:
        return plan
    return dataclasses.replace(plan, stack_name=f"{prefix}{plan.stack_name}",
                               tags=MappingProxyType({**plan.tags, **dict(tags or {})}))


def render_template_plan(plan: TemplatePlan) -> str:
    """The plan for humans: stack, parameters, artifacts."""
    lines = [f"stack {plan.stack_name} from {plan.source.path}" + (" (SAM)" if plan.source.is_sam else "")]
    lines += [f"  parameter {k}={v}" for k, v in plan.parameters.items()]
    lines += [f"  package {a.logical_id}.{a.prop}: {a.path} -> {key} ({len(data)} bytes)"
              for a, key, data in plan.artifacts]
    return "\n".join(lines)


def deploy_planned(plan: TemplatePlan, clients: Clients, *, transform_here: bool,
                   on_status: Callable[[str], None] | None = None) -> TemplateDeployment:
    """Upload the artifacts, transform SAM when the target cannot, check, and deploy with a change set."""
    body = _ready_body(plan, clients, plan.stack_name, transform_here=transform_here)
    return deploy_template(clients, plan.stack_name, body, plan.parameters, tags=plan.tags, on_status=on_status)


def _ready_body(plan: TemplatePlan, clients: Clients, stack_name: str, *, transform_here: bool) -> dict[str, Any]:
    """The template as the target gets it: artifacts uploaded to `stack_name`'s bucket, SAM transformed when
    `transform_here`, checked as AWS checks it (UsageError)."""
    body: dict[str, Any] = dict(plan.source.body)
    if plan.artifacts:
        bucket = upload_artifacts(clients, stack_name, {key: data for _, key, data in plan.artifacts}, plan.tags)
        body = rewrite(body, {(a.logical_id, a.prop): (bucket, key) for a, key, _ in plan.artifacts})
    if transform_here and plan.source.is_sam:
        body = transform_sam(body, plan.parameters, region=clients.endpoint.region, account_id=account_of(clients),
                             iam=clients("iam"), template_name=str(plan.source.path))
    if transform_here or not plan.source.transforms:
        problem = template_problem(body)
        if problem:
            raise UsageError(f"{plan.source.path}: {problem}")
    return body


def deploy_variant(plan: TemplatePlan, clients: Clients, base: StackOutputs, overrides: Mapping[str, Any], *,
                   prefix: str, cache_dir: Path = DEFAULT_CACHE) -> TemplateDeployment:
    """The stack `prefix + plan.stack_name`: the template with a scenario's `stack` overrides applied
    (template_variant.py), SAM transformed here on every target so the patches see plain CloudFormation."""
    name = f"{prefix}{plan.stack_name}"
    check_overrides(overrides)  # before anything is uploaded
    body = _ready_body(plan, clients, name, transform_here=True)
    packages = {artifact.logical_id: data for artifact, _, data in plan.artifacts
                if artifact.prop in ("CodeUri", "Code")}
    bucket = bucket_name(name, clients.endpoint.region, account_of(clients))
    variant = variant_template(body, overrides, base=base, prefix=prefix, bucket=bucket, packages=packages,
                               parameters=plan.parameters, cache_dir=cache_dir)
    if variant.blobs:
        upload_artifacts(clients, name, variant.blobs, plan.tags)
    problem = template_problem(variant.body)
    if problem:
        raise UsageError(f"{plan.source.path} with the overrides {sorted(overrides)}: {problem}")
    return deploy_template(clients, name, variant.body, variant.parameters, tags=plan.tags)


@contextlib.contextmanager
def deployed_template(plan: TemplatePlan, clients: Clients, *, transform_here: bool,
                      url_for: Callable[[str, str, str], str],
                      on_status: Callable[[str], None] | None = None) -> Iterator[StackOutputs]:
    """The template's stack deployed for a replay or a test session, as `StackOutputs` (its Outputs under the
    harness's names); deleted afterwards unless it was there before."""
    there = read_stack(clients, plan.stack_name) is not None
    done = deploy_planned(plan, clients, transform_here=transform_here)
    if on_status is not None:
        on_status(f"stack {done.stack_name} from {plan.source.path}: {done.status}")
    try:
        yield stack_outputs(done, clients.endpoint.region, url_for)
    finally:
        if not there:
            destroy_template(clients, plan.stack_name)
