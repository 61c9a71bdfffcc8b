"""The one place that reads and writes moto's in-process state (a moto upgrade should touch only this package).

Control-plane state (functions, code, policies, REST APIs, deployments, log groups) lives in moto's backends.
`ControlPlane` (plane.py) turns it into the frozen values of `model.py` and keeps what moto lacks (the snapshot
of a REST API's resource tree taken at each deployment); `dynamodb.py` serves DynamoDB calls straight through
moto's handler; `speedups.py` trims moto's per-request costs; `moto_fixes.py` fixes moto bugs users would hit;
`lazy_imports.py` loads moto's API Gateway models without their OpenAPI validator until it is needed.
Importing the package applies the speed-ups and the fixes.
Left out: API Gateway authorizers and models (published Lambda versions and aliases are served: moto keeps them).
"""
from __future__ import annotations

from .lazy_imports import import_apigateway_models

import_apigateway_models()  # before anything imports moto's API Gateway models (saves ~0.2 s of start)

from .dynamodb import DYNAMODB_TARGET, dynamodb_call  # noqa: E402 - after the models, on purpose
from .plane import TEST_INVOKE_STAGE, ControlPlane, now_ms, policy_statements  # noqa: E402
from .moto_fixes import fix_moto  # noqa: E402
from .speedups import speed_up_moto  # noqa: E402

speed_up_moto()
fix_moto()

__all__ = ["DYNAMODB_TARGET", "TEST_INVOKE_STAGE", "ControlPlane", "dynamodb_call", "now_ms", "policy_statements",
           "speed_up_moto"]
