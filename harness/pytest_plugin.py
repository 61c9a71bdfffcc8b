"""pytest integration (registered under the `pytest11` entry point): scenario files become test items.

`pytest scenarios/` collects every scenario JSON file; each scenario (or parameter row) is one item, with markers
from its tags and a skip, with the reason, when its `targets`/`requires` exclude the current target. A file that
does not load is one item reported as an error (every problem, with file and line); the other files still run.
`load` steps run through harness.load's driver, wired here. Options: `--harness-target embedded|localstack|aws`,
`--harness-endpoint URL`, `--harness-region`, `--harness-allow-real-aws`, `--harness-no-start-localstack`,
`--harness-template FILE` (with `--harness-stack-name`, `--harness-parameter-overrides`: a template's stack
instead of the tutorial's plan; without it, the `harness-stack.json` next to the paths given names the template,
as for `harness run`; `stack` overrides deploy variants of the template), `--harness-timing-bounds
enforce|report` (ini `harness_timing_bounds`: report turns broken wall-clock bounds into HarnessTimingWarnings).
Fixtures: `harness_target`, `harness_stack` (the deployed base stack's outputs), `harness_outputs` (a template
stack's Outputs, as CloudFormation lists them), `harness_api_url`, `harness_clients` (boto3 clients on the
target), `harness_runner`. Each pytest process (each
pytest-xdist worker) gets its own embedded stack in a child process, so parallel workers never share state; on
shared endpoints each worker prefixes its stacks. Left out: reusing one stack across pytest sessions (point
`--harness-endpoint` at a `harness serve`).
"""
from __future__ import annotations

import contextlib
import re
import warnings
from pathlib import Path
from typing import Any, Iterator

import pytest

from .defaults import DEFAULT_REGION
from .replay import FAILED, SKIPPED, ScenarioError, format_failure, is_scenario_file, load_scenario
from .targets.sessions import TargetUnavailable, open_target, planned

_SESSION_KEY = pytest.StashKey["HarnessSession"]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("harness", "replay scenario files against a deployed stack")
    group.addoption("--harness-target", choices=["embedded", "localstack", "aws"], default="embedded",
                    help="where to deploy and replay (default: embedded, started per pytest process)")
    group.addoption("--harness-endpoint", default=None,
                    help="an already running endpoint (e.g. `harness serve`, or LocalStack with "
                         "--harness-target localstack)")
    group.addoption("--harness-region", default=DEFAULT_REGION, help=f"AWS region (default {DEFAULT_REGION})")
    group.addoption("--harness-allow-real-aws", action="store_true",
                    help="opt in to --harness-target aws (or set HARNESS_ALLOW_REAL_AWS=1)")
    group.addoption("--harness-no-start-localstack", action="store_true",
                    help="never start LocalStack through Docker; skip when none answers")
    group.addoption("--harness-timing-bounds", choices=["enforce", "report"], default=None,
                    help="enforce: a broken timing bound (max_duration_ms, max_p95_ms, max_p99_ms, min_rps) fails "
                         "the item; report: it is a HarnessTimingWarning (default: the harness_timing_bounds ini "
                         "value, else enforce)")
    group.addoption("--harness-template", default=None, metavar="FILE",
                    help="deploy this SAM or CloudFormation template (its Outputs under the harness's names, as "
                         "template.yaml) instead of the tutorial's plan; scenarios with stack overrides run on "
                         "variants of it (default: the harness-stack.json of the paths given, if any)")
    group.addoption("--harness-stack-name", default=None, help="the template's stack name (default: its folder)")
    group.addoption("--harness-parameter-overrides", nargs="*", default=[], metavar="KEY=VALUE",
                    help="the template's parameter values")
    parser.addini("harness_timing_bounds", "enforce (default) or report: see --harness-timing-bounds",
                  default="enforce")


def _enforce_timing(config: pytest.Config) -> bool:
    timing = config.getoption("harness_timing_bounds") or config.getini("harness_timing_bounds") or "enforce"
    if timing not in ("enforce", "report"):
        raise pytest.UsageError(f"harness_timing_bounds must be enforce or report, not {timing!r}")
    return timing == "enforce"


def pytest_configure(config: pytest.Config) -> None:
    _enforce_timing(config)  # a wrong ini value is a usage error at once, not in the first scenario
    if config.getoption("harness_target") == "aws":
        from .targets.aws import ALLOW_ENV, opted_in

        if not opted_in(config.getoption("harness_allow_real_aws")):
            raise pytest.UsageError(
                f"--harness-target aws deploys billable resources: add --harness-allow-real-aws (or set "
                f"{ALLOW_ENV}=1) to opt in")


class HarnessSession:
    """The target, base stack and runner of one pytest process, started on first use, closed at the end."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.name: str = config.getoption("harness_target")
        self.endpoint: str | None = config.getoption("harness_endpoint")
        self.region: str = config.getoption("harness_region")
        self.worker = getattr(config, "workerinput", {}).get("workerid", "")
        self.enforce_timing = _enforce_timing(config)
        self.planned = planned(self.name, self.endpoint, self.region)
        self._exit = contextlib.ExitStack()
        self._target: Any = None
        self._runner: Any = None
        self._unavailable: str | None = None
        self._plan: Any = None
        self._no_template = False

    def target(self) -> Any:
        if self._unavailable:
            pytest.skip(self._unavailable)
        if self._target is None:
            try:
                self._target = self._exit.enter_context(open_target(
                    self.name, endpoint_url=self.endpoint, region=self.region,
                    allow_real_aws=self.config.getoption("harness_allow_real_aws"),
                    start_localstack=not self.config.getoption("harness_no_start_localstack")))
            except TargetUnavailable as exc:
                self._unavailable = f"{self.name} target unavailable: {exc}"
                pytest.skip(self._unavailable)
        return self._target

    def runner(self) -> Any:
        if self._runner is None:
            from .deploy import StackSettings
            from .load.step_driver import drive
            from .replay import runner_for

            target = self.target()
            settings = StackSettings(region=self.region)
            if self.shared and self.worker:
                settings = settings.with_prefix(f"{self.worker}-")
            outputs = self._template_outputs(target)
            self._runner = runner_for(target, settings=settings, destroy_base=True,
                                      variant_tag=self.worker if self.shared else "",
                                      enforce_timing=self.enforce_timing, load=drive, outputs=outputs,
                                      fixed=outputs is not None, template=self._plan)
        return self._runner

    def template_plan(self) -> Any:
        """The template of this session (planned: read, linted, packaged), or None: `--harness-template`, else
        the `harness-stack.json` of the paths pytest was given (as `harness run` finds it)."""
        if self._plan is None and not self._no_template:
            from .deploy.template_deploy import plan_template
            from .deploy.template_source import parse_overrides
            from .errors import UsageError
            from .replay import folder_config

            path = self.config.getoption("harness_template")
            name = self.config.getoption("harness_stack_name")
            try:
                overrides = parse_overrides(self.config.getoption("harness_parameter_overrides"))
                if not path:
                    here = self.config.invocation_params.dir
                    configured = folder_config([here / arg for arg in self.config.args])
                    if configured is None:
                        self._no_template = True
                        return None
                    path, name = configured.template, name or configured.stack_name
                    overrides = {**configured.parameter_overrides, **overrides}
                if name and self.worker and self.shared:
                    name = f"{self.worker}-{name}"
                self._plan = plan_template(path, region=self.region, stack_name=name, overrides=overrides)
            except UsageError as exc:
                raise pytest.UsageError(f"--harness-template: {exc}") from exc
        return self._plan

    @property
    def shared(self) -> bool:
        """The endpoint may be shared with other pytest processes (stacks get the worker's prefix)."""
        return self.name != "embedded" or self.endpoint is not None

    def _template_outputs(self, target: Any) -> Any:
        """The template's stack, deployed for this session (None without a template)."""
        plan = self.template_plan()
        if plan is None:
            return None
        from .clients import Clients
        from .deploy.template_deploy import deployed_template, on_target
        from .targets.localstack import wait_template_services

        wait_template_services(target)
        self._plan = plan = on_target(plan, target.prefix, target.tags)  # the session's variants follow it
        return self._exit.enter_context(deployed_template(
            plan, Clients(target.endpoint), url_for=target.invoke_url,
            transform_here=target.name not in ("localstack", "aws")))

    def close(self) -> None:
        try:
            if self._runner is not None:
                self._runner.close()
        finally:
            self._exit.close()


def _session(config: pytest.Config) -> HarnessSession:
    session = config.stash.get(_SESSION_KEY, None)
    if session is None:
        session = HarnessSession(config)
        config.stash[_SESSION_KEY] = session
    return session


def pytest_unconfigure(config: pytest.Config) -> None:
    session = config.stash.get(_SESSION_KEY, None)
    if session is not None:
        session.close()


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if file_path.suffix != ".json" or file_path.name.endswith(".schema.json"):
        return None
    if not is_scenario_file(file_path):
        return None
    try:
        json_ok = bool(file_path.read_text(encoding="utf-8").strip().startswith("{"))
    except OSError:
        json_ok = False
    if not json_ok and "scenarios" not in file_path.parts:
        return None  # an unparsable .json outside a scenarios/ folder is somebody else's file
    return ScenarioFile.from_parent(parent, path=file_path)


class ScenarioFile(pytest.File):
    """One scenario file: an item per scenario item (parameter row); an invalid file is one item that errors."""

    def collect(self) -> Iterator[pytest.Item]:
        try:
            scenario = load_scenario(self.path)
        except ScenarioError as exc:  # not a collection error: that would stop the whole session
            yield InvalidScenario.from_parent(self, name=self.path.name, error=exc)
            return
        for item in scenario.items():
            name = f"[{item.row.id}]" if item.row else scenario.name
            yield ScenarioTest.from_parent(self, name=name, item=item)


class InvalidScenario(pytest.Item):
    """A scenario file that does not load: an error (in setup) of this file only, listing every problem."""

    def __init__(self, *, error: ScenarioError, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.error = error

    def setup(self) -> None:
        pytest.fail(str(self.error), pytrace=False)

    def runtest(self) -> None:  # never reached: setup fails
        pytest.fail(str(self.error), pytrace=False)

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, (self.error.line - 1) if self.error.line else None, f"invalid scenario: {self.path.name}"


def _marker(tag: str) -> str:
    return re.sub(r"\W", "_", tag).strip("_") or "tag"


class ScenarioTest(pytest.Item):
    """One scenario item replayed by the session's runner."""

    def __init__(self, *, item: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.item = item
        self.result: Any = None
        for tag in item.scenario.tags:
            marker = _marker(tag)
            self.config.addinivalue_line("markers", f"{marker}: scenario tag {tag!r}")
            self.add_marker(marker)

    def runtest(self) -> None:
        from .replay import skip_reason

        session = _session(self.config)
        reason = skip_reason(session.planned, self.item)
        if reason:
            pytest.skip(reason)
        runner = session.runner()
        self.result = runner.run_item(self.item)
        if self.result.outcome == SKIPPED:
            pytest.skip(self.result.skip_reason or "skipped")
        for step, note in self.result.notes:
            warnings.warn_explicit(f"{step.where} \"{step.name}\": {note} (reported, not enforced)",
                                   HarnessTimingWarning, str(step.source.file), step.source.line or 0)
        if self.result.outcome == FAILED:
            raise ScenarioFailed(format_failure(self.result))

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, ScenarioFailed):
            return str(excinfo.value)
        return super().repr_failure(excinfo)

    def reportinfo(self) -> tuple[Path, int | None, str]:
        source = self.item.row.source if self.item.row and self.item.row.source else self.item.scenario.source
        return self.path, (source.line - 1) if source.line else None, f"scenario: {self.item.name}"


class ScenarioFailed(AssertionError):
    """A scenario item failed; the message is the full report (every mismatch, request, response)."""


class HarnessTimingWarning(UserWarning):
    """A timing bound the item broke while timing bounds are reported, not enforced."""


# ---- fixtures for hand-written tests -------------------------------------------------------------------

@pytest.fixture(scope="session")
def harness_target(pytestconfig: pytest.Config) -> Any:
    """The ready target (an embedded stack is started for this pytest process)."""
    return _session(pytestconfig).target()


@pytest.fixture(scope="session")
def harness_runner(pytestconfig: pytest.Config) -> Any:
    """The session's scenario runner (deploys the base stack on first use)."""
    return _session(pytestconfig).runner()


@pytest.fixture(scope="session")
def harness_stack(harness_runner: Any) -> Any:
    """The deployed base stack's outputs (api_id, stage, function_arn, tables, invoke_url...)."""
    return harness_runner.stacks.acquire({})


@pytest.fixture(scope="session")
def harness_outputs(harness_stack: Any) -> dict[str, str]:
    """The template stack's Outputs by OutputKey (`--harness-template` or harness-stack.json); {} for the plan's."""
    return dict(harness_stack.outputs)


@pytest.fixture(scope="session")
def harness_api_url(harness_stack: Any) -> str:
    """The invoke URL of the tutorial's `/db-api` resource on the base stack."""
    return harness_stack.invoke_url


@pytest.fixture(scope="session")
def harness_clients(harness_target: Any) -> Any:
    """boto3 clients on the target: `harness_clients("dynamodb")`, `.document_client()`."""
    from .clients import Clients

    return Clients(harness_target.endpoint)
