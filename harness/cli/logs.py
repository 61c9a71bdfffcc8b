"""`harness logs`: the stack's function and execution logs in time order, one request or all, once or followed.

Exit status 1 when a --request-id names no line in the window read. Left out: filters beyond one request and
one source (use CloudWatch Logs Insights on AWS).
"""
from __future__ import annotations

import argparse
import sys
import threading
import time
from typing import Any

from ..clients import Clients
from ..errors import UsageError
from .options import endpoint_options, resolve_target, stack_settings


def add_parser(sub: Any) -> None:
    """Register `harness logs` on the CLI's subparsers."""
    logs = sub.add_parser("logs", help="print the stack's function and execution logs in time order",
                          description="Print the stack's CloudWatch Logs in time order: the function's log group "
                          "(START, the handler's prints, END, REPORT) and API Gateway's execution log, from a "
                          "running endpoint (`harness serve`, LocalStack, AWS).")
    endpoint_options(logs)
    logs.add_argument("--since", default="1h", help="how far back to read: 30s, 10m, 2h, 1d (default 1h)")
    logs.add_argument("--request-id", help="only one request: an API Gateway request id (x-amzn-RequestId of "
                      "the HTTP answer: its execution log and the invocation it made) or a Lambda request id")
    logs.add_argument("--only", choices=["function", "execution"], help="read one of the two sources")
    logs.add_argument("-f", "--follow", action="store_true", help="keep printing new lines until Ctrl-C")
    logs.set_defaults(func=cmd_logs)


def cmd_logs(args: argparse.Namespace) -> int:
    from ..deploy import stack_logs as logs

    try:
        since_s = logs.parse_since(args.since)
    except ValueError as exc:
        raise UsageError(str(exc)) from exc
    settings = stack_settings(args)
    target = resolve_target(args, settings.region)
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
