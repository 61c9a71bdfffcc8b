"""What starting an execution environment of a runtime means: a command line and the variables it adds.

A `RuntimeFamily` (python_runtimes.py, node.py, provided.py) answers three questions about a runtime name:
does it run it at all (`runs`), can it run it on this machine (`check`, cheap, for `harness doctor` and the
invoke path), and how to start it (`prepare`: may build a cache once, then returns a `Launcher` whose `launch` is
cheap and is called for each cold start). Left out: container images, extensions.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Protocol

from ..snapshots import FunctionConfig


@dataclass(frozen=True)
class Launch:
    """One worker process: its argv and the variables the runtime adds to Lambda's reserved ones; `fork`: a
    template that can fork it instead (fork_server.py: `fork.spawn(handler, env, cwd, path, out_fd)`, with
    `path` the import path the command line would have had); `spare`: `spare()` gives a started process that becomes
    the environment once handed its variables and directory (node_spares.py), or None."""

    argv: tuple[str, ...]
    env: Mapping[str, str] = field(default_factory=dict)
    fork: Any = None
    path: tuple[str, ...] = ()
    spare: Any = None


@dataclass(frozen=True)
class Availability:
    """Whether a runtime runs here: `usable`, and a one-line `detail` (what runs it, or why it cannot)."""

    runtime: str
    usable: bool
    detail: str
    warning: str | None = None  # said once when a function of this runtime first runs (e.g. a version stand-in)


class Launcher(Protocol):
    def launch(self, fn: FunctionConfig, code_dir: Path, layers_dir: Path | None) -> Launch: ...


class RuntimeFamily(Protocol):
    def runs(self, runtime: str) -> bool: ...

    def check(self, runtime: str) -> Availability: ...

    def prepare(self, runtime: str) -> Launcher:
        """Build what the runtime needs (once per machine); raises RuntimeBuildError when that fails."""
        ...
