"""`harness deploy --template FILE` / `harness destroy --stack-name NAME` / `harness plan --template FILE`: a
SAM or CloudFormation template onto a target through its CloudFormation API (deploy/template_deploy.py does the
work; this module reads the options and prints).

Exit status as for every command: 0 deployed (or "No updates are to be performed."), 1 the stack failed and
rolled back (each failed resource, its type and the reason printed), 2 nothing deployed (bad template, missing
parameter or path, cfn-lint error). `replay`/`run` find the template in a `harness-stack.json` of the scenario
folder (or its parent) when `--template` is not given. Left out: following the stack's events live (they
are printed at the end).
"""
from __future__ import annotations

import argparse
import contextlib
import sys
from typing import Any, Iterator

from ..replay import folder_config
from ..defaults import DEFAULT_REGION
from ..targets.localstack import wait_template_services
from .options import resolve_target

SERVER_SIDE_TRANSFORM = ("localstack", "aws")  # targets whose CloudFormation runs SAM's transform itself


def add_template_options(parser: argparse.ArgumentParser, *, deploying: bool) -> None:
    if deploying:
        parser.add_argument("--template", metavar="FILE",
                            help="deploy this SAM or CloudFormation template (YAML or JSON) instead of the tutorial's "
                                 "plan, through the target's CloudFormation")
        parser.add_argument("--parameter-overrides", nargs="+", metavar="KEY=VALUE", default=[],
                            help="the template's parameter values (with --template)")
        parser.add_argument("--no-lint", action="store_true",
                            help="skip cfn-lint before deploying (with --template; its errors stop a deploy)")
    parser.add_argument("--stack-name", metavar="NAME",
                        help="the CloudFormation stack (default with --template: the template's folder name)")


def cmd_plan_template(args: argparse.Namespace) -> int:
    from ..deploy.template_deploy import plan_template, render_template_plan

    plan = plan_template(args.template, region=args.region or DEFAULT_REGION, stack_name=args.stack_name,
                         overrides=_overrides(args), lint=not getattr(args, "no_lint", False))
    _print_warnings(plan)
    print(render_template_plan(plan))
    return 0


def _overrides(args: argparse.Namespace) -> dict[str, str]:
    from ..deploy.template_source import parse_overrides

    return parse_overrides(getattr(args, "parameter_overrides", None))


def _print_warnings(plan: Any) -> None:
    for finding in plan.warnings:
        print(f"harness: cfn-lint warning: {finding}", file=sys.stderr, flush=True)


def _prefix(args: argparse.Namespace, target: Any) -> str:
    """What goes before the stack's name: `--prefix` when given (on every target), else the target's own (real
    AWS: the run's generated prefix)."""
    return getattr(args, "prefix", None) or target.prefix or ""


def cmd_deploy_template(args: argparse.Namespace) -> int:
    from ..clients import Clients
    from ..deploy.template_deploy import deploy_planned, on_target, plan_template

    region = args.region or DEFAULT_REGION
    overrides = _overrides(args)
    plan = plan_template(args.template, region=region, stack_name=args.stack_name, overrides=overrides,
                         lint=not args.no_lint)
    _print_warnings(plan)
    target = resolve_target(args, region)
    wait_template_services(target)
    plan = on_target(plan, _prefix(args, target), target.tags)
    print(f"harness: deploying {plan.stack_name} from {plan.source.path} to {target.name} "
          f"({target.endpoint.url or 'AWS'})", flush=True)
    done = deploy_planned(plan, Clients(target.endpoint), transform_here=target.name not in SERVER_SIDE_TRANSFORM,
                          on_status=lambda line: print(f"harness: {line}", flush=True))
    if not done.changed:
        print(f"harness: {plan.stack_name}: No updates are to be performed.")
    else:
        print(f"harness: {plan.stack_name}: {done.status} in {done.seconds:.2f} s")
    for key, value in done.outputs.items():
        print(f"  {key} = {value}")
    return 0


def cmd_destroy_template(args: argparse.Namespace) -> int:
    from ..clients import Clients
    from ..deploy.template_stack import destroy_template

    target = resolve_target(args, args.region or DEFAULT_REGION)
    name = f"{_prefix(args, target)}{args.stack_name}"
    existed = destroy_template(Clients(target.endpoint), name)
    print(f"harness: destroyed {name}" if existed else f"harness: no stack {name} found")
    return 0


class TemplateRun:
    """`replay`/`run --template`: the planned template (checked before any target is opened)."""

    def __init__(self, plan: Any) -> None:
        self.plan = plan


def template_run(args: argparse.Namespace, region: str) -> TemplateRun | None:
    """The template to replay against (--template, else the folders' harness-stack.json), planned now (bad
    input: exit 2 before anything starts), or None."""
    from ..deploy.template_deploy import plan_template

    path, stack_name, overrides = getattr(args, "template", None), args.stack_name, _overrides(args)
    if not path:
        configured = folder_config(list(getattr(args, "paths", None) or []))
        if configured is None:
            return None
        path = str(configured.template)
        stack_name = stack_name or configured.stack_name
        overrides = {**configured.parameter_overrides, **overrides}
    plan = plan_template(path, region=region, stack_name=stack_name, overrides=overrides, lint=not args.no_lint)
    _print_warnings(plan)
    return TemplateRun(plan)


@contextlib.contextmanager
def template_stack(run: TemplateRun | None, target: Any) -> Iterator[Any]:
    """The template's stack deployed on `target` for a replay (its StackOutputs), deleted afterwards unless it
    was there before; None without a template."""
    if run is None:
        yield None
        return
    from ..clients import Clients
    from ..deploy.template_deploy import deployed_template, on_target

    wait_template_services(target)
    run.plan = on_target(run.plan, target.prefix, target.tags)  # the replay's variants follow it
    with deployed_template(run.plan, Clients(target.endpoint), url_for=target.invoke_url,
                           transform_here=target.name not in SERVER_SIDE_TRANSFORM,
                           on_status=lambda line: print(f"harness: {line}", flush=True)) as outputs:
        yield outputs
