"""The load-time check of template names: every `{{name}}` a scenario renders must be bound when it is rendered.

Bound, in run order: `stack` (its keys: `bindings.STACK_NAMES`) and `target`; then the vars, each seeing the ones
before it (the scenario's, then the parameter row's); then, step after step, the captures of the steps before.
Inside a `load` step's mix templates `load.*` (`LOAD_NAMES`) too. Generators (`uuid`, `now`...) are always there.
A name that is not bound is a problem, with the closest bound name when there is one (difflib):
`{{stack.tabel}}: stack has no key "tabel" (did you mean {{stack.table}}?)`. With parameter rows, every row is
checked; a problem of some rows only names them.
Left out: keys below a variable's first level (`{{item.nme}}`: the value is only known at run time), except
for `stack` and `load`, and captures of steps that may not have run (a failed step binds nothing).
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any, Collection, Iterator, Mapping, Sequence

from .bindings import BUILT_IN, STACK_NAMES
from .load_profile import LOAD_NAMES
from .templating import GENERATOR, GENERATORS, TEMPLATE, VARIABLE

Parts = tuple[Any, ...]
KEYS_OF: Mapping[str, tuple[str, ...]] = {"stack": STACK_NAMES, "load": LOAD_NAMES}


@dataclass(frozen=True)
class Site:
    """A value holding templates: `value` at `parts` of `owner` (the loader's file, handed back with problems)."""

    owner: Any
    parts: Parts
    value: Any


@dataclass(frozen=True)
class StepSites:
    """What one step renders with the names bound before it (`rendered`), what it renders per request with
    `load.*` as well (`per_request`), and the names it binds for the steps after it (`binds`)."""

    rendered: tuple[Site, ...] = ()
    per_request: tuple[Site, ...] = ()
    binds: tuple[str, ...] = ()


@dataclass(frozen=True)
class Unbound:
    """A template naming something unbound: where it is and what is wrong."""

    owner: Any
    parts: Parts
    message: str


def _closest(word: str, choices: Collection[str]) -> str | None:
    close = difflib.get_close_matches(word, sorted(choices), n=1, cutoff=0.6)
    return close[0] if close else None


def expression_problem(expr: str, bound: Collection[str]) -> str | None:
    """What is wrong with one template expression given the names `bound` (None: nothing)."""
    var, gen = VARIABLE.match(expr), GENERATOR.match(expr)
    if var and var.group(1) in bound:
        name, tail = var.group(1), [k for k in var.group(2).split(".") if k]
        keys = KEYS_OF.get(name)
        if keys is None or not tail or tail[0] in keys:
            return None
        guess = _closest(tail[0], keys)
        hint = f" (did you mean {{{{{'.'.join([name, guess, *tail[1:]])}}}}}?)" if guess else ""
        return f'{{{{{expr}}}}}: {name} has no key "{tail[0]}"{hint}; keys: {", ".join(keys)}'
    if gen and gen.group(1) in GENERATORS:
        return None
    if not var and not gen:
        return f"cannot parse template {{{{{expr}}}}}"
    name = (var or gen).group(1)  # type: ignore[union-attr]
    guess = _closest(name, [*bound, *GENERATORS])
    if guess:
        return f"{{{{{expr}}}}}: nothing named {name!r} is bound here (did you mean {{{{{guess}{expr[len(name):]}}}}}?)"
    return f"{{{{{expr}}}}}: nothing named {name!r} is bound here; bound: {', '.join(sorted(bound))}"


def _templates(value: Any, parts: Parts) -> Iterator[tuple[Parts, str]]:
    """(parts, expression) of every template in a JSON value, object keys included."""
    if isinstance(value, str):
        for match in TEMPLATE.finditer(value):
            yield parts, match.group(1)
    elif isinstance(value, Mapping):
        for key, item in value.items():
            if isinstance(key, str):
                yield from _templates(key, (*parts, key))
            yield from _templates(item, (*parts, key))
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            yield from _templates(item, (*parts, i))


def _check(site: Site, bound: Collection[str]) -> Iterator[Unbound]:
    for parts, expr in _templates(site.value, site.parts):
        message = expression_problem(expr, bound)
        if message:
            yield Unbound(site.owner, parts, message)


def _run_order(vars: Sequence[tuple[str, Site]], steps: Sequence[StepSites]) -> list[Unbound]:
    found: list[Unbound] = []
    bound = set(BUILT_IN)
    for name, site in vars:
        found.extend(_check(site, bound))
        bound.add(name)
    for step in steps:
        for site in step.rendered:
            found.extend(_check(site, bound))
        for site in step.per_request:
            found.extend(_check(site, bound | {"load"}))
        bound.update(step.binds)
    return found


def unbound(vars: Sequence[tuple[str, Site]], rows: Sequence[tuple[str, Sequence[tuple[str, Site]]]],
            steps: Sequence[StepSites]) -> list[Unbound]:
    """Every template naming something unbound, for each parameter row (`rows`: row id, its vars) or, without
    rows, for the scenario alone; a problem of some rows only says which."""
    if not rows:
        return _dedupe(_run_order(vars, steps))
    per_row: list[tuple[str, list[Unbound]]] = []
    for row_id, row_vars in rows:
        merged = {name: site for name, site in vars}
        merged.update(row_vars)  # a row's var replaces the scenario's in place, as at run time
        per_row.append((row_id, _dedupe(_run_order(list(merged.items()), steps))))
    everywhere = set.intersection(*(set(found) for _, found in per_row))
    result: list[Unbound] = []
    for row_id, found in per_row:
        for problem in found:
            if problem in everywhere:
                result.append(problem)
            else:
                result.append(Unbound(problem.owner, problem.parts, f"{problem.message} (params row {row_id!r})"))
    return _dedupe(result)


def _dedupe(found: list[Unbound]) -> list[Unbound]:
    return list(dict.fromkeys(found))


def step_sites(owner: Any, parts: Parts, raw: Mapping[str, Any]) -> StepSites:
    """The sites of one raw step (a validated step object: `http`, `invoke`, `aws` or `load`)."""
    if "load" in raw:
        spec = raw["load"]
        rendered = (Site(owner, (*parts, "load", "table"), spec["table"]),) if "table" in spec else ()
        per_request = tuple(Site(owner, (*parts, "load", "mix", i, "http"), entry["http"])
                            for i, entry in enumerate(spec.get("mix", [])) if "http" in entry)
        return StepSites(rendered, per_request)
    kind = next(k for k in ("http", "invoke", "aws") if k in raw)
    rendered = tuple(Site(owner, (*parts, key), raw[key]) for key in (kind, "expect") if key in raw)
    rendered += tuple(Site(owner, (*parts, "runtimes", key, "expect"), spec["expect"])
                      for key, spec in raw.get("runtimes", {}).items() if "expect" in spec)
    for target, spec in raw.get("differs", {}).items():
        entries = list(enumerate(spec)) if isinstance(spec, list) else [(None, spec)]
        rendered += tuple(Site(owner, (*parts, "differs", target, *(() if i is None else (i,)), "expect"),
                               entry["expect"]) for i, entry in entries if "expect" in entry)
    return StepSites(rendered, binds=tuple(raw.get("capture", {})))
