"""The runner shared by the CLI and the pytest plugin: scenario items in, `ItemResult`s out.

    with runner_for(target) as runner:              # close() releases the stack variants, always
        for item in load_items(["scenarios"]):
            result = runner.run_item(item)          # never raises for a failing scenario

Per item: skip when the target is not among the scenario's `targets` or lacks a `requires` feature (reason from
`Target.skip_reason`; `stack` overrides imply `fault-injection`), when the `runtimes` entry for the function's
runtime says `skip`, or when the provider cannot deploy the scenario's `stack` overrides; acquire the stack
(base or variant); bind vars (`stack`, `target`, then the scenario's and the row's vars, in order); run setup,
then steps (both stop at the first failure), then teardown, always (Ctrl-C stops the run at once, teardown
included; `close()` still releases the stacks). HTTP goes through a keep-alive
`requests.Session` (`RequestsTransport`), AWS calls through boto3 (`BotoCaller`), logs through CloudWatch Logs.
Left out: running items in parallel (use pytest-xdist: one Runner per worker).
"""
from __future__ import annotations

import logging
import time
from typing import Any, Callable, Iterable

from ..clients import Clients
from ..deploy import StackOutputs, StackSettings
from ..targets import Target
from .awscalls import AwsCaller, BotoCaller
from .bindings import stack_vars
from .step_context import StepContext
from .load_driver import LoadDriver
from .log_checks import CloudWatchLogs, LogSource
from .scenario import ScenarioItem
from .results import FAILED, PASSED, SKIPPED, ItemResult, StepResult
from .stacks import DeployingStacks, FixedStack, StackProvider, TemplateStacks, VariantUnsupported
from .steps import run_step
from .templating import Scope, TemplateError
from .transport import RequestsTransport, Transport

log = logging.getLogger(__name__)

OnResult = Callable[[ItemResult], None]


class Runner:
    """Replays scenario items against one target; `close()` (or leaving the `with` block) tears variants down."""

    def __init__(self, target: Target, stacks: StackProvider, *, transport: Transport | None = None,
                 aws: AwsCaller | None = None, logs: LogSource | None = None,
                 clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep,
                 wall: Callable[[], float] = time.time, enforce_timing: bool = True,
                 load: LoadDriver | None = None) -> None:
        self.target = target
        self.stacks = stacks
        self.transport = transport or RequestsTransport()
        self.aws = aws or BotoCaller(Clients(target.endpoint))
        self.logs = logs if logs is not None else CloudWatchLogs(self.aws)
        self.clock, self.sleep, self.wall = clock, sleep, wall
        self.enforce_timing = enforce_timing
        self.load = load
        self.release_errors: list[str] = []
        self._closed = False

    def __enter__(self) -> Runner:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def close(self) -> list[str]:
        """Tear down every stack variant (errors are logged and returned, never raised); idempotent."""
        if self._closed:
            return self.release_errors
        self._closed = True
        try:
            self.release_errors = list(self.stacks.release())
        finally:
            self.transport.close()
        for error in self.release_errors:
            log.warning("%s", error)
        return self.release_errors

    def skip_reason(self, item: ScenarioItem) -> str | None:
        """Why `item` does not run on this target, or None."""
        return skip_reason(self.target, item)

    def run(self, items: Iterable[ScenarioItem], on_result: OnResult | None = None) -> list[ItemResult]:
        """Run every item, then close (tearing variants down) even when interrupted. Ctrl-C stops at once:
        KeyboardInterrupt goes through (the results so far went to `on_result`)."""
        results: list[ItemResult] = []
        try:
            for item in items:
                result = self.run_item(item)
                results.append(result)
                if on_result is not None:
                    on_result(result)
        finally:
            self.close()
        return results

    def run_item(self, item: ScenarioItem) -> ItemResult:
        """Run one item; failures are in the result, never raised."""
        started = self.clock()
        source = item.row.source if item.row and item.row.source else item.scenario.source
        head = dict(item_id=item.id, name=item.name, scenario=item.scenario.name, source=source)

        def finish(outcome: str, **extra: Any) -> ItemResult:
            return ItemResult(**head, outcome=outcome, duration_s=self.clock() - started, **extra)

        runtime = _runtime_of(self.stacks, item.overrides)
        overrides = item.overrides_for(runtime)
        reason = skip_reason(self.target, item, overrides) or item.runtime_skip(runtime)
        if reason:
            return finish(SKIPPED, skip_reason=reason)
        try:
            outputs = self.stacks.acquire(overrides)
        except VariantUnsupported as exc:
            return finish(SKIPPED, skip_reason=str(exc))
        except Exception as exc:
            return finish(FAILED, error=f"stack: {exc}")
        scope = Scope({"stack": stack_vars(outputs), "target": self.target.name})
        try:
            for name, value in item.vars_for(runtime).items():
                scope.set(name, scope.render(value, f"vars.{name}"))
        except TemplateError as exc:
            return finish(FAILED, error=str(exc), stack_name=outputs.stack_name)
        ctx = StepContext(self.target, outputs, self.transport, self.aws, self.logs, self.clock, self.sleep,
                          self.wall, enforce_timing=self.enforce_timing, load=self.load,
                          row=item.row.id if item.row else None, runtime=runtime)
        steps = self._run_steps(item, scope, ctx)
        outcome = FAILED if any(step.failed for step in steps) else PASSED
        return finish(outcome, steps=tuple(steps), stack_name=outputs.stack_name,
                      vars={**scope.as_dict(), **{f"{{{{{k}}}}}": v for k, v in scope.generated.items()}})

    def _run_steps(self, item: ScenarioItem, scope: Scope, ctx: StepContext) -> list[StepResult]:
        """Setup, then steps (both stop at the first failure), then teardown, always; except after Ctrl-C,
        which stops at once (`close()` still releases the stacks, variants and all)."""
        done: list[StepResult] = []
        try:
            self._run_phases(item, scope, ctx, done)
        except KeyboardInterrupt:
            raise
        except BaseException:
            self._teardown(item, scope, ctx, done)
            raise
        self._teardown(item, scope, ctx, done)
        return done

    @staticmethod
    def _run_phases(item: ScenarioItem, scope: Scope, ctx: StepContext, done: list[StepResult]) -> None:
        for phase, steps in (("setup", item.scenario.setup), ("steps", item.scenario.steps)):
            for index, step in enumerate(steps):
                done.append(run_step(step, phase, index, scope, ctx))
                log.debug("%s %s: %s", item.id, step.where, done[-1].outcome)
                if done[-1].failed:
                    return

    @staticmethod
    def _teardown(item: ScenarioItem, scope: Scope, ctx: StepContext, done: list[StepResult]) -> None:
        for index, step in enumerate(item.scenario.teardown):
            done.append(run_step(step, "teardown", index, scope, ctx))


def _runtime_of(stacks: StackProvider, overrides: Any) -> str | None:
    """The runtime of the function a stack with `overrides` has (picks the `runtimes` entries of an item)."""
    find = getattr(stacks, "runtime", None)
    return find(overrides) if find is not None else None


def skip_reason(target: Target, item: ScenarioItem, overrides: Any = None) -> str | None:
    """Why `item` does not run on `target` (its `targets` exclude it, or the target lacks a required feature).
    `overrides`: the item's stack overrides for its runtime (default: its own)."""
    scenario = item.scenario
    if target.name not in scenario.targets:
        return f"{target.name}: the scenario applies to {', '.join(scenario.targets)} only"
    requires = scenario.requires + (("fault-injection",) if (item.overrides if overrides is None else overrides)
                                    else ())
    return target.skip_reason(requires)


def runner_for(target: Target, *, settings: StackSettings | None = None, outputs: StackOutputs | None = None,
               destroy_base: bool = False, variant_tag: str = "", clients: Clients | None = None,
               transport: Transport | None = None, enforce_timing: bool = True,
               load: LoadDriver | None = None, fixed: bool = False, template: Any = None) -> Runner:
    """The usual wiring for the CLI and the pytest plugin.

    The base stack is `target.stack_settings(settings)` (default: the tutorial's settings in the target's region;
    give unprefixed settings, the target adds its prefix and tags). With `outputs` (a stack already deployed,
    e.g. by a fixture) the base is not deployed again; otherwise it is deployed on first use and destroyed at
    `close()` only when `destroy_base`. Variants are always destroyed at `close()`. `enforce_timing=False`
    reports broken timing bounds (`max_duration_ms`, `max_p95_ms`, `max_p99_ms`, `min_rps`) as notes instead
    of failing on them (for suites on shared or loaded machines; measure speed with a benchmark). `load` runs
    the scenarios' `load` steps (harness.load's driver; without one they fail, saying so). `fixed` with
    `outputs`: a stack deployed some other way: scenarios with `stack` overrides are skipped; unless it is
    a template's (`template`: its TemplatePlan), whose overrides deploy variants of the template.
    """
    clients = clients or Clients(target.endpoint)
    base = target.stack_settings(settings or StackSettings(region=target.region))
    stacks: StackProvider
    if outputs is not None and template is not None:
        stacks = TemplateStacks(template, clients, outputs, url_for=target.invoke_url, variant_tag=variant_tag)
    elif fixed and outputs is not None:
        stacks = FixedStack(outputs)
    else:
        stacks = DeployingStacks(base, clients, url_for=target.invoke_url, base_outputs=outputs,
                                 destroy_base=destroy_base, variant_tag=variant_tag)
    return Runner(target, stacks, transport=transport, aws=BotoCaller(clients), enforce_timing=enforce_timing,
                  load=load)
