"""Options several commands share: adding them to a parser, and reading them back as settings and a target.

`endpoint_options` (--endpoint/--target/--region/--prefix/--allow-real-aws), `report_options` (replay and run),
`stack_settings` (region, prefix and --code-dir, the handler directory checked before anything is called) and
`resolve_target` (the target asked for, ready; its endpoint checked and asked once).
Left out: options of one command only (they live with the command).
"""
from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path

from ..defaults import DEFAULT_REGION
from ..deploy import StackSettings
from ..targets import Target, resolve

DEFAULT_OUTPUTS = Path(".harness/outputs.json")
DEFAULT_ENDPOINT = "http://127.0.0.1:4566"


def endpoint_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--endpoint", metavar="URL",
                        help=f"the stack's endpoint URL, e.g. {DEFAULT_ENDPOINT} (`harness serve`, LocalStack)")
    parser.add_argument("--target", choices=["embedded", "localstack", "aws"], default=None,
                        help="embedded (default; with --endpoint: a running `harness serve`), localstack or aws")
    parser.add_argument("--region", help=f"AWS region (default: the tutorial's {DEFAULT_REGION})")
    parser.add_argument("--prefix", help="prefix for every resource name")
    parser.add_argument("--allow-real-aws", action="store_true",
                        help="opt in to --target aws (or set HARNESS_ALLOW_REAL_AWS=1); refused otherwise")


def code_dir_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--code-dir", metavar="DIR",
                        help="the handler directory to package; it must hold the handler's module (default: handler/)")
    parser.add_argument("--runtime", metavar="RUNTIME",
                        help="the function's Lambda runtime (default python3.12; e.g. nodejs20.x with "
                             "--code-dir handler-node)")


def outputs_option(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument("--outputs", metavar="FILE", default=str(DEFAULT_OUTPUTS),
                        help=f"{what} (default {DEFAULT_OUTPUTS})")


def report_options(parser: argparse.ArgumentParser) -> None:
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


def port(text: str) -> int:
    """argparse type: a TCP port, 0-65535."""
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port (0-65535)")
    return value


def stack_settings(args: argparse.Namespace, *, check_code: bool = False) -> StackSettings:
    """The stack's settings from --region, --prefix and --code-dir; with `check_code`, CodeDirError unless the
    handler directory holds the handler's module (before anything is built or called)."""
    settings = StackSettings(region=args.region) if getattr(args, "region", None) else StackSettings()
    if getattr(args, "code_dir", None):
        settings = dataclasses.replace(settings, code_dir=str(Path(args.code_dir).resolve()))
    if getattr(args, "runtime", None):
        settings = dataclasses.replace(settings, runtime=args.runtime)
    if check_code:
        from ..deploy.package import check_code_dir

        check_code_dir(settings.code_dir, settings.handler, settings.code_files, settings.runtime)
    prefix = getattr(args, "prefix", None)
    return settings.with_prefix(prefix) if prefix else settings


def resolve_target(args: argparse.Namespace, region: str) -> Target:
    """The target asked for, ready (endpoint checked and asked; LocalStack healthy; real AWS only with opt-in)."""
    return resolve(getattr(args, "target", None), endpoint_url=getattr(args, "endpoint", None), region=region,
                   allow_real_aws=getattr(args, "allow_real_aws", False), prefix=getattr(args, "prefix", None))
