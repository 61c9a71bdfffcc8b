"""`harness-stack.json`: a scenario folder's own stack, a template (`{"template": "../template.yaml",
"stack_name": "...", "parameter_overrides": {"K": "V"}}`, the template relative to the file).

`harness replay/run` and the pytest plugin look for it next to each path given (in the folder, or its parent)
when no template is named on the command line; paths with different files are refused.
Left out: one run over several folders with different templates (replay them one at a time).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Iterable, Mapping

from ..errors import UsageError

FOLDER_CONFIG = "harness-stack.json"


@dataclass(frozen=True)
class StackConfig:
    """A `harness-stack.json`: where it is, its template's path (resolved), stack name and parameter values."""

    file: Path
    template: Path
    stack_name: str | None = None
    parameter_overrides: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))


def _read(file: Path) -> StackConfig:
    try:
        config = json.loads(file.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise UsageError(f"{file}: not JSON: {exc}") from exc
    if not isinstance(config, dict) or not isinstance(config.get("template"), str):
        raise UsageError(f"{file}: needs \"template\": the template file, relative to it")
    overrides = config.get("parameter_overrides") or {}
    if not isinstance(overrides, dict):
        raise UsageError(f"{file}: \"parameter_overrides\" must be an object of parameter values")
    name = config.get("stack_name")
    if name is not None and not isinstance(name, str):
        raise UsageError(f"{file}: \"stack_name\" must be a string")
    return StackConfig(file, file.parent / config["template"], name,
                       MappingProxyType({str(k): str(v) for k, v in overrides.items()}))


def folder_config(paths: Iterable[str | Path]) -> StackConfig | None:
    """The `harness-stack.json` of the scenario paths given (next to a file, in a folder or its parent), or
    None; a UsageError when the paths have different ones. A pytest node id's `::name` part is ignored."""
    found: dict[Path, StackConfig] = {}
    for raw in paths:
        path = Path(str(raw).split("::", 1)[0]).resolve()
        folder = path if path.is_dir() else path.parent
        for candidate in (folder / FOLDER_CONFIG, folder.parent / FOLDER_CONFIG):
            if candidate.is_file():
                found[candidate] = _read(candidate)
                break
    if len(found) > 1:
        raise UsageError(f"the paths given have different {FOLDER_CONFIG} files ({', '.join(map(str, found))}): "
                         "replay one folder at a time, or give --template")
    return next(iter(found.values()), None)
