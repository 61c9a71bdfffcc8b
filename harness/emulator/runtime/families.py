"""The runtimes this stack runs, by family: Python, Node.js, OS-only (`provided.*`); what `harness doctor` lists.

Left out: Java, .NET and Ruby runtimes, container images (refused at invoke time with InvalidRuntimeException).
"""
from __future__ import annotations

from .launch import Availability, RuntimeFamily
from .node import NODE_RUNTIMES, NodeFamily
from .provided import PROVIDED_RUNTIMES, ProvidedFamily
from .python_runtimes import PythonFamily

#: Lambda's current Python runtimes (for `harness doctor`; any python3.N runs).
PYTHON_RUNTIMES = ("python3.9", "python3.10", "python3.11", "python3.12", "python3.13")

FAMILIES: tuple[RuntimeFamily, ...] = (PythonFamily(), NodeFamily(), ProvidedFamily())


def family_for(runtime: str) -> RuntimeFamily | None:
    return next((family for family in FAMILIES if family.runs(runtime)), None)


def known_runtimes() -> list[str]:
    return [*PYTHON_RUNTIMES, *NODE_RUNTIMES, *PROVIDED_RUNTIMES]


def availability(runtime: str) -> Availability:
    family = family_for(runtime)
    if family is None:
        return Availability(runtime, False, "not a runtime this stack runs (Python, Node.js, provided.al2/al2023)")
    return family.check(runtime)
