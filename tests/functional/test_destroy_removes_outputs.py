"""`harness destroy` leaves nothing of the harness's own: the outputs file of the stack it destroyed goes (and
`.harness/` when empty); another stack's outputs stay. transcript.json and out.xml are ignored by git."""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from harness import cli

pytestmark = pytest.mark.functional
ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow  # > 0.9 s: `make test` runs it, `make test-fast` does not
def test_destroy_removes_the_outputs_of_the_stack_it_destroyed(stack_url, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert cli.main(["deploy", "--endpoint", stack_url, "--prefix", "gone-"]) == 0
    outputs = tmp_path / ".harness" / "outputs.json"
    assert outputs.is_file()
    assert cli.main(["destroy", "--endpoint", stack_url, "--prefix", "other-"]) == 0  # another stack: kept
    assert outputs.is_file()
    capsys.readouterr()
    assert cli.main(["destroy", "--endpoint", stack_url, "--prefix", "gone-"]) == 0
    assert capsys.readouterr().out.splitlines()[-2:] == ["harness: destroyed gone-db-api (9 steps)",
                                                         "harness: removed .harness/outputs.json"]
    assert list(tmp_path.iterdir()) == []
    assert cli.main(["outputs"]) == 2
    assert capsys.readouterr().err == "harness: no outputs in .harness/outputs.json: deploy first (harness deploy " \
                                      "--endpoint URL)\n"


def test_reports_are_ignored_by_git():
    done = subprocess.run(["git", "check-ignore", "transcript.json", "out.xml", ".harness/outputs.json"], cwd=ROOT,
                          capture_output=True, text=True)
    assert done.stdout.split() == ["transcript.json", "out.xml", ".harness/outputs.json"]
