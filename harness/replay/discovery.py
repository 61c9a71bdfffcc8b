"""Find scenario files and choose among their items: `discover`, `load_many` (every file, the broken ones
reported rather than raised), `load_items`, `select` (by tag and name).

A scenario file is a JSON file whose `$schema` ends with `scenario.schema.json` (or, without `$schema`, one with
a `name` and `steps`: the loader then says the `$schema` is missing); fragments and other JSON files are not.
Left out: loading a file (see `loader.py`).
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Iterable

from .loader import load_scenario
from .scenario import ScenarioItem
from .validation import ScenarioError

SCENARIO_SUFFIX = "scenario.schema.json"


def is_scenario_file(path: Path) -> bool:
    """True for a JSON file whose `$schema` names the scenario schema, or that has no `$schema` but a `name`
    and `steps` (the loader then reports the missing `$schema`). Fragments and other JSON files are not;
    unparsable `.json` files are (the loader reports where they break)."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return path.suffix == ".json" and not path.name.endswith(".schema.json")
    if not isinstance(document, dict):
        return False
    if "$schema" in document:
        return str(document["$schema"]).endswith(SCENARIO_SUFFIX)
    return "name" in document and "steps" in document


def discover(paths: Iterable[str | Path]) -> list[Path]:
    """Scenario files: given files as is, directories searched recursively (sorted)."""
    found: list[Path] = []
    for entry in map(Path, paths):
        if entry.is_dir():
            found.extend(p for p in sorted(entry.rglob("*.json")) if is_scenario_file(p))
        else:
            found.append(entry)
    return found


def load_items(paths: Iterable[str | Path]) -> list[ScenarioItem]:
    """Every item of every scenario under `paths` (the first broken file raises its ScenarioError)."""
    return [item for path in discover(paths) for item in load_scenario(path).items()]


def select(items: Iterable[ScenarioItem], tags: Iterable[str] = (), match: str | None = None) -> list[ScenarioItem]:
    """The items carrying any of `tags` (all items when none is given) whose id contains `match` (any case)."""
    wanted = set(tags)
    needle = (match or "").lower()
    return [item for item in items
            if (not wanted or wanted.intersection(item.scenario.tags)) and needle in item.id.lower()]


def load_many(paths: Iterable[str | Path]) -> tuple[list[ScenarioItem], list[ScenarioError]]:
    """Every item of every loadable scenario under `paths`, and the errors of the others (report them all)."""
    items: list[ScenarioItem] = []
    errors: list[ScenarioError] = []
    for path in discover(paths):
        try:
            items.extend(load_scenario(path).items())
        except ScenarioError as exc:
            errors.append(exc)
    return items, errors
