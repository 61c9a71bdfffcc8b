"""The embedded stack (server.py) and the switches read before it starts (light: no moto import here)."""
from __future__ import annotations

import os
from typing import Mapping

#: HARNESS_LAMBDA_MEMORY_LIMITS=0 (or false/no/off): a function may pass its memory size (only measured).
MEMORY_LIMITS_ENV = "HARNESS_LAMBDA_MEMORY_LIMITS"


def memory_limits_from_env(env: Mapping[str, str] | None = None) -> bool:
    value = ((os.environ if env is None else env).get(MEMORY_LIMITS_ENV) or "").strip().lower()
    return value not in ("0", "false", "no", "off")
