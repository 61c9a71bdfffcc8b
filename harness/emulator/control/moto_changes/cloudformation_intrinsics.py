"""Intrinsic functions moto's CloudFormation evaluates otherwise than AWS.

`Fn::GetAZs`: AWS answers the Availability Zones of the region named, and for `""` (or `!Ref AWS::Region`) those
of the stack's region ("Specifying an empty string is equivalent to specifying AWS::Region": the Fn::GetAZs page
of the CloudFormation User Guide). moto used us-east-1 for `""` and did not resolve a `Ref`. Here: the argument
resolved, the stack's region when empty, and the zones EC2's DescribeAvailabilityZones lists for it (moto's
table; a region it does not know gets `a`, `b`, `c`).
Left out: the account-specific zone mapping AWS applies.
"""
from __future__ import annotations

from typing import Any, Callable


def _zones(region: str) -> list[str]:
    from moto.ec2.models.availability_zones_and_regions import RegionsAndZonesBackend

    known = RegionsAndZonesBackend.zones.get(region) or []
    return [zone.name for zone in known] or [f"{region}{letter}" for letter in "abc"]


def _with_get_azs(clean_json: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    def clean(resource_json: Any, resources_map: Any) -> Any:
        if isinstance(resource_json, dict) and "Fn::GetAZs" in resource_json:
            region = clean_json(resource_json["Fn::GetAZs"], resources_map) or resources_map["AWS::Region"]
            return _zones(str(region))
        return clean_json(resource_json, resources_map)

    clean._harness = True  # type: ignore[attr-defined]
    return clean


def fix_intrinsics() -> None:
    """Install the corrections into moto's template parser (idempotent; its recursion goes through them)."""
    from moto.cloudformation import parsing

    if not getattr(parsing.clean_json, "_harness", False):
        parsing.clean_json = _with_get_azs(parsing.clean_json)
