"""CloudFormation served by moto, completed: the chain handler that prepares moto's CloudFormation at its first
call (importing it costs ~1 s, so a stack that never sees a CloudFormation call does not pay for it).

What is completed, one module per concern: `cloudformation_outcomes.py` (events per resource, rollback,
unsupported types fail, change sets), `cloudformation_apigateway.py` (API Gateway's resource types),
`cloudformation_types.py` (Lambda, Cognito and the other types moto lacks), `cloudformation_checks.py`
(template checks AWS makes before it creates anything), `cloudformation_intrinsics.py` (Fn::GetAZs),
`cloudformation_template_urls.py` (a TemplateURL of the endpoint itself), `cloudformation_transform.py`
(AWS::Include from S3 and SAM's transform, as CloudFormation runs them; GetTemplate's stages).
Left out: nested stacks' events and rollback (moto's AWS::CloudFormation::Stack as is).
"""
from __future__ import annotations

import threading
from typing import Any, Callable

from ...front.exchange import Exchange

_lock = threading.Lock()
_done: list[bool] = []


def prepare_cloudformation(exchange: Exchange) -> None:
    """Chain handler: a CloudFormation call finds moto's CloudFormation completed (it answers nothing itself)."""
    if _done:
        return
    scope = exchange.scope
    if scope is not None and scope[2] == "cloudformation":
        change_cloudformation()


def change_cloudformation() -> None:
    """Apply every CloudFormation change to moto (idempotent)."""
    with _lock:
        if _done:
            return
        from moto.cloudformation import parsing

        from .cloudformation_apigateway import MODELS as APIGATEWAY_MODELS
        from .cloudformation_checks import check_templates
        from .cloudformation_intrinsics import fix_intrinsics
        from .cloudformation_template_urls import fix_template_urls
        from .cloudformation_outcomes import change_cloudformation_outcomes
        from .cloudformation_transform import run_transforms
        from .cloudformation_types import MODELS as OTHER_MODELS, fix_functions

        ours = {model.cloudformation_type(): model for model in (*APIGATEWAY_MODELS, *OTHER_MODELS)}
        parsing.resource_class_from_type = _ours_first(ours, parsing.resource_class_from_type)
        change_cloudformation_outcomes()
        check_templates()
        run_transforms()  # after the checks: it wraps them, so they see the processed template
        fix_functions()
        fix_intrinsics()
        fix_template_urls()
        _done.append(True)


def _ours_first(ours: dict[str, Any], moto_s: Callable[[str], Any]) -> Callable[[str], Any]:
    def resource_class_from_type(resource_type: str) -> Any:
        return ours.get(resource_type) or moto_s(resource_type)
    return resource_class_from_type
