"""A SAM or CloudFormation template read from a file, its parameters and cfn-lint's findings (pure: no AWS call).

`read_template` parses YAML (CloudFormation's short forms `!Ref`, `!Sub`...) or JSON with cfn-lint's decoder,
so a mistake names its line and column; `resolve_parameters` merges `--parameter-overrides` with the defaults
and refuses a missing, unknown or disallowed value; `lint_template` runs cfn-lint (SAM templates too: it
transforms them itself). Every refusal is a one-line `UsageError` naming the file and the place (exit 2).
Left out: templates over 1 MB are read like others (AWS's 51,200-byte TemplateBody limit does not apply: the
harness always passes the body, never a TemplateURL).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping

from ..errors import UsageError

SAM_TRANSFORM = "AWS::Serverless-2016-10-31"


@dataclass(frozen=True)
class TemplateSource:
    """A template as read: where it is, its text and its content as plain JSON values."""

    path: Path
    text: str
    body: Mapping[str, Any]

    @property
    def base_dir(self) -> Path:
        return self.path.parent

    @property
    def transforms(self) -> tuple[str, ...]:
        value = self.body.get("Transform")
        names = value if isinstance(value, list) else [value] if value else []
        return tuple(n if isinstance(n, str) else str((n or {}).get("Name")) for n in names)

    @property
    def is_sam(self) -> bool:
        return SAM_TRANSFORM in self.transforms


def read_template(path: str | Path) -> TemplateSource:
    """The template in `path`; UsageError when it is missing or neither YAML nor JSON (with line and column)."""
    from cfnlint.decode import decode_str

    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(f"{file}: no such template file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{file}: cannot read the template ({exc})") from exc
    body, problems = decode_str(text)
    if problems:
        first = problems[0]
        raise UsageError(f"{file}:{first.linenumber}:{first.columnnumber}: not a YAML or JSON template: "
                         f"{_one_line(first.message)}")
    if not isinstance(body, dict):
        raise UsageError(f"{file}: not a template (a YAML or JSON mapping with Resources)")
    plain = json.loads(json.dumps(body))
    if not isinstance(plain.get("Resources"), dict) or not plain["Resources"]:
        raise UsageError(f"{file}: the template has no Resources (CloudFormation needs at least one)")
    return TemplateSource(file, text, MappingProxyType(plain))


def parse_overrides(pairs: list[str] | None) -> dict[str, str]:
    """`K=V` strings (as `sam deploy --parameter-overrides` takes them) as a dict."""
    found: dict[str, str] = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise UsageError(f"--parameter-overrides: {pair!r} is not KEY=VALUE")
        found[key] = value
    return found


def resolve_parameters(source: TemplateSource, overrides: Mapping[str, str],
                       previous: Mapping[str, str] | None = None) -> dict[str, str]:
    """The values passed to CloudFormation: the overrides, checked against the template's Parameters (a default
    is left to CloudFormation; `previous` are the deployed stack's values, kept as UsePreviousValue would)."""
    declared = source.body.get("Parameters") or {}
    unknown = sorted(set(overrides) - set(declared))
    if unknown:
        raise UsageError(f"{source.path}: --parameter-overrides names {', '.join(unknown)}, which the template's "
                         f"Parameters do not declare ({', '.join(sorted(declared)) or 'none'})")
    values: dict[str, str] = {}
    for name, spec in declared.items():
        spec = spec if isinstance(spec, dict) else {}
        if name in overrides:
            value = overrides[name]
        elif "Default" in spec:
            continue
        elif previous and name in previous:
            value = previous[name]
        else:
            raise UsageError(f"{source.path}: Parameters/{name} has no Default and no value "
                             f"(--parameter-overrides {name}=...)")
        allowed = spec.get("AllowedValues")
        if isinstance(allowed, list) and value not in [str(a) for a in allowed]:
            raise UsageError(f"{source.path}: Parameters/{name}: {value!r} is not one of its AllowedValues "
                             f"({', '.join(map(str, allowed))})")
        values[name] = value
    return values


@dataclass(frozen=True)
class Finding:
    """One cfn-lint finding: E (error: the deploy stops), W (warning: printed), I (information)."""

    level: str
    rule: str
    path: str
    line: int
    column: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}: {self.rule} {self.message}"


def lint_template(source: TemplateSource, region: str) -> list[Finding]:
    """cfn-lint's findings for the template in `region`, errors first."""
    from cfnlint.api import ManualArgs, lint

    matches = lint(source.text, config=ManualArgs(regions=[region]))
    found = [Finding(m.rule.id[:1], m.rule.id, str(source.path), m.linenumber, m.columnnumber,
                     _one_line(m.message)) for m in matches]
    return sorted(found, key=lambda f: ("EWI".find(f.level), f.line, f.column))


def _one_line(text: str) -> str:
    return " ".join(str(text).split())
