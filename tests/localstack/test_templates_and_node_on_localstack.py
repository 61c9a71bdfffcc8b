"""The tutorial's template through LocalStack's own CloudFormation (and its SAM transform), and the tutorial's
Node.js function (handler-node/, nodejs20.x) on LocalStack's Lambda, the template through the tutorial scenarios,
the function through every scenario folder (skipped, with the reason, when no LocalStack answers; see conftest.py).

LocalStack needs `cloudformation` and `s3` among its SERVICES for the template (the packaging bucket), and a
`nodejs20.x` runtime image for the Node.js function (docs/targets.md says how the setup that ran these built
it). Left out: examples/ (their templates were not run on LocalStack), other Node.js versions.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from harness import targets
from harness.clients import Clients
from harness.deploy import StackSettings, deploy, destroy
from harness.deploy.template_deploy import deployed_template, plan_template
from harness.load.step_driver import drive
from harness.replay import load_items, runner_for
from harness.replay.results import FAILED, PASSED, SKIPPED
from harness.replay.scenario import runtime_key
from harness.targets import localstack as ls

pytestmark = [pytest.mark.localstack, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
TUTORIAL = ROOT / "scenarios" / "tutorial"
SCENARIOS = ROOT / "scenarios"
TEMPLATE_ONLY = "cfn-openapi-body-drops-description"


def _needs(health: ls.Health, *services: str) -> None:
    missing = health.missing(services)
    if missing:
        pytest.skip(f"this LocalStack lacks {missing} (add them to SERVICES)")


def test_the_tutorial_template_deploys_through_localstack_s_cloudformation_and_passes_the_tutorial(
        localstack_target: targets.Target, localstack_endpoint: str):
    _needs(ls.probe(localstack_endpoint), "cloudformation", "s3")
    plan = plan_template(ROOT / "template.yaml", region=localstack_target.region, stack_name="lstpl-db-api")
    clients = Clients(localstack_target.endpoint)
    with deployed_template(plan, clients, transform_here=False, url_for=localstack_target.invoke_url) as outputs:
        stack = clients("cloudformation").describe_stacks(StackName=plan.stack_name)["Stacks"][0]
        assert stack["StackStatus"] == "CREATE_COMPLETE"
        processed = clients("cloudformation").get_template(StackName=plan.stack_name, TemplateStage="Processed")
        assert "AWS::Serverless::Function" not in str(processed["TemplateBody"])  # LocalStack ran SAM's transform
        assert outputs.from_template and outputs.resources["DbApiFunction"] == "db-api"
        ls.wait_functions_ready(clients, [outputs.function_name])
        with runner_for(localstack_target, outputs=outputs, fixed=True, enforce_timing=False, load=drive,
                        template=plan) as runner:  # `stack` overrides: variant stacks of the template
            results = [runner.run_item(item) for item in load_items([TUTORIAL])]
    assert [r.item_id for r in results if r.outcome == FAILED] == []
    assert [r.item_id for r in results if r.outcome == SKIPPED] == []
    assert sum(r.outcome == PASSED for r in results) == 8
    assert TEMPLATE_ONLY in {s.difference for r in results for s in r.steps}
    gone = [s for s in clients("cloudformation").list_stacks()["StackSummaries"]
            if s["StackName"].endswith(plan.stack_name) and s["StackStatus"] != "DELETE_COMPLETE"]
    assert gone == [], gone  # the stack and its variants deleted afterwards, with the packaging bucket


def test_the_template_only_difference_is_not_met_on_the_plan_s_stack(localstack_target: targets.Target):
    """The same step on the harness's own deployment keeps AWS's answer there (CreateRestApi keeps the
    description on LocalStack too), so the difference is declared for template stacks only."""
    item = next(i for i in load_items([TUTORIAL / "00_stack_as_created.json"]))
    settings = StackSettings(region=localstack_target.region).with_prefix("lsplan-")
    with runner_for(localstack_target, settings=settings, destroy_base=True, enforce_timing=False) as runner:
        result = runner.run_item(item)
    assert result.outcome == PASSED, result
    assert all(step.difference is None for step in result.steps)


def test_the_tutorial_s_node_function_runs_every_scenario_on_localstack(localstack_target: targets.Target):
    settings = localstack_target.stack_settings(StackSettings(
        region=localstack_target.region, code_dir=str(ROOT / "handler-node"), runtime="nodejs20.x",
    ).with_prefix("lsnode-"))
    clients = Clients(localstack_target.endpoint)
    outputs = deploy(settings, clients, url_for=localstack_target.invoke_url)
    try:
        ls.wait_functions_ready(clients, [settings.function_name])
        config = clients("lambda").get_function_configuration(FunctionName=settings.function_name)
        assert (config["Runtime"], config["State"]) == ("nodejs20.x", "Active"), config
        with runner_for(localstack_target, settings=settings, outputs=outputs, enforce_timing=False,
                        load=drive) as runner:
            results = [runner.run_item(item) for item in load_items([SCENARIOS])]  # every folder
        logs = clients("logs").filter_log_events(logGroupName=f"/aws/lambda/{settings.function_name}")["events"]
    finally:
        destroy(settings, clients)
    assert [r.item_id for r in results if r.outcome == FAILED] == []
    tutorial = [r for r in results if "/tutorial/" in r.item_id]
    assert len(tutorial) == 8 and all(r.outcome == PASSED for r in tutorial)
    reasons = {r.skip_reason for r in results if r.outcome == SKIPPED}
    lacks = {reason.split(": ", 1)[1] for reason in reasons if reason.startswith("localstack: ")}
    assert lacks <= set(ls.LOCALSTACK_LACKS.values()), reasons
    assert all(reason.startswith(("localstack: ", "nodejs20.x: handler-node (the tutorial's own code)"))
               for reason in reasons), reasons  # or what only the Python port does (a `runtimes` skip)
    met = {step.difference for r in results for step in r.steps if step.difference}
    node_only = {d.name for item in load_items([SCENARIOS]) for step in item.scenario.steps
                 for d in step.differs.get("localstack", ()) if runtime_key(d.runtimes, "nodejs20.x")}
    assert node_only and node_only <= met, node_only - met  # the differences declared for Node.js are met there
    # Node.js wrote them: the tutorial's `console.log('Loading function')` at init, in Node's line format
    assert any(e["message"].endswith("\tINFO\tLoading function\n") for e in logs), [e["message"] for e in logs][:5]
