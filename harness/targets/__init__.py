"""Where a stack runs and how to make it ready: the embedded stack, LocalStack, real AWS, any endpoint.

`Target` (target.py) is what the rest of the harness holds. One module per kind of target, each with its
`target(...)` constructor and what it lacks: `embedded`, `localstack`, `aws`. `sessions` makes one ready
(`resolve` for the CLI, `open_target` for a run that may start a stack) after `endpoint_checks` has read and
asked the endpoint URL; `doctor` says which are usable here.
"""
from __future__ import annotations

from . import aws, embedded, localstack
from .sessions import TargetUnavailable, open_target, planned, resolve
from .target import FEATURES, NAMES, Target, endpoint, safe_url

__all__ = ["FEATURES", "NAMES", "Target", "TargetUnavailable", "aws", "embedded", "endpoint",
           "localstack", "open_target", "planned", "resolve", "safe_url"]
