"""`harness.cli:main`, the entry point: parse, set up logging, run the command, and the ONE error boundary.

Any HarnessError (harness/errors.py) ends the command as `harness: <message>` on stderr and its exit status;
what lower layers raise is mapped into one first (`map_errors`, naming the --endpoint as given). Anything else
is a bug: Python's traceback, exit status 1. `-v` logs debug details and shows a mapped failure's traceback
too; `-vv` also lets botocore, urllib3 and moto log below WARNING. Warnings are plain `harness: warning:` lines.
Left out: colour, and a log file.
"""
from __future__ import annotations

import logging
import sys
import traceback
from contextlib import contextmanager
from typing import Iterator, Sequence

from ..errors import HarnessError, map_errors
from .parser import build_parser

#: Libraries whose debug lines drown the harness's own unless -vv asks for them.
NOISY_LOGGERS = ("botocore", "boto3", "s3transfer", "urllib3", "moto", "werkzeug", "docker", "matplotlib", "PIL")


class PlainFormatter(logging.Formatter):
    """`harness: warning: message` (a traceback follows only when the record carries one)."""

    def format(self, record: logging.LogRecord) -> str:
        text = f"harness: {record.levelname.lower()}: {record.getMessage()}"
        if record.exc_info:
            text += "\n" + self.formatException(record.exc_info)
        return text


@contextmanager
def logging_to_stderr(verbosity: int) -> Iterator[None]:
    """Log to stderr while the command runs (plain warnings; -v: debug lines with time and logger; -vv: the
    libraries' too); the logging configuration is as it was afterwards (main may run inside a test)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s") if verbosity
                         else PlainFormatter())
    root = logging.getLogger()
    saved = root.level, {name: logging.getLogger(name).level for name in NOISY_LOGGERS}
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if verbosity else logging.WARNING)
    for name in NOISY_LOGGERS:
        logging.getLogger(name).setLevel(logging.DEBUG if verbosity >= 2 else logging.WARNING)
    try:
        yield
    finally:
        root.removeHandler(handler)
        root.setLevel(saved[0])
        for name, level in saved[1].items():
            logging.getLogger(name).setLevel(level)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    with logging_to_stderr(args.verbose):
        try:
            with map_errors(getattr(args, "endpoint", None)):
                return int(args.func(args) or 0)
        except KeyboardInterrupt:
            return 130
        except HarnessError as exc:
            if args.verbose:
                traceback.print_exception(exc, file=sys.stderr)
            for line in str(exc).splitlines() or [type(exc).__name__]:
                print(f"harness: {line}", file=sys.stderr)
            return exc.exit_code
