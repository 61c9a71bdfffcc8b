"""Load scenario files: read -> parse (with lines) -> validate against the schema -> resolve includes -> model.

Every problem is collected (schema errors, bad matchers, bad JSONPath, missing or cyclic includes, duplicate
row ids...) and raised together as one `ScenarioError` naming the file, line and field; nothing runs before.
Includes are relative to the including file: a top-level `include` list merges fragments' `vars` (before the
file's own), a step `{"include": "f.json"}` inserts a fragment's `steps`; included steps keep their own file and
line. Relative `stack.code_dir` values are resolved against the scenario's directory. A `load` step becomes a
`LoadCall` holding a `load_profile.LoadProfile` (its templates stay unrendered until each request). Every
template must name something bound when it is rendered (`references.py`: `{{stack.tabel}}` is caught here,
with "did you mean {{stack.table}}?"). Finding files and selecting items: see `discovery.py`.
Left out: YAML, remote includes.
"""
from __future__ import annotations

import dataclasses
import json
import logging
import os
import re
from pathlib import Path
from typing import Any

from . import assertions, matchers, operands
from .scenario import (UNSET, AwsCall, Capture, Difference, Expectation, HttpCall, InvokeCall, LoadCall, LogExpectation,
                    ParamRow, PathAssertion, Retry, Scenario, ScenarioItem, Source, Step)
from .positions import DuplicateKey, line_of, loads, plain
from .references import Site, StepSites, step_sites, unbound
from .validation import Problem, ScenarioError, format_path, schema_problems

log = logging.getLogger(__name__)

def display_path(path: Path) -> str:
    """The path relative to the working directory when inside it, else absolute."""
    resolved = path.resolve()
    try:
        return str(resolved.relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(resolved)


class _File:
    """One parsed file: where it is, how it is shown, its document (with lines)."""

    def __init__(self, path: Path, document: Any) -> None:
        self.path, self.display, self.doc = path.resolve(), display_path(path), document

    def source(self, parts: list[str | int]) -> Source:
        return Source(self.display, line_of(self.doc, parts))


class _Builder:
    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self._fragments: dict[Path, _File | None] = {}
        self.var_sites: dict[str, Site] = {}  # where each template lives, for the names check (references.py)
        self.step_sites: list[StepSites] = []
        self.row_sites: list[tuple[str, list[tuple[str, Site]]]] = []

    def problem(self, f: _File, parts: list[str | int], message: str) -> None:
        self.problems.append(Problem(f.display, line_of(f.doc, parts), format_path(parts), message))

    def read(self, path: Path, *, fragment: bool, via: tuple[_File, list[str | int]] | None = None) -> _File | None:
        """Parse and schema-check one file; None (with problems recorded) when unusable."""
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            if via:
                self.problem(via[0], via[1], f"cannot read included file {str(path)!r}: {exc.strerror or exc}")
                return None
            raise ScenarioError(display_path(path), [Problem(display_path(path), 0, "", f"cannot read: {exc}")])
        except UnicodeDecodeError as exc:  # a ValueError, not an OSError
            line = exc.object[:exc.start].count(b"\n") + 1
            self.problems.append(Problem(display_path(path), line, "", f"not valid UTF-8: {exc.reason} "
                                         f"(byte 0x{exc.object[exc.start]:02x} at offset {exc.start})"))
            return None
        shown = display_path(path)
        try:
            document = loads(text)
        except DuplicateKey as exc:
            self.problems.append(Problem(shown, exc.line, "", f"duplicate key {exc.key!r}"))
            return None
        except json.JSONDecodeError as exc:
            self.problems.append(Problem(shown, exc.lineno, "", f"invalid JSON: {exc.msg} (column {exc.colno})"))
            return None
        if not isinstance(document, dict):
            self.problems.append(Problem(shown, 1, "", f"expected a JSON object, got {matchers.json_type(document)}"))
            return None
        found = schema_problems(document, shown, fragment=fragment)
        self.problems.extend(found)
        return None if found else _File(path, document)

    def fragment(self, f: _File, parts: list[str | int], name: str, chain: tuple[Path, ...]) -> _File | None:
        path = (f.path.parent / name).resolve()
        if path in chain:
            cycle = " -> ".join(display_path(p) for p in (*chain[chain.index(path):], path))
            self.problem(f, parts, f"include cycle: {cycle}")
            return None
        if path not in self._fragments:
            self._fragments[path] = self.read(path, fragment=True, via=(f, parts))
        return self._fragments[path]

    # -- vars and steps -------------------------------------------------------------------------------------
    def vars(self, f: _File, chain: tuple[Path, ...]) -> dict[str, Any]:
        merged: dict[str, Any] = {}
        for i, name in enumerate(f.doc.get("include", [])):
            included = self.fragment(f, ["include", i], name, chain)
            if included is not None:
                merged.update(self.vars(included, (*chain, included.path)))
        own = f.doc.get("vars", {})
        merged.update(plain(own))
        self.var_sites.update((name, Site(f, ("vars", name), value)) for name, value in own.items())
        return merged

    def steps(self, f: _File, key: str, chain: tuple[Path, ...]) -> list[Step]:
        built: list[Step] = []
        for i, raw in enumerate(f.doc.get(key, [])):
            if "include" in raw:
                included = self.fragment(f, [key, i, "include"], raw["include"], chain)
                if included is not None:
                    if "steps" not in included.doc:
                        self.problem(f, [key, i, "include"], f"{included.display} has no \"steps\"")
                    built.extend(self.steps(included, "steps", (*chain, included.path)))
            else:
                built.append(self.step(f, [key, i], raw))
        return built

    def step(self, f: _File, parts: list[str | int], raw: dict[str, Any]) -> Step:
        self.step_sites.append(step_sites(f, tuple(parts), raw))
        kind = next(k for k in ("http", "invoke", "aws", "load") if k in raw)
        if kind == "load":
            return self.load_step(f, parts, raw)
        spec = plain(raw[kind])
        if kind == "http":
            spec.setdefault("method", "GET")
            call: Any = HttpCall(**spec)
            name = f"{call.method} {call.path if call.path is not None else '(resource path)'}"
        elif kind == "invoke":
            call = InvokeCall(**spec)
            name = f"invoke {call.function or '(stack function)'}"
        else:
            call = AwsCall(**spec)
            name = f"{call.service}.{call.operation}"
            if call.document and call.service != "dynamodb":
                self.problem(f, [*parts, "aws", "document"], '"document" is for the dynamodb service only')
        expect = self.expect(f, [*parts, "expect"], raw.get("expect", {}), kind, call)
        captures = self.captures(f, [*parts, "capture"], raw.get("capture", {}))
        retry = Retry(**raw["retry"]) if "retry" in raw else None
        differs = {}
        for target, spec in raw.get("differs", {}).items():
            entries = list(enumerate(spec)) if isinstance(spec, list) else [(None, spec)]
            differs[target] = tuple(
                self.difference(f, [*parts, "differs", target, *([] if i is None else [i])], target, one, expect,
                                kind, call) for i, one in entries)
        runtimes = {key: self.replaced(f, [*parts, "runtimes", key], one, kind, call)
                    for key, one in raw.get("runtimes", {}).items()}
        return Step(kind=kind, call=call, name=raw.get("name") or name, source=f.source(parts),
                    where=format_path(parts), expect=expect, captures=captures, retry=retry, differs=differs,
                    runtimes=runtimes)

    def replaced(self, f: _File, parts: list[str | int], spec: dict[str, Any], kind: str, call: Any) -> dict[str, Any]:
        """The `expect` keys an entry of `differs` or `runtimes` replaces: the given ones, and the `drop`ped
        ones as "not given" (nothing checked)."""
        given = self.expect(f, [*parts, "expect"], spec.get("expect", {}), kind, call)
        replaced = {key: getattr(given, key) for key in spec.get("expect", {})}
        for key in spec.get("drop", ()):
            if key in replaced:
                self.problem(f, [*parts, "drop"], f"{key!r} is both dropped and expected")
            replaced[key] = getattr(Expectation(), key)  # the "not given" value: nothing checked
        return replaced

    def difference(self, f: _File, parts: list[str | int], target: str, spec: dict[str, Any], expect: Expectation,
                   kind: str, call: Any) -> Difference:
        """One entry of a step's `differs.<target>`: a difference that target declares, the rows it concerns,
        and the step's expectation with the keys given here replaced and the `drop`ped ones unset (only the
        given ones are checked here; the step's own were checked already). Rows: see `row_problems`."""
        from ..targets.sessions import planned

        declared = planned(target).differs
        if spec["difference"] not in declared:
            known = ", ".join(sorted(declared)) or "none"
            self.problem(f, [*parts, "difference"], f"{target} declares no difference named "
                         f"{spec['difference']!r} (it declares: {known})")
        replaced = self.replaced(f, parts, spec, kind, call)
        return Difference(target, spec["difference"], dataclasses.replace(expect, **replaced),
                          tuple(spec.get("rows", ())), spec.get("stacks"), replaced, tuple(spec.get("runtimes", ())))

    def load_step(self, f: _File, parts: list[str | int], raw: dict[str, Any]) -> Step:
        """A `load` step: its block becomes a `LoadProfile` (templates stay unrendered until each request)."""
        from .load_profile import BUILTIN, DEFAULT_CLIENTS, DEFAULT_TIMEOUT_S, LoadProfile, MixEntry, ProfileError
        from .load_profile import Thresholds

        for extra in ("expect", "capture", "retry", "differs"):
            if extra in raw:
                hint = '; its thresholds go in "load.expect"' if extra == "expect" else ""
                self.problem(f, [*parts, extra], f'a load step takes no "{extra}"{hint}')
        spec = plain(raw["load"])
        timeout = float(spec.get("timeout", DEFAULT_TIMEOUT_S))
        mix = []
        for entry in spec["mix"]:
            if "kind" in entry:
                http = dataclasses.replace(BUILTIN[entry["kind"]], timeout=timeout)
            else:
                http = HttpCall(**{"method": "GET", "timeout": timeout, **entry["http"]})
            mix.append(MixEntry(float(entry.get("weight", 1)), http, entry.get("name", "")))
        profile = None
        try:
            profile = LoadProfile(
                tuple(mix), clients=spec.get("clients", DEFAULT_CLIENTS), ramp_s=float(spec.get("ramp_s", 0)),
                duration_s=spec.get("duration_s"), requests=spec.get("requests"),
                think_s=float(spec.get("think_s", 0)), timeout_s=timeout, seed=spec.get("seed"),
                table=spec.get("table"), thresholds=Thresholds(**spec.get("expect", {})))
        except ProfileError as exc:
            self.problem(f, [*parts, "load"], str(exc))
        name = raw.get("name") or (f"load: {profile.describe()}" if profile else "load")
        return Step(kind="load", call=LoadCall(profile, cleanup=spec.get("cleanup", True)), name=name,
                    source=f.source(parts), where=format_path(parts))

    def _matchers(self, f: _File, parts: list[str | int], value: Any) -> None:
        for sub, message in matchers.syntax_problems(value):
            self.problem(f, [*parts, *sub], message)

    def expect(self, f: _File, parts: list[str | int], raw: dict[str, Any], kind: str, call: Any) -> Expectation:
        for key in ("status", "headers", "json", "json_subset", "body"):
            if key in raw:
                self._matchers(f, [*parts, key], raw[key])
        checks = []
        for i, item in enumerate(raw.get("jsonpath", [])):
            assertion = PathAssertion(item["path"], item.get("op", "=="), plain(item.get("value", UNSET)))
            self._path(f, [*parts, "jsonpath", i, "path"], assertion.path)
            problem = operands.operand_problem(assertion.op, assertion.value)
            if problem:
                self.problem(f, [*parts, "jsonpath", i, "op" if "op" in item else "path"], problem)
            self._matchers(f, [*parts, "jsonpath", i, "value"], assertion.value)
            checks.append(assertion)
        logs = None
        if "logs" in raw:
            spec = raw["logs"]
            self._matchers(f, [*parts, "logs"], plain(spec))
            if spec.get("execution") and kind != "http":
                self.problem(f, [*parts, "logs", "execution"], "execution logs exist for http steps only")
            if spec.get("tail") and not (kind == "invoke" and call.log_tail):
                self.problem(f, [*parts, "logs", "tail"], 'a log tail needs an invoke step with "log_tail": true')
            logs = LogExpectation(function=tuple(plain(spec.get("function", []))),
                                  execution=tuple(plain(spec.get("execution", []))),
                                  tail=tuple(plain(spec.get("tail", []))), timeout=float(spec.get("timeout", 10.0)))
        return Expectation(status=plain(raw.get("status", UNSET)), headers=plain(raw.get("headers", {})),
                           json=plain(raw.get("json", UNSET)), json_subset=plain(raw.get("json_subset", UNSET)),
                           body=plain(raw.get("body", UNSET)), jsonpath=tuple(checks),
                           max_duration_ms=raw.get("max_duration_ms"), logs=logs)

    def _path(self, f: _File, parts: list[str | int], expr: str) -> None:
        try:
            assertions.parse_path(expr)
        except assertions.PathError as exc:
            self.problem(f, parts, str(exc))

    def captures(self, f: _File, parts: list[str | int], raw: dict[str, Any]) -> tuple[Capture, ...]:
        built = []
        for name, spec in raw.items():
            spec = {"json": spec} if isinstance(spec, str) else spec
            source = next(k for k in ("json", "header", "status", "body") if k in spec)
            expr = spec[source] if source in ("json", "header") else None
            if source == "json":
                self._path(f, [*parts, name, "json"], expr)
            if "regex" in spec:
                try:
                    re.compile(spec["regex"])
                except re.error as exc:
                    self.problem(f, [*parts, name, "regex"], f"invalid regex {spec['regex']!r}: {exc}")
            built.append(Capture(name, source, expr, spec.get("regex"), plain(spec.get("default", UNSET))))
        return tuple(built)

    def rows(self, f: _File) -> tuple[ParamRow, ...]:
        rows, seen = [], {}
        for i, raw in enumerate(f.doc.get("params", [])):
            row_vars = plain(raw.get("vars", {}))
            derived = ",".join(f"{k}={v if isinstance(v, str) else json.dumps(v)}" for k, v in row_vars.items())
            row_id = raw.get("id") or (derived[:60] if derived else f"row{i}")
            if row_id in seen:
                self.problem(f, ["params", i, "id"] if "id" in raw else ["params", i],
                             f"duplicate row id {row_id!r} (also params[{seen[row_id]}])")
            seen.setdefault(row_id, i)
            stack = self.stack(f, raw.get("stack", {}))
            runtimes = self.runtimes(f, raw.get("runtimes", {}))
            rows.append(ParamRow(row_id, row_vars, stack, f.source(["params", i]), runtimes))
            sites = [(name, Site(f, ("params", i, "vars", name), value)) for name, value in raw.get("vars", {}).items()]
            for key, overlay in raw.get("runtimes", {}).items():  # a runtime's own vars are bound where it runs
                sites += [(name, Site(f, ("params", i, "runtimes", key, "vars", name), value))
                          for name, value in overlay.get("vars", {}).items() if name not in row_vars]
            self.row_sites.append((row_id, sites))
        return tuple(rows)

    def runtimes(self, f: _File, raw: dict[str, Any]) -> dict[str, dict[str, Any]]:
        """A `runtimes` block of a scenario or row: per runtime key, its `vars` and `stack` (paths resolved) and
        its `skip` reason when it has one."""
        return {key: {"vars": plain(spec.get("vars", {})), "stack": self.stack(f, spec.get("stack", {})),
                      **({"skip": spec["skip"]} if spec.get("skip") else {})}
                for key, spec in raw.items()}

    def stack(self, f: _File, raw: dict[str, Any]) -> dict[str, Any]:
        stack = plain(raw)
        if "code_dir" in stack and not os.path.isabs(stack["code_dir"]):
            stack["code_dir"] = str((f.path.parent / stack["code_dir"]).resolve())
        return stack


def row_problems(scenario: Scenario) -> list[Problem]:
    """The `differs` entries naming a row the scenario does not have, or a row another entry of the same target
    already names for the same kind of stack and runtime (or that an entry without `rows`, which concerns every
    row, also covers; an entry without `stacks` concerns both kinds; one without `runtimes` every runtime that
    has no entry of its own, so it may sit beside entries scoped to a runtime)."""
    ids = {row.id for row in scenario.params}
    found: list[Problem] = []
    for step in (*scenario.setup, *scenario.steps, *scenario.teardown):
        for target, entries in step.differs.items():
            seen: set[tuple[str, str | None]] = set()
            for i, entry in enumerate(entries):
                where = f"{step.where}.differs.{target}" + (f"[{i}]" if len(entries) > 1 else "")
                for row in entry.rows:
                    if row not in ids:
                        known = ", ".join(sorted(ids)) or "none: the scenario has no params"
                        found.append(Problem(step.source.file, step.source.line, f"{where}.rows",
                                             f"no parameter row {row!r} (rows: {known})"))
                rows = set(entry.rows) if entry.rows else {None, *ids}
                kinds = (entry.stacks,) if entry.stacks else ("plan", "template")
                runtimes = entry.runtimes or ("",)
                covered = {(kind, row, runtime) for kind in kinds for row in rows for runtime in runtimes}
                if covered & seen:
                    twice = sorted({str(r) for _, r, _ in covered & seen if r})
                    found.append(Problem(step.source.file, step.source.line, where,
                                         f"a row is covered twice for {target}"
                                         + (f" on {', '.join(entry.runtimes)}" if entry.runtimes else "")
                                         + f": {', '.join(twice) or 'every row'}"))
                seen |= covered
    return found


def load_scenario(path: str | Path) -> Scenario:
    """The scenario in `path`; `ScenarioError` listing every problem when it cannot be used."""
    builder = _Builder()
    f = builder.read(Path(path), fragment=False)
    if f is None:
        raise ScenarioError(display_path(Path(path)), builder.problems)
    chain = (f.path,)
    scenario = Scenario(
        name=f.doc["name"], source=f.source([]), description=f.doc.get("description", ""),
        tags=tuple(f.doc.get("tags", [])), targets=tuple(f.doc.get("targets", Scenario.targets)),
        requires=tuple(f.doc.get("requires", [])), vars=builder.vars(f, chain),
        stack=builder.stack(f, f.doc.get("stack", {})), setup=tuple(builder.steps(f, "setup", chain)),
        steps=tuple(builder.steps(f, "steps", chain)), teardown=tuple(builder.steps(f, "teardown", chain)),
        params=builder.rows(f), runtimes=builder.runtimes(f, f.doc.get("runtimes", {})),
    )
    for key, overlay in f.doc.get("runtimes", {}).items():  # a runtime's own vars are bound where it runs
        for name, value in overlay.get("vars", {}).items():
            builder.var_sites.setdefault(name, Site(f, ("runtimes", key, "vars", name), value))
    builder.problems.extend(row_problems(scenario))
    for found in unbound(list(builder.var_sites.items()), builder.row_sites, builder.step_sites):
        builder.problem(found.owner, list(found.parts), found.message)
    if builder.problems:
        raise ScenarioError(f.display, builder.problems)
    log.debug("loaded %s: %d steps", f.display, len(scenario.steps))
    return scenario
