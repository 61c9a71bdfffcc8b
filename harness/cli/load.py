"""`harness load`: its options (`add_parser`) and what it does (`cmd_load`).

By default it starts an embedded stack in a child process, deploys the tutorial's stack, runs the profile, prints
the figures and stops the stack. With `--endpoint` / `--target` it deploys onto that target (in place when the
stack exists) and tears down afterwards only what it created itself. Exit status: 0 when every threshold holds
and no write was lost or made up, 1 otherwise, 2 when nothing could run (bad options, target unavailable).
Left out: distributing clients over several machines or processes (one process drives every client).
"""
from __future__ import annotations

import argparse
import dataclasses
import logging
import sys
import time
from importlib.util import find_spec
from typing import TYPE_CHECKING, Any, Callable

from ..defaults import DEFAULT_REGION
from ..load.defaults import DEFAULT_MIX, DEFAULT_REQUESTS, INSTALL_HINT
from ..replay import DEFAULT_CLIENTS, DEFAULT_TIMEOUT_S

if TYPE_CHECKING:
    from ..replay import LoadProfile

log = logging.getLogger(__name__)

DESCRIPTION = """\
Replay a traffic peak against the API and check that it held: N clients (one keep-alive connection each) ramp
up, then send a mix of requests until a request count or a duration is reached. Live progress while it runs;
then p50/p95/p99/max latency, requests/s, status codes, and the lost-write check: every POST that answered 200
must be in the table, and no other item of this run (items carry the attribute load_run = the run id, so a
shared table works). Exit status 0 when the thresholds hold and nothing was lost, 1 otherwise, 2 when nothing
could run.

Target: by default an embedded stack started in a child process (deployed, run, stopped), so the clients and
the stack do not share one interpreter. --endpoint URL (a running `harness serve`) or --target localstack|aws:
the tutorial's stack is deployed there (updated in place when it exists) and torn down afterwards only if this
command created it.

examples:
  harness load --clients 32 --requests 2000 --mix post=100 --max-error-rate 0
  harness load --clients 16 --ramp 5 --duration 30 --mix get=80,post=15,put=4,delete=1 --plot peak.png
  harness load --scenario scenarios/load/peak.json --json peak.json
  harness load --endpoint http://127.0.0.1:4566 --table load-test --requests 500
"""


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {text}")
    return value


def _seconds(text: str) -> float:
    value = float(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected seconds >= 0, got {text}")
    return value


def _rate(text: str) -> float:
    """`0.01`, `1%` -> 0.01."""
    raw = text.strip()
    value = float(raw[:-1]) / 100 if raw.endswith("%") else float(raw)
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"expected a rate between 0 and 1 (or 0% to 100%), got {text}")
    return value


def add_parser(sub: Any, endpoint_options: Callable[[argparse.ArgumentParser], None]) -> argparse.ArgumentParser:
    """Register `harness load` on the CLI's subparsers; `endpoint_options` adds the shared target options."""
    parser = sub.add_parser("load", help="replay a traffic peak against a target and check nothing was lost",
                            description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter)
    endpoint_options(parser)
    traffic = parser.add_argument_group("traffic profile")
    traffic.add_argument("--clients", type=_positive_int, metavar="N",
                         help=f"concurrent clients, each with its own keep-alive connection (default {DEFAULT_CLIENTS})")
    traffic.add_argument("--ramp", type=_seconds, metavar="SECONDS",
                         help="start the clients linearly over this many seconds (default 0: all at once)")
    stop = traffic.add_mutually_exclusive_group()
    stop.add_argument("--duration", type=float, metavar="SECONDS",
                      help="stop after this many seconds, ramp included")
    stop.add_argument("--requests", type=_positive_int, metavar="N",
                      help=f"stop after N requests in all (default {DEFAULT_REQUESTS} when no --duration is given)")
    traffic.add_argument("--mix", metavar="KIND=WEIGHT,...",
                         help=f"request mix by weight (default {DEFAULT_MIX}). Kinds: get (scan the table), post "
                              "(a new item with a fresh uuid), put (update an item this run wrote), delete (delete "
                              "one; the check then expects it gone)")
    traffic.add_argument("--think", type=_seconds, metavar="SECONDS",
                         help="pause of each client between two requests (default 0)")
    traffic.add_argument("--timeout", type=float, metavar="SECONDS",
                         help=f"how long to wait for each answer (default {DEFAULT_TIMEOUT_S:g}); no answer = error")
    traffic.add_argument("--seed", type=int, metavar="N", help="seed the random draws for a repeatable sequence")
    traffic.add_argument("--table", metavar="NAME",
                         help="the table the built-in kinds of --mix read and write (default: the stack's, "
                              "messages); another name is deployed with the stack as an extra table")
    traffic.add_argument("--scenario", metavar="FILE",
                         help="take the profile (and thresholds) from the first `load` step of this scenario "
                              "file; options given here override it. Only the load step runs; the scenario's "
                              "`stack` overrides and vars apply")
    checks = parser.add_argument_group("thresholds (exit status 1 when one breaks)")
    checks.add_argument("--max-p99-ms", type=float, metavar="MS", help="highest acceptable p99 latency")
    checks.add_argument("--max-p95-ms", type=float, metavar="MS", help="highest acceptable p95 latency")
    checks.add_argument("--max-error-rate", type=_rate, metavar="RATE",
                        help="highest acceptable share of errors (non-2xx or no answer): 0.01 or 1%%")
    checks.add_argument("--min-rps", type=float, metavar="N", help="lowest acceptable requests/s over the run")
    output = parser.add_argument_group("output")
    output.add_argument("--json", metavar="FILE", help="write the figures (and a per-second timeline) as JSON")
    output.add_argument("--junit", metavar="FILE",
                        help="write a JUnit XML report: one test case, failed when a threshold or the write check "
                             "breaks")
    output.add_argument("--plot", metavar="FILE.png",
                        help="draw latency over time as a PNG (needs matplotlib: pip install 'db-api-harness[plot]')")
    output.add_argument("--keep-items", action="store_true",
                        help="keep the items this run wrote (default: deleted after the check)")
    parser.set_defaults(func=cmd_load)
    return parser


def profile_from_args(args: argparse.Namespace, base: LoadProfile | None = None) -> LoadProfile:
    """The profile the options ask for, on top of `base` (a scenario's) when given. ProfileError when invalid."""
    from ..replay import LoadProfile, Thresholds, parse_mix

    timeout = args.timeout if args.timeout is not None else (base.timeout_s if base else DEFAULT_TIMEOUT_S)
    if args.mix is not None or base is None:
        mix = tuple(dataclasses.replace(e, http=dataclasses.replace(e.http, timeout=timeout))
                    for e in parse_mix(args.mix or DEFAULT_MIX))
    else:
        mix = base.mix
    requests, duration = (base.requests, base.duration_s) if base else (None, None)
    if args.requests is not None or args.duration is not None:
        requests, duration = args.requests, args.duration
    if requests is None and duration is None:
        requests = DEFAULT_REQUESTS
    limits = base.thresholds if base else Thresholds()
    thresholds = dataclasses.replace(limits, **{name: getattr(args, name) for name in
                                                ("max_p99_ms", "max_p95_ms", "max_error_rate", "min_rps")
                                                if getattr(args, name) is not None})

    def pick(value: Any, field: str, default: Any) -> Any:
        return value if value is not None else getattr(base, field) if base else default

    return LoadProfile(mix, clients=pick(args.clients, "clients", DEFAULT_CLIENTS), ramp_s=pick(args.ramp, "ramp_s", 0.0),
                       duration_s=duration, requests=requests, think_s=pick(args.think, "think_s", 0.0),
                       timeout_s=timeout, seed=pick(args.seed, "seed", None), table=pick(args.table, "table", None),
                       thresholds=thresholds)


def _scenario_load(path: str) -> tuple[Any, Any]:
    """(the scenario, its first load step's call); ScenarioError or UsageError (exit 2) with the reason."""
    from ..errors import UsageError
    from ..replay import LoadCall, load_scenario

    scenario = load_scenario(path)
    for step in (*scenario.setup, *scenario.steps):
        if isinstance(step.call, LoadCall):
            return scenario, step.call
    raise UsageError(f"{path} has no load step")


def cmd_load(args: argparse.Namespace) -> int:
    from ..deploy import StackSettings, TableSpec
    from ..replay import ProfileError
    from ..load.plot import PlotUnavailable, plot
    from ..load.report import format_report, write_json, write_junit

    if args.plot and find_spec("matplotlib") is None:  # say so before the run, not after
        print(f"harness: --plot needs matplotlib, which is not installed: {INSTALL_HINT}", file=sys.stderr)
        return 2
    scenario, call = _scenario_load(args.scenario) if args.scenario else (None, None)
    try:
        profile = profile_from_args(args, call.profile if call else None)
    except (ProfileError, ValueError) as exc:
        print(f"harness: {exc}", file=sys.stderr)
        return 2
    settings = StackSettings(region=args.region or DEFAULT_REGION)
    if scenario is not None and scenario.stack:
        settings = settings.with_overrides(scenario.stack)
    if args.prefix:
        settings = settings.with_prefix(args.prefix)
    if profile.table and "{{" not in profile.table and profile.table not in (t.name for t in settings.tables):
        settings = dataclasses.replace(settings, extra_tables=(*settings.extra_tables, TableSpec(profile.table)))
    result = _deploy_and_run(args, profile, settings, scenario,  # TargetUnavailable: exit 2 at the CLI's boundary
                             cleanup=not args.keep_items and (call.cleanup if call else True))
    print()
    print(format_report(result))
    if args.json:
        print(f"harness: figures written to {write_json(result, args.json)}")
    if args.junit:
        print(f"harness: JUnit XML written to {write_junit(result, args.junit)}")
    if args.plot:
        try:
            print(f"harness: plot written to {plot(result, args.plot)}")
        except PlotUnavailable as exc:
            print(f"harness: no plot: {exc}", file=sys.stderr)
    return 0 if result.passed else 1


def _deploy_and_run(args: argparse.Namespace, profile: LoadProfile, settings: Any, scenario: Any, *,
                    cleanup: bool) -> Any:
    """Open the target, deploy, run with live progress, tear down what this command created; the LoadResult."""
    from botocore import xform_name

    from ..clients import Clients
    from ..deploy import deploy, destroy, observe
    from ..targets.sessions import open_target
    from ..load.driver import run_load
    from ..load.progress import LiveProgress

    started_here = not args.endpoint and args.target in (None, "embedded")
    with open_target(args.target, endpoint_url=args.endpoint, region=settings.region,
                     allow_real_aws=args.allow_real_aws, in_process=False) as target:
        settings = target.stack_settings(settings)
        clients = Clients(target.endpoint)
        existed = not started_here and observe(settings, clients).function_arn is not None
        print(f"harness: deploying {settings.stack_name} to {target.describe()}", flush=True)
        began = time.perf_counter()
        outputs = deploy(settings, clients, url_for=target.invoke_url)
        print(f"harness: deployed in {time.perf_counter() - began:.1f} s; {profile.describe()}", flush=True)
        try:
            variables = _variables(scenario, outputs, target.name)
            if profile.table and "{{" in profile.table:  # a scenario's `table`, e.g. {{stack.table}}
                profile = dataclasses.replace(profile, table=str(_render(profile.table, variables)))
            document = clients.document_client()

            def dynamo(operation: str, params: dict[str, Any]) -> Any:
                return getattr(document, xform_name(operation))(**params)

            progress = LiveProgress()
            try:
                return run_load(profile, target=target, outputs=outputs, dynamo=dynamo, variables=variables,
                                on_tick=progress, tick_s=progress.tick_s, cleanup=cleanup)
            finally:
                progress.done()
        finally:
            if not started_here and not existed:
                print(f"harness: tearing down {settings.stack_name}", flush=True)
                destroy(settings, clients)


def _render(value: Any, variables: dict[str, Any]) -> Any:
    from ..replay import Scope

    return Scope(variables).render(value, "load.table")


def _variables(scenario: Any, outputs: Any, target_name: str) -> dict[str, Any]:
    """The template variables: `stack`, `target`, and the scenario's vars (first row) rendered in order."""
    from ..replay import Scope, stack_vars

    scope = Scope({"stack": stack_vars(outputs), "target": target_name})
    if scenario is not None:
        for name, value in scenario.items()[0].vars.items():
            scope.set(name, scope.render(value, f"vars.{name}"))
    return scope.as_dict()

