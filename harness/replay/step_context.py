"""What a step runs against: the target, the deployed stack, the I/O interfaces and the load driver.

Plain frozen data built by the runner once per item and handed to every step. `load` is the injected
`LoadDriver` that runs `load` steps (None: such steps fail, saying that no driver was given).
Left out: the variables (the step's `Scope` travels beside the context: it changes as captures are bound).
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

from ..deploy import StackOutputs
from ..targets import Target
from .awscalls import AwsCaller
from .load_driver import LoadDriver
from .log_checks import LogSource
from .transport import Transport


@dataclass(frozen=True)
class StepContext:
    """What a step runs against: the target, the deployed stack and the I/O interfaces."""

    target: Target
    outputs: StackOutputs
    transport: Transport
    aws: AwsCaller
    logs: LogSource | None = None
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    wall: Callable[[], float] = time.time
    enforce_timing: bool = True  # False: broken timing bounds are the step's notes, not mismatches
    load: LoadDriver | None = None  # runs `load` steps (harness.load's, wired by the CLI and the pytest plugin)
    row: str | None = None  # the item's parameter row id (picks the row's `differs` entry)
    runtime: str | None = None  # the stack function's runtime (picks a step's `runtimes` entry)
