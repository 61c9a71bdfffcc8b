"""The one place that reads and writes moto's in-process state (a moto upgrade should touch only this package).

Control-plane state (functions, code, policies, REST APIs, deployments, log groups) lives in moto's backends.
`ControlPlane` (plane.py) turns it into the frozen values of `model.py` and keeps what moto lacks (the snapshot
of a REST API's resource tree taken at each deployment); `dynamodb.py` serves DynamoDB calls straight through
moto's handler; `speedups.py` trims moto's per-request costs; `moto_fixes.py` fixes moto bugs users would hit.
Importing the package applies the speed-ups and the fixes.
Left out: Lambda aliases and published versions other than `$LATEST`, API Gateway authorizers and models.
"""
from __future__ import annotations

from .dynamodb import DYNAMODB_TARGET, dynamodb_call
from .plane import TEST_INVOKE_STAGE, ControlPlane, now_ms, policy_statements
from .moto_fixes import fix_moto
from .speedups import speed_up_moto

speed_up_moto()
fix_moto()

__all__ = ["DYNAMODB_TARGET", "TEST_INVOKE_STAGE", "ControlPlane", "dynamodb_call", "now_ms", "policy_statements",
           "speed_up_moto"]
