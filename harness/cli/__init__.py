"""`harness`: thin composition of the parts. Nothing imports this module.

  serve    run the embedded stack in the foreground
  plan     print the deployment plan without calling anything
  deploy   deploy (or update in place) the tutorial's stack onto an endpoint; --watch keeps its code live
  destroy  delete what the stack owns on an endpoint
  doctor   say which targets are usable here and why not
  replay   replay scenario files against a target and report
  run      the main job: embedded stack, deploy, replay every scenario, tear down
  load     replay a traffic peak against a target; figures, thresholds and the lost-write check
  logs     print the stack's function and execution logs in time order (one request, or follow them)
"""
from __future__ import annotations

import argparse
import dataclasses
import errno
import logging
import os
import sys
import threading
import time
from pathlib import Path
from typing import Any, Callable, Sequence

from ..defaults import DEFAULT_REGION
from .. import targets
from ..clients import Clients, Endpoint
from ..deploy import StackSettings, deploy, destroy, plan_deploy, render
from ..deploy.package import build_zip

DEFAULT_OUTPUTS = Path(".harness/outputs.json")


def _settings(args: argparse.Namespace) -> StackSettings:
    settings = StackSettings(region=args.region) if getattr(args, "region", None) else StackSettings()
    if getattr(args, "code_dir", None):
        settings = dataclasses.replace(settings, code_dir=str(Path(args.code_dir).resolve()))
    prefix = getattr(args, "prefix", None)
    return settings.with_prefix(prefix) if prefix else settings


def _target(args: argparse.Namespace, region: str) -> targets.Target:
    """The target asked for, ready (LocalStack healthy; real AWS only with opt-in). See targets.resolve."""
    return targets.resolve(getattr(args, "target", None), endpoint_url=getattr(args, "endpoint", None),
                           region=region, allow_real_aws=getattr(args, "allow_real_aws", False),
                           prefix=getattr(args, "prefix", None))


def _print_step(step: Any, seconds: float) -> None:
    print(f"  {step.note.strip():<60} {seconds * 1000:7.1f} ms", flush=True)


def cmd_serve(args: argparse.Namespace) -> int:
    from ..emulator.server import EmbeddedStack

    started = time.perf_counter()
    state = args.state or os.environ.get("HARNESS_STATE_DIR") or None
    stack = EmbeddedStack(args.host, args.port, region=args.region or DEFAULT_REGION, state_dir=state).start()
    print(f"harness: embedded stack ready at {stack.url} ({(time.perf_counter() - started) * 1000:.0f} ms)",
          flush=True)
    if state:
        print(f"harness: DynamoDB state kept in {state} ({stack.restored_tables} tables restored; saved at stop)",
              flush=True)
    stop = threading.Event()
    if args.deploy or args.watch:
        settings = _settings(args)
        clients = Clients(Endpoint(stack.url, settings.region))
        before = _code_snapshot(settings) if args.watch else None
        try:
            outputs = deploy(settings, clients)
        except Exception as exc:  # DeployError, a handler directory that is missing...
            print(f"harness: deploy failed: {exc}", file=sys.stderr)
            stack.stop()
            return 1
        path = outputs.write(args.outputs)
        print(f"harness: deployed {settings.stack_name}: {outputs.invoke_url}?TableName={outputs.tables[0]} "
              f"(outputs in {path})", flush=True)
        if args.watch:
            from ..deploy.watch import watch

            print(f"harness: watching {settings.code_dir}", flush=True)
            threading.Thread(target=watch, args=(settings, clients, _watch_report(settings)),
                             kwargs={"stop": stop, "since": before}, name="code-watch", daemon=True).start()
    parent = os.environ.get("HARNESS_PARENT_PID", "")
    try:
        stack.wait(parent_pid=int(parent) if parent.isdigit() else None)
    finally:
        stop.set()
    return 0


def cmd_plan(args: argparse.Namespace) -> int:
    settings = _settings(args)
    print(render(plan_deploy(settings, build_zip(settings.code_dir, settings.code_files))))
    return 0


def cmd_deploy(args: argparse.Namespace) -> int:
    settings = _settings(args)
    target = _target(args, settings.region)
    settings = target.stack_settings(settings)  # real AWS: unique prefix + owner tag
    print(f"harness: deploying {settings.stack_name} to {target.name} ({target.endpoint.url or 'AWS'})")
    before = _code_snapshot(settings) if args.watch else None  # a save during the deploy is seen afterwards
    outputs = deploy(settings, Clients(target.endpoint), url_for=target.invoke_url, on_step=_print_step)
    path = outputs.write(args.outputs)
    print(outputs.to_json())
    print(f"harness: outputs written to {path}")
    if args.watch:
        return _watch(settings, Clients(target.endpoint), before)
    return 0


def _code_snapshot(settings: StackSettings) -> Any:
    from ..deploy.watch import snapshot

    return snapshot(settings.code_dir)


def _watch_report(settings: StackSettings) -> Callable[[Any], None]:
    """Prints what each round of `deploy.watch.watch` did."""
    def report(update: Any) -> None:
        more = f" (+{len(update.changed) - 5} more)" if len(update.changed) > 5 else ""
        names = ", ".join(update.changed[:5]) + more
        if update.error:
            print(f"harness: {names} changed; the update failed: {update.error}", file=sys.stderr, flush=True)
        elif update.deployed:
            print(f"harness: {names} changed: {settings.function_name} updated ({update.code_sha256[:12]}...) in "
                  f"{update.seconds * 1000:.0f} ms", flush=True)
        else:
            print(f"harness: {names} saved; the package is unchanged", flush=True)
        for problem in update.problems:
            print(f"harness: warning: {problem} (deployed as is: invocations will fail with "
                  "Runtime.UserCodeSyntaxError)", file=sys.stderr, flush=True)
    return report


def _watch(settings: StackSettings, clients: Clients, since: Any = None) -> int:
    from ..deploy.watch import watch

    print(f"harness: watching {settings.code_dir} (Ctrl-C to stop)", flush=True)
    stop = threading.Event()
    try:
        watch(settings, clients, _watch_report(settings), stop=stop, since=since)
    except KeyboardInterrupt:
        stop.set()
    return 0


def cmd_destroy(args: argparse.Namespace) -> int:
    settings = _settings(args)
    target = _target(args, settings.region)
    settings = target.stack_settings(settings)  # real AWS: unique prefix + owner tag
    steps = destroy(settings, Clients(target.endpoint), on_step=_print_step)
    print(f"harness: destroyed {settings.stack_name} ({len(steps)} steps)" if steps
          else f"harness: nothing of {settings.stack_name} found")
    return 0


def cmd_replay(args: argparse.Namespace) -> int:
    from .replay import cmd_replay as replay_main

    return replay_main(args)


def cmd_run(args: argparse.Namespace) -> int:
    """The main job on the embedded default: start the stack, deploy, replay scenarios/, tear down."""
    from .replay import cmd_run as run_main

    return run_main(args)


def cmd_doctor(args: argparse.Namespace) -> int:
    from ..targets.doctor import main as doctor_main

    return doctor_main(args)


def cmd_load(args: argparse.Namespace) -> int:
    from .load import cmd_load as load_main

    return load_main(args)


def cmd_logs(args: argparse.Namespace) -> int:
    from ..deploy import stack_logs as logs

    try:
        since_s = logs.parse_since(args.since)
    except ValueError as exc:
        print(f"harness: {exc}", file=sys.stderr)
        return 2
    settings = _settings(args)
    target = _target(args, settings.region)
    settings = target.stack_settings(settings)
    clients = Clients(target.endpoint)
    # a request id is followed through the execution log even when only the function's lines are printed
    reads = None if args.request_id else args.only
    api_id = logs.find_api_id(settings, clients("apigateway")) if reads != "function" else None
    if api_id is None and reads != "function":
        print(f"harness: no API {settings.api_name} on {target.name}: no execution log", file=sys.stderr)
    sources = logs.sources_for(settings, api_id, reads)
    start_ms = int((time.time() - since_s) * 1000)

    def emit(line: logs.LogLine) -> None:
        print(logs.format_line(line), flush=True)

    def missing(source: logs.LogSource) -> None:
        print(f"harness: no log group {source.group} (yet)", file=sys.stderr)

    if args.follow:
        stop = threading.Event()
        try:
            logs.follow(clients("logs"), sources, start_ms, emit, stop, request_id=args.request_id, only=args.only)
        except KeyboardInterrupt:
            stop.set()
        return 0
    lines = logs.select(logs.read(clients("logs"), sources, start_ms, missing), args.request_id, args.only)
    for line in lines:
        emit(line)
    if args.request_id and not lines:
        print(f"harness: no line names request {args.request_id} in the last {args.since}", file=sys.stderr)
        return 1
    return 0


def _endpoint_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--endpoint", help="AWS-compatible endpoint URL (e.g. http://127.0.0.1:4566)")
    parser.add_argument("--target", choices=["embedded", "localstack", "aws"], default=None,
                        help="embedded (default; with --endpoint: a running `harness serve`), localstack or aws")
    parser.add_argument("--region", help=f"AWS region (default: the tutorial's {DEFAULT_REGION})")
    parser.add_argument("--prefix", help="prefix for every resource name")
    parser.add_argument("--allow-real-aws", action="store_true",
                        help="opt in to --target aws (or set HARNESS_ALLOW_REAL_AWS=1); refused otherwise")


def _report_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--junit", metavar="FILE", help="write a JUnit XML report (one test case per item)")
    parser.add_argument("--json", metavar="FILE", help="write a JSON transcript of every request and response")
    parser.add_argument("--tag", action="append", default=[], metavar="TAG",
                        help="only scenarios with this tag (repeat for any of several), e.g. troubleshooting")
    parser.add_argument("-k", dest="match", metavar="TEXT",
                        help="only items whose id (file::name[row]) contains TEXT, any case")
    parser.add_argument("--list", action="store_true", help="list the selected items and exit; runs nothing")
    parser.add_argument("--timing-bounds", choices=["enforce", "report"], default="enforce",
                        help="enforce (default) fails an item on a broken max_duration_ms/max_p95_ms/max_p99_ms/"
                             "min_rps; report prints it and lets the item pass (for loaded CI machines)")


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port (0-65535)")
    return port


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="harness", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug details")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the embedded stack in the foreground")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=_port, default=4566, help="port (0 picks a free one; default 4566)")
    serve.add_argument("--region", help=f"default region (default {DEFAULT_REGION})")
    serve.add_argument("--state", metavar="DIR",
                       help="keep DynamoDB tables and items across restarts in DIR (or HARNESS_STATE_DIR)")
    serve.add_argument("--deploy", action="store_true", help="deploy the tutorial's stack once the stack is up")
    serve.add_argument("--watch", action="store_true",
                       help="deploy, then update the function's code each time a handler file changes")
    serve.add_argument("--code-dir", metavar="DIR", help="the handler directory to package (default: handler/)")
    serve.add_argument("--outputs", default=str(DEFAULT_OUTPUTS), help="where to write the outputs JSON")
    serve.set_defaults(func=cmd_serve)

    plan = sub.add_parser("plan", help="print the deployment plan without calling anything")
    plan.add_argument("--region")
    plan.add_argument("--prefix")
    plan.add_argument("--code-dir", metavar="DIR", help="the handler directory to package (default: handler/)")
    plan.set_defaults(func=cmd_plan)

    dep = sub.add_parser("deploy", help="deploy or update the stack on an endpoint")
    _endpoint_options(dep)
    dep.add_argument("--outputs", default=str(DEFAULT_OUTPUTS), help="where to write the outputs JSON")
    dep.add_argument("--code-dir", metavar="DIR", help="the handler directory to package (default: handler/)")
    dep.add_argument("--watch", action="store_true",
                     help="after deploying, update the function's code each time a file in the handler directory "
                          "changes (until Ctrl-C)")
    dep.set_defaults(func=cmd_deploy)

    des = sub.add_parser("destroy", help="delete what the stack owns on an endpoint")
    _endpoint_options(des)
    des.set_defaults(func=cmd_destroy)

    rep = sub.add_parser("replay", help="replay scenario files against a target")
    rep.add_argument("paths", nargs="+", help="scenario files or directories")
    _endpoint_options(rep)
    _report_options(rep)
    rep.set_defaults(func=cmd_replay)

    run = sub.add_parser("run", help="start the embedded stack, deploy, replay scenarios/, tear down")
    run.add_argument("paths", nargs="*", help="scenario files or directories (default: scenarios/)")
    run.add_argument("--region", help=f"AWS region (default {DEFAULT_REGION})")
    _report_options(run)
    run.set_defaults(func=cmd_run)

    doc = sub.add_parser("doctor", help="say which targets (embedded, localstack, aws) are usable here, and why not")
    doc.add_argument("--allow-real-aws", action="store_true", help="count the real-AWS opt-in as given")
    doc.set_defaults(func=cmd_doctor)

    logs = sub.add_parser("logs", help="print the stack's function and execution logs in time order",
                          description="Print the stack's CloudWatch Logs in time order: the function's log group "
                          "(START, the handler's prints, END, REPORT) and API Gateway's execution log, from a "
                          "running endpoint (`harness serve`, LocalStack, AWS).")
    _endpoint_options(logs)
    logs.add_argument("--since", default="1h", help="how far back to read: 30s, 10m, 2h, 1d (default 1h)")
    logs.add_argument("--request-id", help="only one request: an API Gateway request id (x-amzn-RequestId of "
                      "the HTTP answer: its execution log and the invocation it made) or a Lambda request id")
    logs.add_argument("--only", choices=list(("function", "execution")), help="read one of the two sources")
    logs.add_argument("-f", "--follow", action="store_true", help="keep printing new lines until Ctrl-C")
    logs.set_defaults(func=cmd_logs)

    from .load import add_parser as add_load_parser

    add_load_parser(sub, _endpoint_options).set_defaults(func=cmd_load)
    return parser


def explain(exc: BaseException, args: argparse.Namespace) -> str | None:
    """One line for a failure a user can act on (no traceback); None for a bug (the traceback is shown)."""
    from botocore.exceptions import ClientError, EndpointConnectionError, NoCredentialsError

    from ..deploy import DeployError
    from ..emulator.state import StateFileError
    from ..targets.sessions import TargetUnavailable

    if isinstance(exc, EndpointConnectionError):
        return (f"cannot reach {exc.kwargs.get('endpoint_url')}: is a stack listening there? (start one with "
                "`harness serve`, or point --endpoint at LocalStack)")
    if isinstance(exc, NoCredentialsError):
        return "no AWS credentials found; `harness doctor` says where they are looked for"
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        return f"{exc.operation_name} failed: {error.get('Code')}: {error.get('Message')}"
    if isinstance(exc, OSError) and exc.errno == errno.EADDRINUSE and args.command == "serve":
        return (f"cannot listen on {args.host}:{args.port}: the address is in use (another `harness serve` or "
                "LocalStack? --port 0 picks a free port)")
    if isinstance(exc, (DeployError, TargetUnavailable, StateFileError, FileNotFoundError, OSError)):
        return str(exc)
    return None


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        message = explain(exc, args)
        if message is None:
            raise
        logging.getLogger("harness").debug("%s failed", args.command, exc_info=True)
        print(f"harness: {message}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
