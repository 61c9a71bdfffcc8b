"""`harness --help`: the top-level parser, its options (--version, -v) and every command registered once.

Each command's options live with the command (stack.py, logs.py, shell.py, load.py); replay and run take theirs
here because cli/replay.py holds only what they do. Left out: shell completion.
"""
from __future__ import annotations

import argparse
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from ..defaults import DEFAULT_REGION
from . import logs, shell, stack
from .options import code_dir_option, endpoint_options, report_options

DESCRIPTION = """\
Run the tutorial's serverless REST API (API Gateway -> Lambda -> DynamoDB) on
this machine (the embedded stack: no Docker), on LocalStack or on real AWS, and
replay JSON scenario files against it."""

EPILOG = """\
`harness COMMAND --help` describes a command. Exit status: 0 done; 1 something
ran and failed (a deploy step, a scenario, a threshold); 2 nothing ran (a usage
mistake, a target that is unavailable); 130 interrupted."""


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """argparse's, minus the `COMMAND` line above the list of commands (each is listed once)."""

    def _format_action(self, action: argparse.Action) -> str:
        text = super()._format_action(action)
        if isinstance(action, argparse._SubParsersAction):
            lines = text.splitlines(keepends=True)[1:]
            text = "".join(line[2:] if line.startswith("  ") else line for line in lines)
        return text


def package_version() -> str:
    try:
        return version("db-api-harness")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="harness", description=DESCRIPTION, epilog=EPILOG,
                                     formatter_class=HelpFormatter)
    parser.add_argument("--version", action="version", version=f"%(prog)s {package_version()}",
                        help="print the version and exit")
    parser.add_argument("-v", "--verbose", action="count", default=0,
                        help="log details, show a failure's traceback (-vv: botocore's too)")
    sub = parser.add_subparsers(dest="command", required=True, title="commands", metavar="COMMAND")
    stack.add_parsers(sub)
    shell.add_parsers(sub)
    logs.add_parser(sub)
    _add_replay_parsers(sub)
    from .load import add_parser as add_load_parser

    add_load_parser(sub, endpoint_options)
    doctor = sub.add_parser("doctor", help="say which targets work here (embedded, localstack, aws)")
    doctor.add_argument("--allow-real-aws", action="store_true", help="count the real-AWS opt-in as given")
    doctor.add_argument("--endpoint", metavar="URL",
                        help="a running embedded stack to ask what it dropped of its functions' logs (default: "
                             "LocalStack's URL, http://127.0.0.1:4566 unless LOCALSTACK_HOST says otherwise)")
    doctor.set_defaults(func=cmd_doctor)
    return parser


def _add_replay_parsers(sub: Any) -> None:
    rep = sub.add_parser("replay", help="replay scenario files against a target and report")
    rep.add_argument("paths", nargs="+", metavar="PATH", help="scenario files or directories")
    endpoint_options(rep)
    code_dir_option(rep)
    report_options(rep)
    _template_options(rep)
    rep.add_argument("--run-skipped", action="store_true",
                     help="also run the items the target would skip for a behaviour it lacks (`requires`), to "
                          "check that each skip reason is true: they are expected to fail, showing the reason")
    rep.set_defaults(func=cmd_replay)

    run = sub.add_parser("run", help="start an embedded stack, deploy, replay scenarios/, stop")
    run.add_argument("paths", nargs="*", metavar="PATH", help="scenario files or directories (default: scenarios/)")
    run.add_argument("--region", help=f"AWS region (default {DEFAULT_REGION})")
    code_dir_option(run)
    report_options(run)
    _template_options(run)
    run.set_defaults(func=cmd_run)


def _template_options(parser: argparse.ArgumentParser) -> None:
    from .template import add_template_options

    add_template_options(parser, deploying=True)


def cmd_replay(args: argparse.Namespace) -> int:
    from .replay import cmd_replay as replay_main

    return replay_main(args)


def cmd_run(args: argparse.Namespace) -> int:
    from .replay import cmd_run as run_main

    return run_main(args)


def cmd_doctor(args: argparse.Namespace) -> int:
    from ..targets.doctor import main as doctor_main

    return doctor_main(args)
