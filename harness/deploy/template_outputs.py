"""A template stack's Outputs as the harness's outputs (`StackOutputs`), so the tutorial's scenarios run on it.

The template names them as `template.yaml` does: `Table` (more tables: `Table2`, `Table3`...), `RoleArn`,
`FunctionName`, `FunctionArn`, `ApiId`, `Stage`, `ResourcePath`, optionally `DeploymentId`. The invoke URL is
the target's (the embedded stack's own URL for the API), not the template's `https://...amazonaws.com` one.
Every Output and
every resource's physical id come along too (`{{stack.outputs.X}}`, `{{stack.resources.LogicalId}}`).
Left out: templates with several APIs or functions (the tutorial's scenarios address one of each).
"""
from __future__ import annotations

from typing import Callable

from ..errors import UsageError
from .executor import StackOutputs
from .template_stack import TemplateDeployment

NEEDED = ("Table", "RoleArn", "FunctionName", "FunctionArn", "ApiId", "Stage", "ResourcePath")


def stack_outputs(done: TemplateDeployment, region: str, url_for: Callable[[str, str, str], str]) -> StackOutputs:
    """The `StackOutputs` the template's Outputs describe (UsageError naming what is missing)."""
    out = done.outputs
    missing = [key for key in NEEDED if key not in out]
    if missing:
        raise UsageError(f"{done.stack_name}: the template's Outputs lack {', '.join(missing)} (scenarios on a "
                         "template stack read the tutorial's outputs from them, as template.yaml declares)")
    extra = sorted((k for k in out if k.startswith("Table") and k[5:].isdigit()), key=lambda k: int(k[5:]))
    deployment = out.get("DeploymentId") or next(
        (physical for logical, physical in done.resources.items() if "Deployment" in logical), "")
    return StackOutputs(
        stack_name=done.stack_name, region=region, account_id=out["RoleArn"].split(":")[4],
        tables=(out["Table"], *(out[k] for k in extra)), role_arn=out["RoleArn"],
        function_name=out["FunctionName"], function_arn=out["FunctionArn"], api_id=out["ApiId"],
        stage=out["Stage"], resource_path=out["ResourcePath"], deployment_id=deployment,
        invoke_url=url_for(out["ApiId"], out["Stage"], out["ResourcePath"]),
        outputs=dict(out), resources=dict(done.resources))
