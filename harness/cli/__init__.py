"""`harness`, the command line: thin composition of the parts. Nothing but the entry point imports it.

entry.py    `main`: parse, logging, run the command, the one error boundary (HarnessError -> message + status)
parser.py   `build_parser`: the top-level help, --version, -v, every command registered once
options.py  options several commands share, read back as stack settings and a target
stack.py    serve, plan, deploy, destroy
shell.py    env (for `eval "$(harness env)"`), outputs
logs.py     logs
replay.py   replay, run          load.py   load          (doctor: harness/targets/doctor.py)
Left out: anything a library user needs (use harness.deploy, harness.targets, harness.replay directly).
"""
from __future__ import annotations

from .entry import main
from .parser import build_parser

__all__ = ["build_parser", "main"]
