"""The Lambda runtime: deployed function code run by awslambdaric workers behind a local Runtime API."""
from __future__ import annotations

from .service import LambdaRuntime, invalid_runtime

__all__ = ["LambdaRuntime", "invalid_runtime"]
