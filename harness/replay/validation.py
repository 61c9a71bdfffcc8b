"""Validate scenario and fragment documents against the shipped JSON Schema; turn errors into precise problems.

A `Problem` names its file, the line, the JSON path of the bad field in scenario terms (`steps[2].expect.status`)
and a message written for people (`unknown field (did you mean "status"?)`, `expected integer, got string
"abc"`). `ScenarioError` carries every problem found in a file (and its includes); its text is one line each:
`scenarios/x.json:14: steps[2].expect.status: expected ...`.
Left out: JSON Schema features the shipped schema does not use (no remote `$ref`s are resolved).
"""
from __future__ import annotations

import difflib
import functools
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Sequence

import jsonschema
from jsonschema.exceptions import ValidationError

from ..errors import UsageError
from .operands import json_type, show
from .positions import line_of

SCHEMA_PATH = Path(__file__).with_name("scenario.schema.json")
FRAGMENT_SCHEMA_PATH = Path(__file__).with_name("fragment.schema.json")
_STEP_KINDS = ("http", "invoke", "aws")
_ALL_STEP_KINDS = (*_STEP_KINDS, "load")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a scenario file."""

    file: str
    line: int
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


class ScenarioError(UsageError, ValueError):
    """A scenario that cannot be loaded; `problems` lists every problem found, first one first (exit 2)."""

    def __init__(self, file: str, problems: Sequence[Problem]) -> None:
        self.file = file
        self.problems = tuple(problems)
        super().__init__("\n".join(map(str, self.problems)))

    @property
    def path(self) -> str:
        return self.problems[0].path if self.problems else ""

    @property
    def line(self) -> int:
        return self.problems[0].line if self.problems else 0


def format_path(parts: Iterable[str | int]) -> str:
    """['steps', 2, 'expect', 'status'] -> 'steps[2].expect.status'; odd keys are quoted: headers["x-a"]."""
    text = ""
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        elif re.fullmatch(r"[A-Za-z_$][A-Za-z0-9_$]*", part):
            text += f".{part}" if text else part
        else:
            text += f"[{json.dumps(part)}]"
    return text


@functools.lru_cache(maxsize=None)
def schema() -> dict[str, Any]:
    """The shipped scenario schema."""
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


@functools.lru_cache(maxsize=2)
def _validator(kind: str) -> jsonschema.Draft202012Validator:
    full = schema()
    if kind == "fragment":
        return jsonschema.Draft202012Validator({"$ref": "#/$defs/fragment", "$defs": full["$defs"]})
    return jsonschema.Draft202012Validator(full)


def _custom(error: ValidationError) -> str | None:
    messages = error.schema.get("x-messages", {}) if isinstance(error.schema, dict) else {}
    return messages.get(error.validator)


def _step_kind_message(instance: dict[str, Any]) -> str:
    kinds = [k for k in _ALL_STEP_KINDS if k in instance]
    if "include" in instance:
        others = sorted(k for k in instance if k != "include")
        return f'"include" stands alone in its step (found also: {", ".join(others)})'
    if not kinds:
        return 'a step needs one of "http", "invoke", "aws" (or {"include": "file.json"} alone)'
    listed = ", ".join(map(json.dumps, _ALL_STEP_KINDS if "load" in kinds else _STEP_KINDS))
    return f'a step has exactly one of {listed}; found {" and ".join(map(json.dumps, kinds))}'


def _unknown_fields(error: ValidationError) -> list[tuple[list[str | int], str]]:
    allowed = sorted(error.schema.get("properties", {}))
    extras = [k for k in error.instance if k not in allowed]
    found = []
    for name in extras:
        close = difflib.get_close_matches(name, allowed, n=1)
        hint = f' (did you mean "{close[0]}"?)' if close else ""
        found.append(([name], f"unknown field{hint}; allowed: {', '.join(allowed)}"))
    return found


def _translate(error: ValidationError) -> list[tuple[list[str | int], str]]:
    """(extra path parts below error.absolute_path, message) for one schema error."""
    kind, instance, sub = error.validator, error.instance, error.schema if isinstance(error.schema, dict) else {}
    if "propertyNames" in error.schema_path:
        return [([instance], "invalid name: names are letters, digits and _ (not starting with a digit)")]
    if kind == "oneOf" and {"http", "invoke"} <= set(sub.get("properties", {})):  # a step
        # not an object: the step's own `type` error says so (its oneOf's `required`s hold vacuously then)
        return [([], _step_kind_message(instance))] if isinstance(instance, dict) else []
    if kind in ("anyOf", "oneOf"):
        if isinstance(instance, dict):
            inner = [c for c in error.context or () if isinstance(c.schema, dict)
                     and c.schema.get("type") == "object" and c.validator not in ("type", "oneOf")]
            if inner:
                return [(list(inner[0].relative_path) + parts, message) for parts, message in _translate(inner[0])]
        custom = _custom(error)
        return [([], custom or f"{show(instance)} is not valid here")]
    custom = _custom(error)
    if custom:
        return [([], custom)]
    if kind == "additionalProperties":
        return _unknown_fields(error)
    if kind == "required":
        missing = re.match(r"'(.+)' is a required property", error.message)
        return [([missing.group(1)] if missing else [], "required field missing")]
    if kind == "type":
        wanted = error.validator_value if isinstance(error.validator_value, list) else [error.validator_value]
        return [([], f"expected {' or '.join(wanted)}, got {json_type(instance)} {show(instance)}")]
    if kind == "enum":
        return [([], f"expected one of {', '.join(map(json.dumps, error.validator_value))}, got {show(instance)}")]
    if kind == "const":
        return [([], f"expected {json.dumps(error.validator_value)}, got {show(instance)}")]
    if kind == "pattern":
        return [([], f"{show(instance)} does not match {error.validator_value}")]
    if kind == "minItems":
        return [([], f"expected at least {error.validator_value} item(s), got {len(instance)}")]
    if kind == "minLength":
        return [([], "expected a non-empty string")]
    if kind in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        op = {"minimum": ">=", "maximum": "<=", "exclusiveMinimum": ">", "exclusiveMaximum": "<"}[kind]
        return [([], f"expected a number {op} {error.validator_value}, got {show(instance)}")]
    if kind == "uniqueItems":
        return [([], "items must be unique")]
    return [([], error.message)]


def schema_problems(document: Any, file: str, *, fragment: bool = False) -> list[Problem]:
    """Every schema problem in `document` (a `positions.loads` result), in file order."""
    found: dict[tuple[int, str, str], Problem] = {}
    for error in _validator("fragment" if fragment else "scenario").iter_errors(document):
        for extra, message in _translate(error):
            parts = list(error.absolute_path) + extra
            line = line_of(document, parts)
            problem = Problem(file, line, format_path(parts), message)
            found.setdefault((line, problem.path, message), problem)
    return [found[key] for key in sorted(found)]
