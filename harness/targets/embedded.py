"""The embedded stack as a target: this project's emulator (`harness serve`, or one started for a run by
`sessions.open_target`). It lacks nothing the scenarios require.

Left out: starting the stack (sessions.py starts it in process or as a child process).
"""
from __future__ import annotations

from ..clients import Endpoint
from ..defaults import DEFAULT_REGION
from .target import Target


def target(url: str, region: str = DEFAULT_REGION) -> Target:
    """The embedded stack answering at `url`."""
    return Target("embedded", Endpoint(url, region))
