"""`harness --help` is for users: what it is, each command once with one line, help for every option; --version;
-v logs the harness's details without botocore's and urllib3's (-vv adds them)."""
from __future__ import annotations

import argparse
import logging
from importlib.metadata import version

import pytest

from harness import cli
from harness.cli.entry import PlainFormatter, logging_to_stderr

COMMANDS = ["serve", "plan", "deploy", "destroy", "env", "outputs", "logs", "replay", "run", "load", "doctor"]


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def test_top_level_help_lists_each_command_once_with_one_line(capsys):
    with pytest.raises(SystemExit) as done:
        cli.main(["--help"])
    assert done.value.code == 0
    text = capsys.readouterr().out
    assert text.startswith("usage: harness [-h] [--version] [-v] COMMAND ...")
    assert "Run the tutorial's serverless REST API" in text and "thin composition" not in text
    listed = [line.split()[0] for line in text.split("commands:\n", 1)[1].split("\n\n", 1)[0].splitlines()
              if line.startswith("  ") and not line.startswith("   ")]
    assert listed == COMMANDS
    assert "{serve," not in text and "Exit status: 0 done; 1" in text


@pytest.mark.parametrize("command", COMMANDS)
def test_every_option_of_every_command_has_help(command):
    parser = _subparsers(cli.build_parser())[command]
    for action in parser._actions:
        assert action.help and action.help != argparse.SUPPRESS, f"{command} {action.option_strings or action.dest}"


def test_version(capsys):
    with pytest.raises(SystemExit):
        cli.main(["--version"])
    assert capsys.readouterr().out.strip() == f"harness {version('db-api-harness')}"


@pytest.mark.parametrize("verbosity, root, libraries", [(0, logging.WARNING, logging.WARNING),
                                                         (1, logging.DEBUG, logging.WARNING),
                                                         (2, logging.DEBUG, logging.DEBUG)])
def test_verbosity_keeps_the_libraries_quiet_unless_asked_twice(verbosity, root, libraries):
    before = logging.getLogger().level, logging.getLogger("botocore").level
    with logging_to_stderr(verbosity):
        assert logging.getLogger().level == root
        assert logging.getLogger("botocore").level == logging.getLogger("urllib3").level == libraries
    assert (logging.getLogger().level, logging.getLogger("botocore").level) == before


def test_a_warning_is_one_plain_line():
    record = logging.LogRecord("harness.emulator.runtime.service", logging.WARNING, __file__, 1,
                               "functions declared %s run on the local %s interpreter", ("python3.12", "python3.11"),
                               None)
    assert PlainFormatter().format(record) == \
        "harness: warning: functions declared python3.12 run on the local python3.11 interpreter"
