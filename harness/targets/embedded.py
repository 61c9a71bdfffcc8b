"""The embedded stack as a target: this project's emulator (`harness serve`, or one started for a run by
`sessions.open_target`). It lacks nothing the scenarios require. `answers(url)` tells whether one runs at a URL
(its `GET /_harness/health`).

Left out: starting the stack (sessions.py starts it in process or as a child process).
"""
from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

from ..clients import Endpoint
from ..defaults import DEFAULT_REGION
from .target import Target

HEALTH_PATH = "/_harness/health"


def target(url: str, region: str = DEFAULT_REGION) -> Target:
    """The embedded stack answering at `url`."""
    return Target("embedded", Endpoint(url, region))


def health(url: str, timeout: float = 2.0) -> dict[str, Any] | None:
    """The health answer of a ready embedded stack at `url` (None when none answers, or it is starting)."""
    try:
        with urllib.request.urlopen(url.rstrip("/") + HEALTH_PATH, timeout=timeout) as response:
            body = json.loads(response.read().decode() or "{}")
    except (OSError, ValueError):
        return None
    return body if isinstance(body, dict) and body.get("status") == "ready" else None


def answers(url: str, timeout: float = 2.0) -> bool:
    """Whether an embedded stack (ready or starting) answers its health endpoint at `url`."""
    try:
        with urllib.request.urlopen(url.rstrip("/") + HEALTH_PATH, timeout=timeout) as response:
            body = json.loads(response.read().decode() or "{}")
    except urllib.error.HTTPError as exc:  # 503 while starting: still our stack when it says so
        try:
            body = json.loads(exc.read().decode() or "{}")
        except ValueError:
            return False
    except (OSError, ValueError):
        return False
    return isinstance(body, dict) and body.get("status") in ("ready", "starting")
