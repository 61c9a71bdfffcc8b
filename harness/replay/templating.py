"""`{{templates}}` in scenario values: variables, dotted paths into them, and generators bound once per run.

Syntax inside `{{ }}` (spaces allowed around the expression):
  - `name` or `name.key.0.key`: a variable (scenario vars, row vars, captures, `stack`, `target`), then keys of
    objects and indexes of arrays;
  - a generator: `uuid`, `timestamp` (Unix s), `timestamp_ms`, `now` (ISO-8601 UTC), `random_string(n)`,
    `random_int(lo,hi)`; an optional `:label` gives another value (`uuid:second`). Each distinct expression is
    evaluated once per `Scope` (one scenario run) and then reused. A variable of the same name wins.
A string that is exactly one template keeps the value's JSON type; inside longer text, non-strings are written as
compact JSON. Object keys are rendered too. An unknown name raises `TemplateError` naming where it was used and the
names that exist (the loader catches unbound names earlier, when the file loads: `references.py`). Left out:
filters/expressions (`{{n + 1}}`), escaping of a literal `{{`.
"""
from __future__ import annotations

import copy
import json
import random
import re
import string
import time
import uuid
from datetime import datetime, timezone
from typing import Any, Callable, Mapping

TEMPLATE = re.compile(r"\{\{\s*(.*?)\s*\}\}")
WHOLE = re.compile(r"^\{\{\s*([^{}]*?)\s*\}\}$")
VARIABLE = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)((?:\.[A-Za-z0-9_$-]+)*)$")
GENERATOR = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)(?:\(([^()]*)\))?(?::([A-Za-z0-9_-]+))?$")


def _random_string(length: int | str = 8) -> str:
    return "".join(random.choices(string.ascii_letters + string.digits, k=int(length)))


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


GENERATORS: Mapping[str, Callable[..., Any]] = {
    "uuid": lambda: str(uuid.uuid4()),
    "timestamp": lambda: int(time.time()),
    "timestamp_ms": lambda: int(time.time() * 1000),
    "now": _now,
    "random_string": _random_string,
    "random_int": lambda lo=0, hi=1_000_000: random.randint(int(lo), int(hi)),
}


class TemplateError(ValueError):
    """A template that cannot be rendered; the message names where it was used."""

    def __init__(self, message: str, where: str = "") -> None:
        super().__init__(f"{where}: {message}" if where else message)
        self.where = where


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, separators=(",", ":"), default=str)


class Scope:
    """The variables of one scenario run plus its generator bindings."""

    def __init__(self, values: Mapping[str, Any] | None = None,
                 generators: Mapping[str, Callable[..., Any]] | None = None) -> None:
        self._values: dict[str, Any] = dict(values or {})
        self._generators = GENERATORS if generators is None else generators
        self._bound: dict[str, Any] = {}

    def set(self, name: str, value: Any) -> None:
        self._values[name] = value

    def names(self) -> list[str]:
        return sorted(self._values)

    def as_dict(self) -> dict[str, Any]:
        return dict(self._values)

    @property
    def generated(self) -> dict[str, Any]:
        """The generator values bound so far (expression -> value)."""
        return dict(self._bound)

    def lookup(self, expr: str, where: str = "") -> Any:
        """The value of one template expression (without braces)."""
        var = VARIABLE.match(expr)
        if var and var.group(1) in self._values:
            return self._walk(var.group(1), var.group(2), where)
        gen = GENERATOR.match(expr)
        if gen and gen.group(1) in self._generators:
            return self._generate(gen.group(1), gen.group(2), gen.group(3), where)
        if not var and not gen:
            raise TemplateError(f"cannot parse template {{{{{expr}}}}}", where)
        name = (var or gen).group(1)  # type: ignore[union-attr]
        defined = ", ".join(self.names()) or "(none)"
        raise TemplateError(f"undefined variable {name!r}; defined: {defined}", where)

    def _walk(self, name: str, tail: str, where: str) -> Any:
        value, walked = self._values[name], name
        for key in filter(None, tail.split(".")):
            if isinstance(value, Mapping) and key in value:
                value = value[key]
            elif isinstance(value, list) and re.fullmatch(r"-?\d+", key) and -len(value) <= int(key) < len(value):
                value = value[int(key)]
            elif isinstance(value, Mapping):
                keys = ", ".join(sorted(map(str, value))) or "(none)"
                raise TemplateError(f"{walked!r} has no key {key!r}; keys: {keys}", where)
            elif isinstance(value, list):
                raise TemplateError(f"{walked!r} has no index {key!r} (length {len(value)})", where)
            else:
                raise TemplateError(f"{walked!r} is {_text(value)}, not an object or array", where)
            walked = f"{walked}.{key}"
        return value

    def _generate(self, name: str, args: str | None, label: str | None, where: str) -> Any:
        arguments = [a.strip().strip("'\"") for a in args.split(",")] if args and args.strip() else []
        key = f"{name}({','.join(arguments)})" + (f":{label}" if label else "")
        if key not in self._bound:
            try:
                self._bound[key] = self._generators[name](*arguments)
            except (TypeError, ValueError) as exc:
                raise TemplateError(f"bad generator call {{{{{key}}}}}: {exc}", where) from None
        return self._bound[key]

    def render(self, value: Any, where: str = "") -> Any:
        return render(value, self, where)


def render(value: Any, scope: Scope, where: str = "") -> Any:
    """A copy of the JSON `value` with every template replaced (objects, arrays and keys included)."""
    if isinstance(value, str):
        whole = WHOLE.match(value)
        if whole:
            return copy.deepcopy(scope.lookup(whole.group(1), where))
        if "{{" not in value:
            return value
        return TEMPLATE.sub(lambda m: _text(scope.lookup(m.group(1), where)), value)
    if isinstance(value, Mapping):
        rendered = {}
        for key, item in value.items():
            new_key = _text(render(key, scope, where)) if isinstance(key, str) else key
            rendered[new_key] = render(item, scope, _join(where, str(key)))
        return rendered
    if isinstance(value, (list, tuple)):
        return [render(item, scope, f"{where}[{i}]") for i, item in enumerate(value)]
    return value


def _join(where: str, key: str) -> str:
    if not where:
        return key
    return f"{where}.{key}" if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key) else f'{where}["{key}"]'


def references(value: Any) -> list[str]:
    """Every template expression used in `value` (for static checks), in order of appearance."""
    found: list[str] = []
    if isinstance(value, str):
        found.extend(m.group(1) for m in TEMPLATE.finditer(value))
    elif isinstance(value, Mapping):
        for key, item in value.items():
            found.extend(references(key) + references(item))
    elif isinstance(value, (list, tuple)):
        for item in value:
            found.extend(references(item))
    return found
