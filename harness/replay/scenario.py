"""The scenario model: frozen dataclasses built by the loader from a validated scenario file.

JSON values inside the model (request bodies, expected values, vars) are plain `dict`/`list`/scalars that may
still hold `{{templates}}` and matcher objects; they are rendered per run and never mutated.
`UNSET` marks "not given" where JSON `null` is a meaningful value (e.g. `"json": null`).
Left out: anything about how a step is executed (see `steps.py`) or reported (see `report.py`).
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Mapping, Union

if TYPE_CHECKING:  # load_profile imports this module (HttpCall); the profile's class is only named here
    from .load_profile import LoadProfile


class _Unset:
    _instance: _Unset | None = None

    def __new__(cls) -> _Unset:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNSET"

    def __bool__(self) -> bool:
        return False


UNSET: Any = _Unset()

TARGET_NAMES = ("embedded", "localstack", "aws", "endpoint")
PHASES = ("setup", "steps", "teardown")


@dataclass(frozen=True)
class Source:
    """Where something was written: a file (as displayed) and a 1-based line (0 when unknown)."""

    file: str
    line: int = 0

    def __str__(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file


@dataclass(frozen=True)
class HttpCall:
    """An HTTP request to the deployed API; `path` is under the stage (None: the stack's resource path)."""

    method: str = "GET"
    path: str | None = None
    query: Any = None  # object (values: string or list of strings) or a raw query string
    headers: Mapping[str, Any] = field(default_factory=dict)
    json: Any = UNSET
    body: Any = None  # raw text body
    api_id: str | None = None  # None: the deployed stack's API id
    stage: str | None = None  # None: the deployed stack's stage
    url: str | None = None  # a full URL: bypasses api_id/stage/path
    timeout: float = 35.0


@dataclass(frozen=True)
class InvokeCall:
    """A Lambda Invoke API call (not through API Gateway); `function` None: the stack's function."""

    function: str | None = None
    payload: Any = UNSET
    raw_payload: str | None = None
    invocation_type: str = "RequestResponse"
    log_tail: bool = False
    qualifier: str | None = None


@dataclass(frozen=True)
class AwsCall:
    """Any AWS API call through boto3: service (`dynamodb`), operation (`DescribeTable`) and params."""

    service: str
    operation: str
    params: Mapping[str, Any] = field(default_factory=dict)
    document: bool = False  # DynamoDB only: plain JSON values instead of {"S": ...} attribute values


@dataclass(frozen=True)
class LoadCall:
    """A `load` step: a traffic profile (its mix templates are rendered per request) and its thresholds.
    `cleanup`: delete the items the run wrote once they have been checked."""

    profile: LoadProfile
    cleanup: bool = True


Call = Union[HttpCall, InvokeCall, AwsCall, LoadCall]


@dataclass(frozen=True)
class PathAssertion:
    """`{"path": "$.Count", "op": ">=", "value": 1}`: a JSONPath query compared with an operator."""

    path: str
    op: str = "=="
    value: Any = UNSET


@dataclass(frozen=True)
class LogExpectation:
    """Lines (substrings or matcher objects) the function log, the execution log or the invoke log tail must contain."""

    function: tuple[Any, ...] = ()
    execution: tuple[Any, ...] = ()
    tail: tuple[Any, ...] = ()
    timeout: float = 10.0


@dataclass(frozen=True)
class Expectation:
    """What a step's response must look like; every part is optional."""

    status: Any = UNSET  # int, list of ints, or a matcher object
    headers: Mapping[str, Any] = field(default_factory=dict)
    json: Any = UNSET  # exact comparison (matchers allowed anywhere)
    json_subset: Any = UNSET  # objects may carry extra keys
    body: Any = UNSET  # raw text: a string or a matcher object
    jsonpath: tuple[PathAssertion, ...] = ()
    max_duration_ms: float | None = None
    logs: LogExpectation | None = None


@dataclass(frozen=True)
class Capture:
    """Bind a variable from a response: `source` is json (JSONPath in `expr`), header (name in `expr`), status or body."""

    name: str
    source: str
    expr: str | None = None
    regex: str | None = None  # keep group 1 (or the whole match) of this regex applied to the text
    default: Any = UNSET


@dataclass(frozen=True)
class Retry:
    """Repeat a step until its expectations hold: at most `attempts` tries, `interval` s apart, `timeout` s overall."""

    attempts: int = 5
    interval: float = 0.5
    timeout: float | None = None


def runtime_key(keys: Any, runtime: str | None) -> str | None:
    """The key of `keys` that names `runtime`: the runtime itself or the longest start of it ("nodejs" for
    "nodejs20.x"); None when none does or the runtime is unknown."""
    if not runtime:
        return None
    found = [key for key in keys if runtime.startswith(key)]
    return max(found, key=len) if found else None


@dataclass(frozen=True)
class Difference:
    """A step's declared difference on one target: `name` (a difference that target declares, saying what it
    does instead of AWS), the parameter rows it concerns (empty: all), the kind of stack it concerns (`stacks`:
    "template" for a stack deployed from a template through the target's CloudFormation, "plan" for the
    harness's own deployment steps, None: both), the function runtimes it concerns (`runtimes`: runtimes or
    starts of one; empty: every runtime that has no entry of its own, an unknown one included) and the
    expectation checked there: the step's own with the keys the scenario gave replaced."""

    target: str
    name: str
    expect: Expectation
    rows: tuple[str, ...] = ()
    stacks: str | None = None
    replaced: Mapping[str, Any] = field(default_factory=dict)  # the expect keys it replaces (dropped: unset)
    runtimes: tuple[str, ...] = ()

    def concerns(self, row: str | None, template: bool = False) -> bool:
        kind_ok = self.stacks is None or self.stacks == ("template" if template else "plan")
        return kind_ok and (not self.rows or row in self.rows)


@dataclass(frozen=True)
class Step:
    """One request and what must hold about its response. `where` is its JSON path in its file (`steps[2]`).
    `differs`: by target name, what that target answers instead of AWS, per parameter row (`expect_on`)."""

    kind: str  # http | invoke | aws | load
    call: Call
    name: str
    source: Source
    where: str
    expect: Expectation = Expectation()
    captures: tuple[Capture, ...] = ()
    retry: Retry | None = None
    differs: Mapping[str, tuple[Difference, ...]] = field(default_factory=dict)
    # by runtime (or the start of one): the expect keys replaced where the function's runtime answers otherwise
    runtimes: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def expect_on(self, target: str, row: str | None = None,
                  runtime: str | None = None, template: bool = False) -> tuple[Expectation, Difference | None]:
        """The expectation checked on `target` for parameter row `row` with the function in `runtime` (on a
        stack deployed from a template when `template`), and the declared difference it comes from (None:
        AWS's answer, the step's own `expect`, or its runtime's). Of the target's entries concerning the row,
        one scoped to the runtime wins (the longest matching runtime key), else one for every runtime."""
        key = runtime_key(self.runtimes, runtime)
        base = self.expect if key is None else dataclasses.replace(self.expect, **self.runtimes[key])
        found = self.difference_on(target, row, runtime, template)
        if found is None:
            return base, None
        return (found.expect if key is None else dataclasses.replace(base, **found.replaced)), found

    def difference_on(self, target: str, row: str | None = None, runtime: str | None = None,
                      template: bool = False) -> Difference | None:
        """The declared difference of `target` that concerns `row`, `runtime` and the kind of stack (None: none)."""
        concerned = [found for found in self.differs.get(target, ()) if found.concerns(row, template)]
        scoped = [(len(key), found) for found in concerned
                  if found.runtimes and (key := runtime_key(found.runtimes, runtime)) is not None]
        if scoped:
            return max(scoped, key=lambda pair: pair[0])[1]
        return next((found for found in concerned if not found.runtimes), None)


@dataclass(frozen=True)
class ParamRow:
    """One row of a parametrized scenario: its readable id, vars and extra stack overrides."""

    id: str
    vars: Mapping[str, Any] = field(default_factory=dict)
    stack: Mapping[str, Any] = field(default_factory=dict)
    source: Source | None = None
    runtimes: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)  # runtime -> {"vars", "stack", "skip"}


@dataclass(frozen=True)
class Scenario:
    """A scenario file, includes resolved."""

    name: str
    source: Source
    description: str = ""
    tags: tuple[str, ...] = ()
    targets: tuple[str, ...] = TARGET_NAMES
    requires: tuple[str, ...] = ()
    vars: Mapping[str, Any] = field(default_factory=dict)
    stack: Mapping[str, Any] = field(default_factory=dict)
    setup: tuple[Step, ...] = ()
    steps: tuple[Step, ...] = ()
    teardown: tuple[Step, ...] = ()
    params: tuple[ParamRow, ...] = ()
    runtimes: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)  # runtime -> {"vars", "stack", "skip"}

    def items(self) -> tuple[ScenarioItem, ...]:
        """One item per parameter row (one item when there are none)."""
        if not self.params:
            return (ScenarioItem(self),)
        return tuple(ScenarioItem(self, row) for row in self.params)


@dataclass(frozen=True)
class ScenarioItem:
    """One runnable test: a scenario with at most one parameter row."""

    scenario: Scenario
    row: ParamRow | None = None

    @property
    def name(self) -> str:
        return f"{self.scenario.name}[{self.row.id}]" if self.row else self.scenario.name

    @property
    def id(self) -> str:
        """`file::name[row]`, unique within a run."""
        return f"{self.scenario.source.file}::{self.name}"

    @property
    def overrides(self) -> dict[str, Any]:
        """The stack overrides of the scenario, updated with the row's."""
        return {**self.scenario.stack, **(self.row.stack if self.row else {})}

    @property
    def vars(self) -> dict[str, Any]:
        """The scenario's vars (in order) updated with the row's."""
        return {**self.scenario.vars, **(self.row.vars if self.row else {})}

    def _overlays(self, runtime: str | None) -> list[Mapping[str, Any]]:
        """The `runtimes` entries for `runtime`: the scenario's, then the row's."""
        found = []
        for owner in (self.scenario, self.row):
            key = runtime_key(owner.runtimes, runtime) if owner is not None else None
            if key is not None:
                found.append(owner.runtimes[key])  # type: ignore[union-attr]
        return found

    def overrides_for(self, runtime: str | None) -> dict[str, Any]:
        """`overrides` with the `runtimes` entries for the function's runtime laid over them."""
        merged = self.overrides
        for overlay in self._overlays(runtime):
            merged.update(overlay.get("stack", {}))
        return merged

    def runtime_skip(self, runtime: str | None) -> str | None:
        """Why this item does not apply to a function of `runtime` (its `runtimes` entry's `skip`, the row's before
        the scenario's), or None (it applies; an unknown runtime is never skipped)."""
        for overlay in reversed(self._overlays(runtime)):
            if overlay.get("skip"):
                return f"{runtime}: {overlay['skip']}"
        return None

    def vars_for(self, runtime: str | None) -> dict[str, Any]:
        """`vars` with the `runtimes` entries for the function's runtime laid over them (a name keeps its place)."""
        merged = self.vars
        for overlay in self._overlays(runtime):
            merged.update(overlay.get("vars", {}))
        return merged
