"""The template checks CloudFormation makes before it creates anything, on moto's CreateStack, UpdateStack and
CreateChangeSet (400 ValidationError, nothing made; moto recursed forever on a cycle and ignored unknown
functions). The checks themselves are pure: emulator/template_checks.py.
Left out: the rest of AWS's schema checks.
"""
from __future__ import annotations

from typing import Any, Callable

from ...template_checks import template_problem


def _checked(original: Callable[..., Any], template_at: int, keyword: str) -> Callable[..., Any]:
    def call(self: Any, *args: Any, **kwargs: Any) -> Any:
        from moto.cloudformation.exceptions import ValidationError
        from moto.cloudformation.models import Stack

        body = kwargs.get(keyword) if keyword in kwargs else (args[template_at] if len(args) > template_at else None)
        if isinstance(body, str) and body:
            try:
                document = Stack.parse_template(body)
            except ValueError:
                raise ValidationError(message="Template format error: JSON not well-formed.") from None
            problem = template_problem(document)
            if problem:
                raise ValidationError(message=problem)
        return original(self, *args, **kwargs)
    call._harness_checked = True  # type: ignore[attr-defined]
    return call


def check_templates() -> None:
    """CreateStack, UpdateStack and CreateChangeSet check the template first (idempotent)."""
    from moto.cloudformation.models import CloudFormationBackend

    for name, template_at, keyword in (("create_stack", 1, "template"), ("update_stack", 1, "template"),
                                       ("create_change_set", 2, "template")):
        method = getattr(CloudFormationBackend, name)
        if not getattr(method, "_harness_checked", False):
            setattr(CloudFormationBackend, name, _checked(method, template_at, keyword))
